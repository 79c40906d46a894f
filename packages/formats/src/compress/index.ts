export { crc32 } from './crc32.js';
export { decompressStream } from './decompress.js';
export {
  COMPRESS_ANOMALY_CODES,
  COMPRESS_LIMITS,
  type CompressAnomaly,
  type CompressAnomalyCode,
  type CompressionKind,
  type CompressLimits,
  type DecompressResult,
  RATIO_CHECK_AFTER_BYTES,
} from './types.js';
