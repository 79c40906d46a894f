/**
 * safetensors header validation: `u64 LE length`, a JSON object of tensors and `__metadata__`, then
 * the data section. Only the header is read; every invariant the reference loader relies on (and a
 * few it does not check, where other readers differ) becomes an anomaly. Tensor data is never read:
 * the ranges no tensor covers are returned so the caller can sniff them, under its own bounds.
 */
import type { Anomaly } from '../anomaly.js';
import type { ByteSource } from '../source.js';
import { dtypeBits } from './dtypes.js';
import { type JsonAnomalyCode, type JsonValue, parseStrictJson } from './json.js';

export type SafetensorsAnomalyCode =
  | JsonAnomalyCode
  | 'ST_TRUNCATED'
  | 'ST_HEADER_TOO_LARGE'
  | 'ST_HEADER_OUT_OF_BOUNDS'
  | 'ST_HEADER_NOT_OBJECT'
  | 'ST_METADATA_INVALID'
  | 'ST_TENSOR_MALFORMED'
  | 'ST_TENSOR_EXTRA_FIELD'
  | 'ST_UNKNOWN_DTYPE'
  | 'ST_SIZE_OVERFLOW'
  | 'ST_SIZE_MISMATCH'
  | 'ST_OFFSETS_INVALID'
  | 'ST_OFFSET_OUT_OF_BOUNDS'
  | 'ST_OVERLAP'
  | 'ST_GAP'
  | 'ST_TRAILING_DATA'
  | 'ST_ANOMALY_LIMIT';

export type SafetensorsAnomaly = Anomaly<SafetensorsAnomalyCode>;

export interface SafetensorsLimits {
  /** Declared header length; the reference loader refuses more than 100 MB (CWE-789: allocation from a length field). */
  readonly maxHeaderBytes: number;
  /** JSON nesting; a valid header is 3 levels deep (CWE-674: recursion exhaustion). */
  readonly maxJsonDepth: number;
  /** JSON values kept from one header (CWE-400: memory exhaustion from a flat header). */
  readonly maxJsonValues: number;
  /** Anomalies reported per file; one per tensor is possible (CWE-400: report flooding). */
  readonly maxAnomalies: number;
}

export const SAFETENSORS_LIMITS: SafetensorsLimits = Object.freeze({
  maxHeaderBytes: 100_000_000,
  maxJsonDepth: 32,
  maxJsonValues: 4_000_000,
  maxAnomalies: 1000,
});

export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly bigint[];
  /** Offsets relative to the data section, as declared. */
  readonly begin: bigint;
  readonly end: bigint;
  /** File offset of the tensor's key in the header. */
  readonly offset: number;
}

/** A half-open range of file offsets. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly headerLength: number;
  /** File offset where the data section starts (8 + headerLength). */
  readonly dataStart: number;
  readonly tensors: readonly SafetensorsTensor[];
  /** `__metadata__` string values (non-string values are anomalies and left out). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface SafetensorsParseResult {
  /** Absent when the header could not be read or is not a JSON object. */
  readonly header?: SafetensorsHeader;
  /** Data-section ranges no tensor covers (gaps and trailing bytes), in file order. */
  readonly uncovered: readonly ByteRange[];
  readonly anomalies: readonly SafetensorsAnomaly[];
}

const U64_MAX = (1n << 64n) - 1n;
const TENSOR_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

