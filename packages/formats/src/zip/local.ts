/**
 * Local headers and data descriptors, compared with the central directory. miniz takes only the
 * local name and extra lengths (to find the data) and ignores the rest; Python's zipfile refuses a
 * name mismatch; streaming unzippers trust the local header alone. Each disagreement is therefore a
 * finding (CVE-2025-1944), reported per field.
 */
import type { ByteSource } from '../source.js';
import type { MutableZipEntry } from './central.js';
import { reportFlags } from './central.js';
import { bytesEqual, decodeName } from './names.js';
import { RangeReader } from './ranges.js';
import {
  applyZip64Extra,
  LOCAL_HEADER_SIZE,
  type LocalHeader,
  parseExtraFields,
  parseLocalFixed,
  SIG_DESCRIPTOR,
  SIG_LOCAL,
  u32At,
  view,
} from './records.js';
import type { AnomalySink } from './sink.js';

/** Bytes a member occupies: local header, data and data descriptor. */
export interface EntrySpan {
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/** Local headers checked per batch of reads (bounds the read cache). */
const WINDOW = 512;
/** Extra-field bytes read speculatively with each local header (PyTorch pads to 64-byte alignment). */
const EXTRA_GUESS = 128;
/** Longest data descriptor: signature, CRC and two 8-byte sizes. */
const MAX_DESCRIPTOR = 24;
const FLAG_DESCRIPTOR = 0x0008;

export async function readLocalHeader(
  reader: { read(offset: number, length: number): Promise<Uint8Array> },
  offset: number,
): Promise<LocalHeader | undefined> {
  const fixed = await reader.read(offset, LOCAL_HEADER_SIZE);
  if (fixed.length < LOCAL_HEADER_SIZE || u32At(fixed, 0) !== SIG_LOCAL) return undefined;
  const head = parseLocalFixed(fixed, offset);
  const variable = await reader.read(offset + LOCAL_HEADER_SIZE, head.nameLength + head.extraLength);
  if (variable.length < head.nameLength + head.extraLength) return undefined;
  return {
    ...head,
    rawName: variable.subarray(0, head.nameLength),
    extra: variable.subarray(head.nameLength),
  };
}

/** Resolves zip64 sizes in a local header; reports malformed extra fields. */
export function resolveLocalExtra(local: LocalHeader, sink: AnomalySink): void {
  const { fields, malformed } = parseExtraFields(local.extra);
  if (malformed) {
    sink.add({
      code: 'EXTRA_FIELD_MALFORMED',
      message: 'local extra field overruns its length',
      offset: local.offset,
    });
  }
  const outcome = applyZip64Extra(local, fields, true);
  local.zip64 = fields.some((f) => f.id === 0x0001);
  if (outcome === 'short') {
    sink.add({
      code: 'ZIP64_EXTRA_INVALID',
      message: 'saturated local header sizes without a complete zip64 extra field',
      offset: local.offset,
    });
  }
}

function compare(entry: MutableZipEntry, local: LocalHeader, sink: AnomalySink): void {
  const at = local.offset;
  if (!bytesEqual(local.rawName, entry.rawName)) {
    const localName = decodeName(local.rawName, local.flags).text;
    entry.localName = localName;
    sink.add({
      code: 'LOCAL_NAME_MISMATCH',
      message: 'local header names the member differently from the central directory (CVE-2025-1944)',
      offset: at,
      field: 'name',
      actual: localName,
    });
  }
  if (local.method !== entry.method) {
    sink.add({
      code: 'LOCAL_METHOD_MISMATCH',
      message: 'local header compression method differs from the central directory',
      offset: at + 8,
      field: 'method',
      actual: local.method,
    });
  }
  if (local.flags !== entry.flags) {
    entry.localFlags = local.flags;
    sink.add({
      code: 'LOCAL_FLAGS_MISMATCH',
      message: 'local header flags differ from the central directory',
      offset: at + 6,
      field: 'flags',
      actual: local.flags,
    });
  }
  reportFlags(local.flags, 'local', at, sink);
  // With a data descriptor the local CRC and sizes are allowed to be zero.
  const deferred = (local.flags & FLAG_DESCRIPTOR) !== 0;
  const fields = [
    ['LOCAL_CRC_MISMATCH', 'crc32', local.crc32, entry.crc32, 14],
    ['LOCAL_COMPRESSED_SIZE_MISMATCH', 'compressed size', local.compressedSize, entry.compressedSize, 18],
    [
      'LOCAL_UNCOMPRESSED_SIZE_MISMATCH',
      'uncompressed size',
      local.uncompressedSize,
      entry.uncompressedSize,
      22,
    ],
  ] as const;
  for (const [code, field, value, expected, rel] of fields) {
    if (value !== expected && !(deferred && value === 0)) {
      sink.add({
        code,
        message: `local header ${field} differs from the central directory`,
        offset: at + rel,
        field,
        actual: value,
      });
    }
  }
}

async function checkDescriptor(
  reader: RangeReader,
  entry: MutableZipEntry,
  dataEnd: number,
  zip64: boolean,
  sink: AnomalySink,
): Promise<number> {
  const bytes = await reader.read(dataEnd, MAX_DESCRIPTOR);
  const hasSig = bytes.length >= 4 && u32At(bytes, 0) === SIG_DESCRIPTOR;
  const body = hasSig ? bytes.subarray(4) : bytes;
  const v = view(body);
  const variants: { wide: boolean; crc: number; compressed: number; uncompressed: number }[] = [];
  for (const wide of zip64 ? [true, false] : [false, true]) {
    if (body.length < (wide ? 20 : 12)) continue;
    variants.push({
      wide,
      crc: v.getUint32(0, true),
      compressed: wide ? Number(v.getBigUint64(4, true)) : v.getUint32(4, true),
      uncompressed: wide ? Number(v.getBigUint64(12, true)) : v.getUint32(8, true),
    });
  }
  const matches = (d: (typeof variants)[number]) =>
    d.crc === entry.crc32 &&
    d.compressed === entry.compressedSize &&
    d.uncompressed === entry.uncompressedSize;
  const found = variants.find(matches) ?? variants[0];
  if (!found || (!hasSig && found.crc !== entry.crc32)) {
    sink.add({
      code: 'DATA_DESCRIPTOR_MISSING',
      message: 'data-descriptor flag set but no descriptor follows the data',
      offset: dataEnd,
    });
    return 0;
  }
  const checks = [
    ['crc32', found.crc, entry.crc32],
    ['compressed size', found.compressed, entry.compressedSize],
    ['uncompressed size', found.uncompressed, entry.uncompressedSize],
  ] as const;
  for (const [field, value, expected] of checks) {
    if (value !== expected) {
      sink.add({
        code: 'DATA_DESCRIPTOR_MISMATCH',
        message: `data descriptor ${field} differs from the central directory`,
        offset: dataEnd,
        field,
        actual: value,
      });
    }
  }
  return (hasSig ? 4 : 0) + (found.wide ? 20 : 12);
}

/**
 * Reads each entry's local header, sets `dataOffset`/`readable`, reports disagreements, and
 * returns the byte spans the members occupy (for the overlap and gap checks).
 */
export async function checkLocalHeaders(
  source: ByteSource,
  entries: MutableZipEntry[],
  sink: AnomalySink,
): Promise<EntrySpan[]> {
  const spans: EntrySpan[] = [];
  const reader = new RangeReader(source);
  const order = entries
    .filter((e) => e.source === 'central-directory')
    .sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let w = 0; w < order.length; w += WINDOW) {
    const window = order.slice(w, w + WINDOW);
    // Starting a little early also catches the previous member's data descriptor.
    await reader.prefetch(
      window.map((e) => ({
        offset: e.localHeaderOffset - MAX_DESCRIPTOR,
        length: MAX_DESCRIPTOR + LOCAL_HEADER_SIZE + e.rawName.length + EXTRA_GUESS,
      })),
    );
    const locals = await Promise.all(
      window.map((e) =>
        Number.isSafeInteger(e.localHeaderOffset) && e.localHeaderOffset + LOCAL_HEADER_SIZE <= source.size
          ? readLocalHeader(reader, e.localHeaderOffset)
          : undefined,
      ),
    );
    const descriptors: { entry: MutableZipEntry; dataEnd: number; zip64: boolean }[] = [];
    window.forEach((entry, k) => {
      const local = locals[k];
      if (!local) {
        entry.readable = false;
        sink.add({
          code: 'LOCAL_HEADER_MISSING',
          message: 'no local header where the central directory points',
          offset: entry.localHeaderOffset,
          field: 'local header offset',
        });
        return;
      }
      resolveLocalExtra(local, sink);
      compare(entry, local, sink);
      entry.dataOffset = local.dataOffset;
      entry.isEncrypted ||= (local.flags & 1) !== 0;
      const dataEnd = local.dataOffset + entry.compressedSize;
      if (!Number.isSafeInteger(dataEnd) || dataEnd > source.size) {
        sink.add({
          code: 'ENTRY_DATA_OUT_OF_BOUNDS',
          message: 'member data runs past the end of the file',
          offset: local.dataOffset,
          field: 'compressed size',
          actual: entry.compressedSize,
          limit: source.size - local.dataOffset,
        });
      }
      if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
        sink.add({
          code: 'STORED_SIZE_MISMATCH',
          message: 'stored member whose compressed and uncompressed sizes differ',
          offset: entry.localHeaderOffset,
          actual: entry.compressedSize,
          limit: entry.uncompressedSize,
        });
      }
      if ((local.flags | entry.flags) & FLAG_DESCRIPTOR)
        descriptors.push({ entry, dataEnd, zip64: local.zip64 });
      else spans.push({ index: entry.index, start: entry.localHeaderOffset, end: dataEnd });
    });
    await reader.prefetch(
      descriptors
        .filter((d) => Number.isSafeInteger(d.dataEnd) && d.dataEnd < source.size)
        .filter((d) => !reader.has(d.dataEnd, MAX_DESCRIPTOR))
        .map((d) => ({ offset: d.dataEnd, length: MAX_DESCRIPTOR })),
    );
    for (const d of descriptors) {
      const length = await checkDescriptor(reader, d.entry, d.dataEnd, d.zip64, sink);
      spans.push({ index: d.entry.index, start: d.entry.localHeaderOffset, end: d.dataEnd + length });
    }
    reader.clear();
  }
  return spans;
}
