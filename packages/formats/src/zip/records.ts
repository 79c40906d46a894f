/**
 * Fixed zip records (APPNOTE 6.3.10 §4.3), parsed from bytes already read. No I/O here: callers
 * read the bytes with bounded reads and check that a whole record is present before parsing.
 */

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_EOCD64 = 0x06064b50;
export const SIG_EOCD64_LOCATOR = 0x07064b50;
export const SIG_DESCRIPTOR = 0x08074b50;

export const LOCAL_HEADER_SIZE = 30;
export const CENTRAL_HEADER_SIZE = 46;
export const EOCD_SIZE = 22;
export const EOCD64_LOCATOR_SIZE = 20;
export const EOCD64_SIZE = 56;
export const MAX_EOCD_COMMENT = 0xffff;

export const U16_MAX = 0xffff;
export const U32_MAX = 0xffffffff;

const EXTRA_ZIP64 = 0x0001;
const EXTRA_UNICODE_PATH = 0x7075;

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function u32At(bytes: Uint8Array, at: number): number {
  return view(bytes).getUint32(at, true);
}

/** A u64 as a number; `safe` is false above 2^53 (the value is then only approximate). */
function u64(v: DataView, at: number): { value: number; safe: boolean } {
  const big = v.getBigUint64(at, true);
  return { value: Number(big), safe: big <= BigInt(Number.MAX_SAFE_INTEGER) };
}

export interface EocdRecord {
  readonly offset: number;
  readonly disk: number;
  readonly cdDisk: number;
  readonly entriesOnDisk: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  readonly commentLength: number;
}

export function parseEocd(b: Uint8Array, offset: number): EocdRecord {
  const v = view(b);
  return {
    offset,
    disk: v.getUint16(4, true),
    cdDisk: v.getUint16(6, true),
    entriesOnDisk: v.getUint16(8, true),
    entries: v.getUint16(10, true),
    cdSize: v.getUint32(12, true),
    cdOffset: v.getUint32(16, true),
    commentLength: v.getUint16(20, true),
  };
}

/** True when some EOCD field is saturated and the real value lives in the zip64 record. */
export function eocdNeedsZip64(e: EocdRecord): boolean {
  return (
    e.disk === U16_MAX ||
    e.cdDisk === U16_MAX ||
    e.entriesOnDisk === U16_MAX ||
    e.entries === U16_MAX ||
    e.cdSize === U32_MAX ||
    e.cdOffset === U32_MAX
  );
}

export interface Zip64Locator {
  readonly eocd64Disk: number;
  readonly eocd64Offset: number;
  readonly eocd64OffsetSafe: boolean;
  readonly totalDisks: number;
}

export function parseZip64Locator(b: Uint8Array): Zip64Locator {
  const v = view(b);
  const off = u64(v, 8);
  return {
    eocd64Disk: v.getUint32(4, true),
    eocd64Offset: off.value,
    eocd64OffsetSafe: off.safe,
    totalDisks: v.getUint32(16, true),
  };
}

export interface Eocd64Record {
  readonly offset: number;
  readonly disk: number;
  readonly cdDisk: number;
  readonly entriesOnDisk: number;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  /** False when a value exceeded 2^53. */
  readonly safe: boolean;
}

export function parseEocd64(b: Uint8Array, offset: number): Eocd64Record {
  const v = view(b);
  const fields = [u64(v, 24), u64(v, 32), u64(v, 40), u64(v, 48)];
  return {
    offset,
    disk: v.getUint32(16, true),
    cdDisk: v.getUint32(20, true),
    entriesOnDisk: fields[0]!.value,
    entries: fields[1]!.value,
    cdSize: fields[2]!.value,
    cdOffset: fields[3]!.value,
    safe: fields.every((f) => f.safe),
  };
}

export interface CentralHeader {
  readonly offset: number;
  /** Total record length (fixed part, name, extra, comment). */
  readonly length: number;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  diskStart: number;
  readonly externalAttributes: number;
  readonly rawName: Uint8Array;
  readonly extra: Uint8Array;
  readonly rawComment: Uint8Array;
}

/** Parses the central header at `at` in `cd`; undefined when it does not fit. */
export function parseCentralHeader(cd: Uint8Array, at: number, offset: number): CentralHeader | undefined {
  if (at + CENTRAL_HEADER_SIZE > cd.length) return undefined;
  const v = new DataView(cd.buffer, cd.byteOffset + at, CENTRAL_HEADER_SIZE);
  const nameLength = v.getUint16(28, true);
  const extraLength = v.getUint16(30, true);
  const commentLength = v.getUint16(32, true);
  const length = CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (at + length > cd.length) return undefined;
  const nameStart = at + CENTRAL_HEADER_SIZE;
  return {
    offset,
    length,
    versionMadeBy: v.getUint16(4, true),
    versionNeeded: v.getUint16(6, true),
    flags: v.getUint16(8, true),
    method: v.getUint16(10, true),
    crc32: v.getUint32(16, true),
    compressedSize: v.getUint32(20, true),
    uncompressedSize: v.getUint32(24, true),
    diskStart: v.getUint16(34, true),
    externalAttributes: v.getUint32(38, true),
    localHeaderOffset: v.getUint32(42, true),
    rawName: cd.subarray(nameStart, nameStart + nameLength),
    extra: cd.subarray(nameStart + nameLength, nameStart + nameLength + extraLength),
    rawComment: cd.subarray(nameStart + nameLength + extraLength, at + length),
  };
}