export async function parseSafetensors(
  source: ByteSource,
  limits: SafetensorsLimits = SAFETENSORS_LIMITS,
): Promise<SafetensorsParseResult> {
  const anomalies: SafetensorsAnomaly[] = [];
  const report = (a: SafetensorsAnomaly) => {
    if (anomalies.length < limits.maxAnomalies) anomalies.push(a);
    else if (anomalies.length === limits.maxAnomalies)
      anomalies.push({
        code: 'ST_ANOMALY_LIMIT',
        message: `more than ${limits.maxAnomalies} anomalies; the rest are not listed`,
        limit: limits.maxAnomalies,
      });
  };
  const none = (): SafetensorsParseResult => ({ uncovered: [], anomalies });

  const prefix = await source.read(0, 8);
  if (prefix.length < 8) {
    report({
      code: 'ST_TRUNCATED',
      message: `file is ${source.size} bytes, shorter than the 8-byte length field`,
      offset: 0,
    });
    return none();
  }
  const declared = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(limits.maxHeaderBytes)) {
    report({
      code: 'ST_HEADER_TOO_LARGE',
      message: `declared header length ${declared} exceeds the ${limits.maxHeaderBytes}-byte limit`,
      offset: 0,
      field: 'header length',
      limit: limits.maxHeaderBytes,
      actual: declared.toString(),
    });
    return none();
  }
  const headerLength = Number(declared);
  const dataStart = 8 + headerLength;
  if (dataStart > source.size) {
    report({
      code: 'ST_HEADER_OUT_OF_BOUNDS',
      message: `declared header length ${headerLength} runs past the end of the ${source.size}-byte file`,
      offset: 0,
      field: 'header length',
      limit: source.size - 8,
      actual: headerLength,
    });
    return none();
  }
  const text = await source.read(8, headerLength);
  const json = parseStrictJson(text, { maxDepth: limits.maxJsonDepth, maxValues: limits.maxJsonValues }, 8);
  for (const a of json.anomalies) report(a);
  const root = json.value;
  if (root === undefined) return none();
  if (root.kind !== 'object') {
    report({
      code: 'ST_HEADER_NOT_OBJECT',
      message: `header is a JSON ${root.kind}, not an object`,
      offset: 8,
    });
    return none();
  }

  const dataLength = BigInt(source.size - dataStart);
  const tensors: SafetensorsTensor[] = [];
  let metadata: Record<string, string> | undefined;
  for (const { key, keyOffset, value } of root.members) {
    if (key === '__metadata__') {
      metadata = readMetadata(value, keyOffset, report);
      continue;
    }
    const t = readTensor(key, keyOffset, value, report);
    if (t) tensors.push(t);
  }

  for (const t of tensors) {
    const bits = dtypeBits(t.dtype);
    if (t.end < t.begin) {
      report({
        code: 'ST_OFFSETS_INVALID',
        message: `${quote(t.name)}: data_offsets end ${t.end} is before begin ${t.begin}`,
        offset: t.offset,
        field: 'data_offsets',
      });
      continue;
    }
    if (t.end > dataLength)
      report({
        code: 'ST_OFFSET_OUT_OF_BOUNDS',
        message: `${quote(t.name)}: data_offsets [${t.begin}, ${t.end}) run past the ${dataLength}-byte data section`,
        offset: t.offset,
        field: 'data_offsets',
        limit: Number(dataLength),
        actual: t.end.toString(),
      });
    if (bits === undefined) continue;
    let elements = 1n;
    for (const d of t.shape) elements = elements > U64_MAX ? elements : elements * d;
    const totalBits = elements * BigInt(bits);
    if (elements > U64_MAX || totalBits > U64_MAX) {
      report({
        code: 'ST_SIZE_OVERFLOW',
        message: `${quote(t.name)}: shape [${t.shape.join(', ')}] overflows a 64-bit size`,
        offset: t.offset,
        field: 'shape',
      });
      continue;
    }
    const span = t.end - t.begin;
    if (totalBits % 8n !== 0n || totalBits / 8n !== span)
      report({
        code: 'ST_SIZE_MISMATCH',
        message: `${quote(t.name)}: ${t.dtype} shape [${t.shape.join(', ')}] needs ${totalBits % 8n === 0n ? `${totalBits / 8n} bytes` : `${totalBits} bits (not whole bytes)`} but data_offsets span ${span}`,
        offset: t.offset,
        field: 'shape',
        actual: span.toString(),
      });
  }

  const uncovered = coverage(tensors, dataLength, dataStart, report);
  return {
    header: { headerLength, dataStart, tensors, ...(metadata ? { metadata } : {}) },
    uncovered,
    anomalies,
  };
}

function readMetadata(
  value: JsonValue,
  keyOffset: number,
  report: (a: SafetensorsAnomaly) => void,
): Record<string, string> | undefined {
  if (value.kind !== 'object') {
    report({
      code: 'ST_METADATA_INVALID',
      message: `__metadata__ is a JSON ${value.kind}; the format requires a map of strings to strings`,
      offset: keyOffset,
      field: '__metadata__',
    });
    return undefined;
  }
  const out: Record<string, string> = Object.create(null);
  for (const m of value.members) {
    if (m.value.kind === 'string') out[m.key] = m.value.value;
    else
      report({
        code: 'ST_METADATA_INVALID',
        message: `__metadata__[${quote(m.key)}] is a JSON ${m.value.kind}, not a string`,
        offset: m.keyOffset,
        field: `__metadata__.${m.key.slice(0, 100)}`,
      });
  }
  return out;
}

