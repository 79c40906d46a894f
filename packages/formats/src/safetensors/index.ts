export { dtypeBits, SAFETENSORS_DTYPE_BITS } from './dtypes.js';
export {
  type ByteRange,
  parseSafetensors,
  SAFETENSORS_LIMITS,
  type SafetensorsAnomaly,
  type SafetensorsAnomalyCode,
  type SafetensorsHeader,
  type SafetensorsLimits,
  type SafetensorsParseResult,
  type SafetensorsTensor,
} from './header.js';
export {
  type JsonAnomalyCode,
  type JsonLimits,
  type JsonMember,
  type JsonParseResult,
  type JsonValue,
  parseStrictJson,
} from './json.js';
