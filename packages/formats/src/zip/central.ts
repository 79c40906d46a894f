/**
 * The central directory: read in one bounded read, walked record by record. Its values are the ones
 * miniz (PyTorch) trusts, so they become the entry's values; every oddity is reported.
 */
import { crc32 } from '../compress/crc32.js';
import type { ByteSource } from '../source.js';
import type { EndRecords } from './eocd.js';
import { decodeName, decodeUtf8 } from './names.js';
import {
  applyZip64Extra,
  type CentralHeader,
  parseCentralHeader,
  parseExtraFields,
  SIG_CENTRAL,
  u32At,
  unicodePathField,
} from './records.js';
import type { AnomalySink } from './sink.js';
import type { ZipAnomalyCode, ZipEntry, ZipLimits } from './types.js';

export type MutableZipEntry = { -readonly [K in keyof ZipEntry]: ZipEntry[K] };

const HOST_UNIX = 3;
const HOST_OSX = 19;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;
const DOS_DIRECTORY = 0x10;

const FLAG_BITS: readonly [number, ZipAnomalyCode, string][] = [
  [0x0001, 'FLAG_ENCRYPTED', 'encrypted (bit 0): Python refuses without a password, miniz ignores it'],
  [0x0020, 'FLAG_PATCHED_DATA', 'compressed patched data (bit 5): Python refuses, miniz ignores it'],
  [0x0040, 'FLAG_STRONG_ENCRYPTION', 'strong encryption (bit 6): Python refuses, miniz ignores it'],
];
/** Bits 4, 7–10 and 12–15: reserved or PKWARE-only; none of the loaders we mirror use them. */
const RESERVED_FLAGS = 0xf790;

/** Reports flag bits some loaders refuse and others ignore (CVE-2025-1945). */
export function reportFlags(
  flags: number,
  where: 'central' | 'local',
  offset: number,
  sink: AnomalySink,
): void {
  for (const [bit, code, what] of FLAG_BITS) {
    if (flags & bit)
      sink.add({ code, message: `${where} header flag ${what}`, offset, field: `${where} flags` });
  }
  if (flags & RESERVED_FLAGS) {
    sink.add({
      code: 'FLAG_RESERVED_BITS',
      message: `${where} header sets reserved flag bits`,
      offset,
      field: `${where} flags`,
      actual: flags & RESERVED_FLAGS,
    });
  }
}

export function entryFromCentral(h: CentralHeader, index: number, sink: AnomalySink): MutableZipEntry {
  const { fields, malformed } = parseExtraFields(h.extra);
  if (malformed) {
    sink.add({
      code: 'EXTRA_FIELD_MALFORMED',
      message: 'central extra field overruns its length',
      offset: h.offset,
    });
  }
  const zip64 = applyZip64Extra(h, fields, false);
  if (zip64 === 'short') {
    sink.add({
      code: 'ZIP64_EXTRA_INVALID',
      message: 'saturated central header values without a zip64 extra field to replace them',
      offset: h.offset,
    });
  } else if (zip64 === 'unsafe') {
    sink.add({ code: 'ZIP64_VALUE_TOO_LARGE', message: 'zip64 extra value above 2^53', offset: h.offset });
  }
  const name = decodeName(h.rawName, h.flags);
  if (!name.valid) {
    sink.add({
      code: 'NAME_INVALID_UTF8',
      message: 'name flagged UTF-8 (bit 11) is not valid UTF-8',
      offset: h.offset,
      field: 'name',
    });
  }
  const unicode = unicodePathField(fields);
  if (unicode && unicode.nameCrc === crc32(h.rawName)) {
    const alt = decodeUtf8(unicode.name).text;
    if (alt !== name.text) {
      sink.add({
        code: 'UNICODE_PATH_MISMATCH',
        message:
          'Info-ZIP Unicode Path extra field names the member differently (Info-ZIP uses it, Python does not)',
        offset: h.offset,
        field: 'unicode path',
        actual: alt,
      });
    }
  }
  reportFlags(h.flags, 'central', h.offset, sink);
  const supported = h.method === 0 || h.method === 8;
  if (!supported) {
    sink.add({
      code: 'UNSUPPORTED_METHOD',
      message: `compression method ${h.method}: only stored (0) and deflate (8) are read`,
      offset: h.offset,
      field: 'method',
      actual: h.method,
    });
  }
  if (h.diskStart !== 0) {
    sink.add({
      code: 'MULTI_DISK',
      message: 'member starts on another disk',
      offset: h.offset,
      actual: h.diskStart,
    });
  }
  const host = h.versionMadeBy >> 8;
  const unixMode = host === HOST_UNIX || host === HOST_OSX ? h.externalAttributes >>> 16 : undefined;
  const isDirectory =
    name.text.endsWith('/') ||
    (unixMode !== undefined && (unixMode & S_IFMT) === S_IFDIR) ||
    (unixMode === undefined && (h.externalAttributes & DOS_DIRECTORY) !== 0);
  return {
    index,
    name: name.text,
    rawName: h.rawName.slice(),
    nameEncoding: name.encoding,
    method: h.method,
    flags: h.flags,
    crc32: h.crc32,
    compressedSize: h.compressedSize,
    uncompressedSize: h.uncompressedSize,
    localHeaderOffset: h.localHeaderOffset,
    dataOffset: undefined,
    isDirectory,
    isSymlink: unixMode !== undefined && (unixMode & S_IFMT) === S_IFLNK,
    isEncrypted: (h.flags & 1) !== 0,
    readable: supported,
    versionMadeBy: h.versionMadeBy,
    externalAttributes: h.externalAttributes,
    unixMode,
    comment: decodeName(h.rawComment, h.flags).text,
    source: 'central-directory',
  };
}

