/**
 * GGUF tensor layout: byte sizes from ggml types, alignment, bounds, overlaps, and the bytes no tensor
 * covers. llama.cpp requires tensors to be packed in order with alignment padding only, so every gap
 * is a place where two readers may see different things (and where data can hide).
 */
import { GGUF_MAX_DIMS, type GgufAnomaly } from './limits.js';
import { type GgufTensorInfo, ggmlType } from './types.js';

/** A half-open range of file offsets. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

const I64_MAX = (1n << 63n) - 1n;

/** The tensor's size in bytes, or undefined (with an anomaly) when it has none. */
export function tensorBytes(t: GgufTensorInfo, report: (a: GgufAnomaly) => void): bigint | undefined {
  const type = ggmlType(t.typeId);
  const label = JSON.stringify(t.name);
  if (!type) {
    report({
      code: 'GGUF_UNKNOWN_TENSOR_TYPE',
      message: `tensor ${label} has unknown or removed ggml type ${t.typeId}`,
      offset: t.infoOffset,
      field: 'type',
      actual: t.typeId,
    });
    return undefined;
  }
  let elements = 1n;
  for (const d of t.dims) {
    if (d > I64_MAX) {
      report({
        code: 'GGUF_BAD_DIM',
        message: `tensor ${label} has dimension ${d}, negative as the signed 64-bit value llama.cpp reads`,
        offset: t.infoOffset,
        field: 'dims',
        actual: d.toString(),
      });
      return undefined;
    }
    elements *= d;
    if (elements > I64_MAX) {
      report({
        code: 'GGUF_SIZE_OVERFLOW',
        message: `tensor ${label} dims [${t.dims.join(', ')}] overflow a signed 64-bit element count`,
        offset: t.infoOffset,
        field: 'dims',
      });
      return undefined;
    }
  }
  const ne0 = t.dims[0] ?? 1n;
  if (ne0 % BigInt(type.block) !== 0n) {
    report({
      code: 'GGUF_BLOCK_MISALIGNED',
      message: `tensor ${label}: first dimension ${ne0} is not a multiple of the ${type.name} block size ${type.block}`,
      offset: t.infoOffset,
      field: 'dims',
      actual: ne0.toString(),
    });
    return undefined;
  }
  const bytes = (elements / BigInt(type.block)) * BigInt(type.bytes);
  if (bytes > I64_MAX) {
    report({
      code: 'GGUF_SIZE_OVERFLOW',
      message: `tensor ${label} needs ${bytes} bytes, more than a signed 64-bit size`,
      offset: t.infoOffset,
      field: 'dims',
    });
    return undefined;
  }
  return bytes;
}

export function checkLayout(
  tensors: readonly GgufTensorInfo[],
  alignment: number,
  dataStart: number,
  fileSize: number,
  report: (a: GgufAnomaly) => void,
): ByteRange[] {
  const align = BigInt(alignment);
  const dataLength = BigInt(Math.max(0, fileSize - dataStart));
  const spans: { t: GgufTensorInfo; begin: bigint; end: bigint }[] = [];
  // Tensors whose size is unknown (reported already) extend to the next tensor: no gap is invented.
  const open: { t: GgufTensorInfo; begin: bigint }[] = [];
  for (const t of tensors) {
    const size = t.dims.length > GGUF_MAX_DIMS ? undefined : tensorBytes(t, report);
    if (t.offset % align !== 0n)
      report({
        code: 'GGUF_OFFSET_MISALIGNED',
        message: `tensor ${JSON.stringify(t.name)} offset ${t.offset} is not a multiple of the alignment ${alignment}`,
        offset: t.infoOffset,
        field: 'offset',
        actual: t.offset.toString(),
      });
    if (size === undefined) {
      if (t.offset < dataLength) open.push({ t, begin: t.offset });
      continue;
    }
    const end = t.offset + size;
    if (end > dataLength) {
      report({
        code: 'GGUF_TENSOR_OUT_OF_BOUNDS',
        message: `tensor ${JSON.stringify(t.name)} [${t.offset}, ${end}) runs past the ${dataLength}-byte data section`,
        offset: t.infoOffset,
        field: 'offset',
        limit: Number(dataLength),
        actual: end.toString(),
      });
      if (t.offset >= dataLength) continue;
    }
    spans.push({ t, begin: t.offset, end: end < dataLength ? end : dataLength });
  }
  const begins = spans.map((x) => x.begin).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const o of open) {
    let lo = 0;
    let hi = begins.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (begins[mid]! <= o.begin) lo = mid + 1;
      else hi = mid;
    }
    spans.push({ t: o.t, begin: o.begin, end: begins[lo] ?? dataLength });
  }
  spans.sort((a, b) =>
    a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0,
  );

  const uncovered: ByteRange[] = [];
  const alignUp = (v: bigint) => ((v + align - 1n) / align) * align;
  let cursor = 0n;
  let last: GgufTensorInfo | undefined;
  for (const s of spans) {
    if (s.begin < cursor && s.end > s.begin && last)
      report({
        code: 'GGUF_OVERLAP',
        message: `tensor ${JSON.stringify(s.t.name)} overlaps ${JSON.stringify(last.name)}`,
        offset: s.t.infoOffset,
        field: 'offset',
      });
    const padded = alignUp(cursor);
    if (s.begin > padded) {
      const range = { start: dataStart + Number(padded), end: dataStart + Number(s.begin) };
      uncovered.push(range);
      report({
        code: 'GGUF_GAP',
        message: `${range.end - range.start} bytes before tensor ${JSON.stringify(s.t.name)} belong to no tensor`,
        offset: range.start,
        field: 'data section',
        actual: range.end - range.start,
      });
    }
    if (s.end > cursor) {
      cursor = s.end;
      last = s.t;
    }
  }
  const padded = alignUp(cursor);
  if (padded < dataLength) {
    const range = { start: dataStart + Number(padded), end: fileSize };
    uncovered.push(range);
    report({
      code: 'GGUF_TRAILING_DATA',
      message: `${range.end - range.start} bytes after the last tensor belong to no tensor`,
      offset: range.start,
      field: 'data section',
      actual: range.end - range.start,
    });
  }
  return uncovered;
}
