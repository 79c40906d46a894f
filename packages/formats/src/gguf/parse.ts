/**
 * GGUF: magic, version, counts, metadata, tensor infos. Reads only the front of the file through a
 * bounded cursor; the tensor data is never read. Layout checks (sizes, alignment, bounds, overlaps,
 * uncovered bytes) are in layout.ts.
 */
import type { ByteSource } from '../source.js';
import { Cursor, Truncated } from './cursor.js';
import { type ByteRange, checkLayout } from './layout.js';
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAX_DIMS,
  GGUF_MAX_PLAUSIBLE_ALIGNMENT,
  GGUF_MAX_TENSOR_NAME,
  type GgufAnomaly,
  type GgufLimits,
} from './limits.js';
import { Fatal, type GgufKv, MetadataReader } from './metadata.js';
import { checkKnownKeys } from './semantics.js';
import type { GgufTensorInfo } from './types.js';

export interface GgufParseResult {
  readonly version?: number;
  readonly tensorCount?: bigint;
  readonly kvCount?: bigint;
  /** Key/value pairs read before any fault, in file order (duplicates included). */
  readonly metadata: readonly GgufKv[];
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** File offset of the data section, when every tensor info was read. */
  readonly dataStart?: number;
  /** Bytes no tensor covers beyond alignment padding (gaps and trailing data). */
  readonly uncovered: readonly ByteRange[];
  /** True when the parse stopped early (the anomalies say why). */
  readonly incomplete: boolean;
  readonly anomalies: readonly GgufAnomaly[];
}

const MAGIC = [0x47, 0x47, 0x55, 0x46];
/** Dimensions read past GGUF_MAX_DIMS before the record is treated as unlocatable. */
const MAX_READABLE_DIMS = 64;

export async function parseGguf(
  source: ByteSource,
  limits: GgufLimits = GGUF_LIMITS,
): Promise<GgufParseResult> {
  const anomalies: GgufAnomaly[] = [];
  const report = (a: GgufAnomaly) => {
    if (anomalies.length < limits.maxAnomalies) anomalies.push(a);
    else if (anomalies.length === limits.maxAnomalies)
      anomalies.push({
        code: 'GGUF_ANOMALY_LIMIT',
        message: `more than ${limits.maxAnomalies} anomalies; the rest are not listed`,
        limit: limits.maxAnomalies,
      });
  };
  const metadata: GgufKv[] = [];
  const tensors: GgufTensorInfo[] = [];
  let version: number | undefined;
  let tensorCount: bigint | undefined;
  let kvCount: bigint | undefined;
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const cursor = new Cursor(source);
  const result = (incomplete: boolean, extra: Partial<GgufParseResult> = {}): GgufParseResult => ({
    ...(version !== undefined ? { version } : {}),
    ...(tensorCount !== undefined ? { tensorCount } : {}),
    ...(kvCount !== undefined ? { kvCount } : {}),
    metadata,
    tensors,
    alignment,
    uncovered: [],
    incomplete,
    anomalies,
    ...extra,
  });

  try {
    const magic = await cursor.take(4);
    if (!MAGIC.every((b, i) => magic[i] === b)) {
      report({ code: 'GGUF_BAD_MAGIC', message: 'file does not start with GGUF', offset: 0, field: 'magic' });
      return result(true);
    }
    const rawVersion = await cursor.u32();
    const swapped =
      ((rawVersion & 0xff) << 24) |
      (((rawVersion >>> 8) & 0xff) << 16) |
      (((rawVersion >>> 16) & 0xff) << 8) |
      (rawVersion >>> 24);
    if (rawVersion < 1 || rawVersion > 3) {
      const bigEndian = swapped >= 1 && swapped <= 3;
      report({
        code: bigEndian ? 'GGUF_BIG_ENDIAN' : 'GGUF_UNSUPPORTED_VERSION',
        message: bigEndian
          ? `big-endian GGUF v${swapped}: only little-endian files are analysed`
          : `version ${rawVersion} is not 1, 2 or 3`,
        offset: 4,
        field: 'version',
        actual: rawVersion,
      });
      return result(true);
    }
    version = rawVersion;
    if (version === 1)
      report({
        code: 'GGUF_LEGACY_VERSION',
        message: 'GGUF v1 (32-bit lengths) is refused by current llama.cpp',
        offset: 4,
        field: 'version',
        actual: 1,
      });
    const lengthBytes = version === 1 ? 4 : 8;
    const reader = new MetadataReader(cursor, lengthBytes, limits, report);
    tensorCount = lengthBytes === 8 ? await cursor.u64() : BigInt(await cursor.u32());
    kvCount = lengthBytes === 8 ? await cursor.u64() : BigInt(await cursor.u32());
    // Smallest encodings: a name, n_dims = 0, type and offset; an empty key, a type and a one-byte value.
    checkCount(
      reader,
      'tensor count',
      tensorCount,
      limits.maxTensorCount,
      'maxTensorCount',
      lengthBytes + 16,
      8,
    );
    checkCount(
      reader,
      'metadata count',
      kvCount,
      limits.maxKvCount,
      'maxKvCount',
      lengthBytes + 5,
      8 + lengthBytes,
    );

    const keys = new Set<string>();
    for (let i = 0n; i < kvCount; i++) {
      const kv = await reader.kv();
      if (keys.has(kv.key))
        report({
          code: 'GGUF_DUPLICATE_KEY',
          message: `metadata key ${JSON.stringify(kv.key)} appears more than once; llama.cpp refuses the file, other readers keep one value`,
          offset: kv.offset,
          field: kv.key,
        });
      keys.add(kv.key);
      metadata.push(kv);
      overHeaderLimit(reader, limits);
    }
    checkKnownKeys(metadata, report);
    alignment = readAlignment(metadata, report);

    const names = new Set<string>();
    for (let i = 0n; i < tensorCount; i++) {
      const t = await tensorInfo(reader);
      if (names.has(t.name))
        report({
          code: 'GGUF_DUPLICATE_TENSOR',
          message: `tensor ${JSON.stringify(t.name)} is defined more than once`,
          offset: t.infoOffset,
          field: t.name,
        });
      names.add(t.name);
      tensors.push(t);
      overHeaderLimit(reader, limits);
    }
    const dataStart = Math.ceil(cursor.pos / alignment) * alignment;
    const uncovered = checkLayout(tensors, alignment, dataStart, source.size, report);
    return result(false, { dataStart, uncovered });
  } catch (e) {
    if (e instanceof Truncated) {
      report({
        code: 'GGUF_TRUNCATED',
        message: `the file ends inside the header at byte ${e.at} (${source.size} bytes)`,
        offset: e.at,
      });
      return result(true);
    }
    if (e instanceof Fatal) return result(true);
    throw e;
  }
}