export interface CentralResult {
  readonly entries: MutableZipEntry[];
  /** The directory could not be read completely; a local scan may find more. */
  readonly damaged: boolean;
  /** Stopped by a limit: do not try to recover by scanning. */
  readonly limited: boolean;
}

export async function readCentralDirectory(
  source: ByteSource,
  end: EndRecords,
  limits: ZipLimits,
  sink: AnomalySink,
): Promise<CentralResult> {
  const { cdOffset, cdSize } = end;
  if (!Number.isSafeInteger(cdOffset + cdSize) || cdOffset + cdSize > end.cdLimit) {
    sink.add({
      code: 'CENTRAL_DIRECTORY_OUT_OF_BOUNDS',
      message: 'central directory runs past the end records or the file',
      offset: cdOffset,
      actual: cdSize,
      limit: end.cdLimit,
    });
    return { entries: [], damaged: true, limited: false };
  }
  if (cdOffset + cdSize < end.cdLimit) {
    sink.add({
      code: 'CENTRAL_DIRECTORY_OFFSET_MISMATCH',
      message:
        'gap between the central directory and the end records: Python shifts every offset by it (prepended data), miniz does not',
      offset: cdOffset + cdSize,
      actual: end.cdLimit - (cdOffset + cdSize),
    });
  }
  if (cdSize > limits.maxCentralDirectoryBytes) {
    sink.add({
      code: 'LIMIT_CENTRAL_DIRECTORY_SIZE',
      message: 'central directory larger than the limit',
      offset: cdOffset,
      limit: limits.maxCentralDirectoryBytes,
      actual: cdSize,
    });
    return { entries: [], damaged: true, limited: true };
  }
  if (end.entries > limits.maxEntries) {
    sink.add({
      code: 'LIMIT_ENTRY_COUNT',
      message: 'more entries declared than the limit; only the first are listed',
      offset: end.eocd.offset,
      limit: limits.maxEntries,
      actual: end.entries,
    });
  }
  const cd = await source.read(cdOffset, cdSize);
  const entries: MutableZipEntry[] = [];
  let at = 0;
  let damaged = false;
  while (at < cd.length) {
    if (entries.length >= limits.maxEntries) {
      if (end.entries <= limits.maxEntries) {
        sink.add({
          code: 'LIMIT_ENTRY_COUNT',
          message: 'more central directory records than the limit',
          offset: cdOffset + at,
          limit: limits.maxEntries,
        });
      }
      return { entries, damaged: false, limited: true };
    }
    const header =
      at + 4 <= cd.length && u32At(cd, at) === SIG_CENTRAL
        ? parseCentralHeader(cd, at, cdOffset + at)
        : undefined;
    if (!header) {
      sink.add({
        code: 'CENTRAL_DIRECTORY_CORRUPT',
        message: 'central directory record missing or cut short',
        offset: cdOffset + at,
      });
      damaged = true;
      break;
    }
    entries.push(entryFromCentral(header, entries.length, sink));
    at += header.length;
  }
  if (!damaged && entries.length !== end.entries) {
    sink.add({
      code: 'CENTRAL_DIRECTORY_COUNT_MISMATCH',
      message:
        'declared entry count differs from the records in the directory (miniz reads the count, Python the size)',
      offset: end.eocd.offset,
      field: 'total entries',
      limit: end.entries,
      actual: entries.length,
    });
  }
  return { entries, damaged: damaged || (entries.length === 0 && end.entries > 0), limited: false };
}
