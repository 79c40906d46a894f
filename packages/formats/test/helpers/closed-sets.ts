/**
 * The closed sets parser output must stay within, written out independently of the source so that a
 * new code or kind is a deliberate change here too. Shared by the tests and scripts/fuzz.ts.
 */
import type { FormatKind, NpyAnomalyCode } from '@vacsrp/formats';

/** Pickle anomaly codes (src/pickle/machine.ts PickleAnomalyCode). */
export const PICKLE_ANOMALY_CODES: ReadonlySet<string> = new Set([
  'INVALID_OPCODE',
  'TRUNCATED',
  'STACK_UNDERFLOW',
  'MARK_NOT_FOUND',
  'MEMO_NOT_FOUND',
  'BAD_OPERAND',
  'BAD_IMPORT_NAME',
  'UNSUPPORTED_PROTOCOL',
  'OUT_OF_BAND_BUFFER',
  'FRAME_STRADDLE',
  'FRAME_OVERLAP',
  'CONTAINER_TARGET',
  'JOBLIB_ARRAY_UNSIZED',
  'JOBLIB_ARRAY_TRUNCATED',
  'LIMIT_STACK',
  'LIMIT_MARKS',
  'LIMIT_MEMO',
  'LIMIT_LINE',
  'LIMIT_OPCODES',
  'LIMIT_RETAINED',
]);

/** NumPy .npy header anomaly codes. */
export const NPY_ANOMALY_CODES: ReadonlySet<NpyAnomalyCode> = new Set([
  'NPY_BAD_MAGIC',
  'NPY_BAD_VERSION',
  'NPY_TRUNCATED',
  'NPY_BAD_HEADER',
  'NPY_SIZE_MISMATCH',
]);

/** What sniff may answer. */
export const FORMAT_KINDS: ReadonlySet<FormatKind> = new Set([
  'zip',
  'tar',
  'gzip',
  'bzip2',
  'xz',
  'lzma',
  'zlib',
  'lz4',
  '7z',
  'pickle',
  'npy',
  'gguf',
  'hdf5',
  'safetensors',
  'text',
  'unknown',
]);
