export { ONNX_LIMITS, parseOnnxModel } from './model.js';
export type {
  OnnxAnomaly,
  OnnxAnomalyCode,
  OnnxEntry,
  OnnxFunction,
  OnnxLimits,
  OnnxModel,
  OnnxNode,
  OnnxOpset,
  OnnxScope,
  OnnxTensor,
  OnnxTensorKind,
} from './types.js';