export interface LocalHeader {
  readonly offset: number;
  readonly flags: number;
  readonly method: number;
  readonly crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  readonly nameLength: number;
  readonly extraLength: number;
  readonly rawName: Uint8Array;
  readonly extra: Uint8Array;
  /** Where the data starts: offset + 30 + name + extra. */
  readonly dataOffset: number;
  /** Sizes came from a zip64 extra field (so a data descriptor carries 8-byte sizes). */
  zip64: boolean;
}

/** Fixed part of a local header (caller checked the signature and length ≥ 30). */
export function parseLocalFixed(b: Uint8Array, offset: number): Omit<LocalHeader, 'rawName' | 'extra'> {
  const v = view(b);
  const nameLength = v.getUint16(26, true);
  const extraLength = v.getUint16(28, true);
  return {
    offset,
    flags: v.getUint16(6, true),
    method: v.getUint16(8, true),
    crc32: v.getUint32(14, true),
    compressedSize: v.getUint32(18, true),
    uncompressedSize: v.getUint32(22, true),
    nameLength,
    extraLength,
    dataOffset: offset + LOCAL_HEADER_SIZE + nameLength + extraLength,
    zip64: false,
  };
}

export interface ExtraField {
  readonly id: number;
  readonly data: Uint8Array;
}

/** Splits an extra block into fields; `malformed` when a length runs past the end. */
export function parseExtraFields(extra: Uint8Array): { fields: ExtraField[]; malformed: boolean } {
  const fields: ExtraField[] = [];
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra[at]! | (extra[at + 1]! << 8);
    const size = extra[at + 2]! | (extra[at + 3]! << 8);
    if (at + 4 + size > extra.length) return { fields, malformed: true };
    fields.push({ id, data: extra.subarray(at + 4, at + 4 + size) });
    at += 4 + size;
  }
  // A tail shorter than a field header is tolerated by miniz and Python alike, but is still odd.
  return { fields, malformed: at !== extra.length };
}

export type Zip64Outcome = 'none' | 'ok' | 'short' | 'unsafe';

/**
 * Replaces saturated header values with the zip64 extra field's, in the order the spec lists them
 * (uncompressed size, compressed size, local header offset, disk start). `local` headers must carry
 * both sizes when either is saturated.
 */
export function applyZip64Extra(
  header: {
    uncompressedSize: number;
    compressedSize: number;
    localHeaderOffset?: number;
    diskStart?: number;
  },
  fields: readonly ExtraField[],
  local: boolean,
): Zip64Outcome {
  const field = fields.find((f) => f.id === EXTRA_ZIP64);
  const wantUncompressed =
    header.uncompressedSize === U32_MAX || (local && header.compressedSize === U32_MAX);
  const wantCompressed = header.compressedSize === U32_MAX || (local && header.uncompressedSize === U32_MAX);
  const wantOffset = header.localHeaderOffset === U32_MAX;
  const wantDisk = header.diskStart === U16_MAX;
  if (!wantUncompressed && !wantCompressed && !wantOffset && !wantDisk) return 'none';
  if (!field) return 'short';
  const v = view(field.data);
  let at = 0;
  let safe = true;
  const next = (): number | undefined => {
    if (at + 8 > field.data.length) return undefined;
    const r = u64(v, at);
    at += 8;
    safe &&= r.safe;
    return r.value;
  };
  if (wantUncompressed) {
    const value = next();
    if (value === undefined) return 'short';
    header.uncompressedSize = value;
  }
  if (wantCompressed) {
    const value = next();
    if (value === undefined) return 'short';
    header.compressedSize = value;
  }
  if (wantOffset) {
    const value = next();
    if (value === undefined) return 'short';
    header.localHeaderOffset = value;
  }
  if (wantDisk) {
    if (at + 4 > field.data.length) return 'short';
    header.diskStart = v.getUint32(at, true);
  }
  return safe ? 'ok' : 'unsafe';
}

/** Info-ZIP Unicode Path (0x7075): version 1, CRC-32 of the header name, then the UTF-8 name. */
export function unicodePathField(
  fields: readonly ExtraField[],
): { nameCrc: number; name: Uint8Array } | undefined {
  const field = fields.find((f) => f.id === EXTRA_UNICODE_PATH);
  if (!field || field.data.length < 5 || field.data[0] !== 1) return undefined;
  return { nameCrc: u32At(field.data, 1), name: field.data.subarray(5) };
}
