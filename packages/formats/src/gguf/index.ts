export { checkLayout, tensorBytes } from './layout.js';
export {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAX_DIMS,
  GGUF_MAX_PLAUSIBLE_ALIGNMENT,
  GGUF_MAX_TENSOR_NAME,
  type GgufAnomaly,
  type GgufAnomalyCode,
  type GgufLimits,
} from './limits.js';
export type { GgufKv } from './metadata.js';
export { type GgufParseResult, parseGguf } from './parse.js';
export { checkKnownKeys, GGUF_MAX_LAYERS } from './semantics.js';
export {
  GGML_TYPES,
  GGUF_VALUE_TYPES,
  type GgmlType,
  type GgufTensorInfo,
  type GgufValueType,
  ggmlType,
} from './types.js';