function readTensor(
  name: string,
  offset: number,
  value: JsonValue,
  report: (a: SafetensorsAnomaly) => void,
): SafetensorsTensor | undefined {
  const malformed = (why: string) => {
    report({
      code: 'ST_TENSOR_MALFORMED',
      message: `${quote(name)}: ${why}`,
      offset,
      field: name.slice(0, 100),
    });
    return undefined;
  };
  if (value.kind !== 'object') return malformed(`entry is a JSON ${value.kind}, not an object`);
  const fields = new Map<string, JsonValue>();
  for (const m of value.members) {
    if (!TENSOR_FIELDS.has(m.key))
      report({
        code: 'ST_TENSOR_EXTRA_FIELD',
        message: `${quote(name)}: unknown field ${quote(m.key)} (ignored by loaders, but it can carry data)`,
        offset: m.keyOffset,
        field: m.key.slice(0, 100),
      });
    fields.set(m.key, m.value);
  }
  const dtype = fields.get('dtype');
  const shape = fields.get('shape');
  const offsets = fields.get('data_offsets');
  if (dtype?.kind !== 'string') return malformed('dtype is missing or not a string');
  if (shape?.kind !== 'array') return malformed('shape is missing or not an array');
  if (offsets?.kind !== 'array' || offsets.items.length !== 2) return malformed('data_offsets is not a pair');
  const dims = shape.items.map(unsigned);
  if (dims.some((d) => d === undefined))
    return malformed('shape holds a value that is not an unsigned integer');
  const [begin, end] = offsets.items.map(unsigned);
  if (begin === undefined || end === undefined) return malformed('data_offsets are not unsigned integers');
  if (dtypeBits(dtype.value) === undefined)
    report({
      code: 'ST_UNKNOWN_DTYPE',
      message: `${quote(name)}: unknown dtype ${quote(dtype.value)}`,
      offset,
      field: 'dtype',
      actual: dtype.value.slice(0, 100),
    });
  return { name, dtype: dtype.value, shape: dims as bigint[], begin, end, offset };
}

/** A u64 the way the reference loader reads one: a JSON integer in [0, 2^64). */
function unsigned(v: JsonValue): bigint | undefined {
  if (v.kind !== 'number' || v.integer === undefined) return undefined;
  return v.integer >= 0n && v.integer <= U64_MAX ? v.integer : undefined;
}

/** Walks tensors in data order: overlaps, gaps and trailing bytes (the reference loader rejects all three). */
function coverage(
  tensors: readonly SafetensorsTensor[],
  dataLength: bigint,
  dataStart: number,
  report: (a: SafetensorsAnomaly) => void,
): ByteRange[] {
  const spans = tensors
    .filter((t) => t.begin <= t.end && t.begin < dataLength)
    .map((t) => ({ t, begin: t.begin, end: t.end < dataLength ? t.end : dataLength }))
    .sort((a, b) =>
      a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0,
    );
  const uncovered: ByteRange[] = [];
  let cursor = 0n;
  let last: SafetensorsTensor | undefined;
  for (const s of spans) {
    if (s.begin < cursor && s.end > s.begin && last)
      report({
        code: 'ST_OVERLAP',
        message: `${quote(s.t.name)} [${s.t.begin}, ${s.t.end}) overlaps ${quote(last.name)} [${last.begin}, ${last.end})`,
        offset: s.t.offset,
        field: 'data_offsets',
      });
    if (s.begin > cursor) {
      const start = dataStart + Number(cursor);
      const end = dataStart + Number(s.begin);
      uncovered.push({ start, end });
      report({
        code: 'ST_GAP',
        message: `${end - start} bytes at data offset ${cursor} before ${quote(s.t.name)} belong to no tensor`,
        offset: start,
        field: 'data section',
        actual: end - start,
      });
    }
    if (s.end > cursor) {
      cursor = s.end;
      last = s.t;
    }
  }
  if (cursor < dataLength) {
    const start = dataStart + Number(cursor);
    const end = dataStart + Number(dataLength);
    uncovered.push({ start, end });
    report({
      code: 'ST_TRAILING_DATA',
      message: `${end - start} bytes after the last tensor belong to no tensor`,
      offset: start,
      field: 'data section',
      actual: end - start,
    });
  }
  return uncovered;
}

const quote = (s: string): string => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