function checkCount(
  reader: MetadataReader,
  field: string,
  count: bigint,
  limit: number,
  limitName: string,
  minBytes: number,
  at: number,
): void {
  if (count > BigInt(limit))
    reader.fatal({
      code: 'GGUF_LIMIT',
      message: `${field} ${count} exceeds the limit of ${limit}`,
      offset: at,
      field: limitName,
      limit,
      actual: count.toString(),
    });
  if (count * BigInt(minBytes) > BigInt(reader.cursor.remaining))
    reader.fatal({
      code: 'GGUF_DECLARED_SIZE_EXCEEDS_DATA',
      message: `${field} ${count} needs at least ${count * BigInt(minBytes)} bytes; only ${reader.cursor.remaining} remain`,
      offset: at,
      field,
      limit: reader.cursor.remaining,
      actual: count.toString(),
    });
}

function overHeaderLimit(reader: MetadataReader, limits: GgufLimits): void {
  if (reader.cursor.pos > limits.maxHeaderBytes)
    reader.fatal({
      code: 'GGUF_LIMIT',
      message: `metadata and tensor infos run past ${limits.maxHeaderBytes} bytes`,
      offset: reader.cursor.pos,
      field: 'maxHeaderBytes',
      limit: limits.maxHeaderBytes,
      actual: reader.cursor.pos,
    });
}

function readAlignment(metadata: readonly GgufKv[], report: (a: GgufAnomaly) => void): number {
  const kv = metadata.findLast((m) => m.key === 'general.alignment');
  if (!kv) return GGUF_DEFAULT_ALIGNMENT;
  const v = kv.value;
  const bad = (why: string): number => {
    report({
      code: 'GGUF_BAD_ALIGNMENT',
      message: `general.alignment ${why}; llama.cpp refuses it`,
      offset: kv.offset,
      field: 'general.alignment',
      ...(typeof v === 'number' ? { actual: v } : {}),
    });
    return GGUF_DEFAULT_ALIGNMENT;
  };
  if (kv.type !== 'UINT32' || typeof v !== 'number') return bad(`is a ${kv.type}, not a UINT32`);
  if (v === 0 || (v & (v - 1)) !== 0) return bad(`${v} is not a power of two`);
  if (v > GGUF_MAX_PLAUSIBLE_ALIGNMENT)
    report({
      code: 'GGUF_BAD_ALIGNMENT',
      message: `general.alignment ${v} is far above what writers use (32); its padding can hide data`,
      offset: kv.offset,
      field: 'general.alignment',
      limit: GGUF_MAX_PLAUSIBLE_ALIGNMENT,
      actual: v,
    });
  return v;
}

async function tensorInfo(reader: MetadataReader): Promise<GgufTensorInfo> {
  const cursor = reader.cursor;
  const infoOffset = cursor.pos;
  const { value: decoded, length } = await reader.string('tensor name', GGUF_MAX_TENSOR_NAME * 4);
  const name = decoded ?? `<name of ${length} bytes>`;
  if (length > GGUF_MAX_TENSOR_NAME)
    reader.report({
      code: 'GGUF_TENSOR_NAME_TOO_LONG',
      message: `tensor name of ${length} bytes exceeds llama.cpp's ${GGUF_MAX_TENSOR_NAME}-byte limit`,
      offset: infoOffset,
      field: name.slice(0, 100),
      limit: GGUF_MAX_TENSOR_NAME,
      actual: length,
    });
  const nDimsAt = cursor.pos;
  const nDims = await cursor.u32();
  if (nDims > GGUF_MAX_DIMS) {
    const anomaly = {
      code: 'GGUF_TOO_MANY_DIMS',
      message: `tensor ${JSON.stringify(name)} declares ${nDims} dimensions (llama.cpp allows at most ${GGUF_MAX_DIMS})`,
      offset: nDimsAt,
      field: 'n_dims',
      limit: GGUF_MAX_DIMS,
      actual: nDims,
    } as const;
    // A few extra dimensions can still be read past; a huge count leaves the rest unlocatable.
    if (nDims > MAX_READABLE_DIMS || nDims * reader.lengthBytes > cursor.remaining) reader.fatal(anomaly);
    reader.report(anomaly);
  }
  const dims: bigint[] = [];
  // GGUF v1 stored dimensions as u32, v2 and later as u64.
  for (let d = 0; d < nDims; d++)
    dims.push(reader.lengthBytes === 8 ? await cursor.u64() : BigInt(await cursor.u32()));
  const typeId = await cursor.u32();
  const offset = await cursor.u64();
  return { name, dims, typeId, offset, infoOffset };
}
