export { type Anomaly, FormatError } from './anomaly.js';
export * from './pickle/index.js';
export { SNIFF_HEAD_BYTES, type FormatKind, sniff } from './sniff.js';
export {
  BufferSource,
  type ByteSource,
  type ByteStream,
  DEFAULT_CHUNK,
  SliceSource,
  collectStream,
  concatBytes,
  sourceStream,
} from './source.js';
export { NPY_MAGIC, NPY_MAX_HEADER, type NpyAnomalyCode, type NpyHeader, parseNpyHeader } from './numpy/npy.js';
export { analyseTorchScriptCode, TORCHSCRIPT_MAX_CODE_BYTES, type TorchScriptReference } from './pytorch/torchscript.js';
export { decompressStream } from './compress/decompress.js';
export { COMPRESS_LIMITS, type CompressAnomaly, type CompressAnomalyCode, type CompressionKind, type CompressLimits, type DecompressResult } from './compress/types.js';
