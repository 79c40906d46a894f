export { type Anomaly, FormatError } from './anomaly.js';
export * from './compress/index.js';
export * from './gguf/index.js';
export * from './jinja/index.js';
export * from './keras/index.js';
export * from './marshal/index.js';
export {
  NPY_MAGIC,
  NPY_MAX_HEADER,
  type NpyAnomalyCode,
  type NpyHeader,
  parseNpyHeader,
} from './numpy/npy.js';
export * from './onnx/index.js';
export * from './pickle/index.js';
export * from './protobuf/index.js';
export {
  analyseTorchScriptCode,
  TORCHSCRIPT_MAX_CODE_BYTES,
  type TorchScriptReference,
} from './pytorch/torchscript.js';
export * from './safetensors/index.js';
export { type FormatKind, SNIFF_HEAD_BYTES, sniff } from './sniff.js';
export {
  BufferSource,
  type ByteSource,
  type ByteStream,
  collectStream,
  concatBytes,
  DEFAULT_CHUNK,
  SliceSource,
  sourceStream,
} from './source.js';
export * from './tar/index.js';
export * from './tensorflow/index.js';
export * from './zip/index.js';
