/** Named limits for GGUF parsing, and the anomaly vocabulary. Each limit bounds something a file declares. */
import type { Anomaly } from '../anomaly.js';

export interface GgufLimits {
  /** Metadata key/value pairs (CWE-770: a declared count drives the loop). */
  readonly maxKvCount: number;
  /** Tensor infos kept (CWE-770: a declared count drives allocation of the table). */
  readonly maxTensorCount: number;
  /** Bytes of one string value kept for analysis, enough for any chat template; longer ones are skipped (CWE-400). */
  readonly maxRetainedStringBytes: number;
  /** Nesting of arrays inside arrays (CWE-674: recursion exhaustion). */
  readonly maxArrayDepth: number;
  /** Array elements walked across the file, e.g. vocabularies of a few 100k tokens (CWE-834: time bound). */
  readonly maxArrayElements: number;
  /** Bytes of header, metadata and tensor infos read before the data section (CWE-400). */
  readonly maxHeaderBytes: number;
  /** Anomalies reported per file; one per tensor is possible (CWE-400: report flooding). */
  readonly maxAnomalies: number;
}

export const GGUF_LIMITS: GgufLimits = Object.freeze({
  maxKvCount: 1_000_000,
  maxTensorCount: 1_000_000,
  maxRetainedStringBytes: 1 << 20,
  maxArrayDepth: 4,
  maxArrayElements: 16_000_000,
  maxHeaderBytes: 512 * 1024 * 1024,
  maxAnomalies: 1000,
});

/** llama.cpp's GGML_MAX_DIMS: a tensor with more dimensions is rejected by the reference loader. */
export const GGUF_MAX_DIMS = 4;
/** llama.cpp's GGML_MAX_NAME: longer tensor names are rejected by the reference loader. */
export const GGUF_MAX_TENSOR_NAME = 64;
/** The default data alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** Alignments above this are legal but let padding hide data; writers use 32 (or 64). */
export const GGUF_MAX_PLAUSIBLE_ALIGNMENT = 65536;

export type GgufAnomalyCode =
  | 'GGUF_BAD_MAGIC'
  | 'GGUF_TRUNCATED'
  | 'GGUF_UNSUPPORTED_VERSION'
  | 'GGUF_BIG_ENDIAN'
  | 'GGUF_LEGACY_VERSION'
  | 'GGUF_DECLARED_SIZE_EXCEEDS_DATA'
  | 'GGUF_LIMIT'
  | 'GGUF_BAD_UTF8'
  | 'GGUF_UNKNOWN_VALUE_TYPE'
  | 'GGUF_NESTED_ARRAY'
  | 'GGUF_BAD_BOOL'
  | 'GGUF_DUPLICATE_KEY'
  | 'GGUF_BAD_ALIGNMENT'
  | 'GGUF_TOO_MANY_DIMS'
  | 'GGUF_BAD_DIM'
  | 'GGUF_TENSOR_NAME_TOO_LONG'
  | 'GGUF_DUPLICATE_TENSOR'
  | 'GGUF_UNKNOWN_TENSOR_TYPE'
  | 'GGUF_SIZE_OVERFLOW'
  | 'GGUF_BLOCK_MISALIGNED'
  | 'GGUF_OFFSET_MISALIGNED'
  | 'GGUF_TENSOR_OUT_OF_BOUNDS'
  | 'GGUF_OVERLAP'
  | 'GGUF_GAP'
  | 'GGUF_TRAILING_DATA'
  | 'GGUF_KEY_TYPE_MISMATCH'
  | 'GGUF_VALUE_OUT_OF_RANGE'
  | 'GGUF_ANOMALY_LIMIT';

export type GgufAnomaly = Anomaly<GgufAnomalyCode>;
