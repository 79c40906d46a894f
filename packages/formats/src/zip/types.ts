import type { Anomaly } from '../anomaly.js';
import type { ByteStream } from '../source.js';

/**
 * Every zip anomaly code and what it means. Codes are published in reports: never reuse or rename
 * one. Where loaders disagree the text says which does what.
 */
export const ZIP_ANOMALY_CODES = {
  // End of central directory
  EOCD_NOT_FOUND: 'No end-of-central-directory record in the last 64 KiB; local headers are walked instead.',
  EOCD_INVALID: 'The last end record points outside the file; an earlier one is used.',
  EOCD_MULTIPLE:
    'Several end-record signatures in the tail (e.g. one hidden in the comment); the last is used.',
  EOCD_COMMENT_TRUNCATED: 'The archive comment length runs past the end of the file.',
  EOCD_TRAILING_DATA: 'Bytes after the end record that its comment length does not cover.',
  MULTI_DISK: 'Disk numbers describe a split archive; miniz refuses it, Python ignores some fields.',
  ZIP64_LOCATOR_MISSING: 'Saturated end-record values but no zip64 locator.',
  ZIP64_EOCD_INVALID: 'A zip64 locator without a zip64 end record.',
  ZIP64_EOCD_MISPLACED: 'The zip64 record is not where the locator points (Python finds it, miniz does not).',
  ZIP64_EOCD_MISMATCH: 'zip64 and classic end records disagree; miniz and Python use the zip64 value.',
  ZIP64_EXTRA_INVALID: 'Saturated header values without a zip64 extra field long enough to replace them.',
  ZIP64_VALUE_TOO_LARGE: 'A zip64 value above 2^53.',
  // Central directory
  CENTRAL_DIRECTORY_OUT_OF_BOUNDS: 'The central directory runs past the end records or the file.',
  CENTRAL_DIRECTORY_CORRUPT: 'A central directory record is missing or cut short.',
  CENTRAL_DIRECTORY_COUNT_MISMATCH:
    'Declared entry count differs from the records (miniz reads the count, Python the size).',
  CENTRAL_DIRECTORY_OFFSET_MISMATCH:
    'Gap between the central directory and the end records: Python shifts all offsets by it, miniz does not.',
  RECOVERED_BY_LOCAL_SCAN:
    'The central directory was missing or damaged; entries were found by walking local headers.',
  EXTRA_FIELD_MALFORMED: 'An extra field overruns its block.',
  NAME_INVALID_UTF8: 'A name flagged UTF-8 (bit 11) is not valid UTF-8.',
  UNICODE_PATH_MISMATCH:
    'The Info-ZIP Unicode Path field names the member differently (Info-ZIP uses it, Python does not).',
  DUPLICATE_NAME: 'Two entries share a name; loaders pick different ones.',
  // Flags and methods
  FLAG_ENCRYPTED: 'Flag bit 0 (encrypted): Python refuses the member, miniz reads it (CVE-2025-1945).',
  FLAG_PATCHED_DATA: 'Flag bit 5 (patched data): Python refuses the member, miniz reads it.',
  FLAG_STRONG_ENCRYPTION: 'Flag bit 6 (strong encryption): Python refuses the member, miniz reads it.',
  FLAG_RESERVED_BITS: 'Reserved or PKWARE-only flag bits (4, 7-10, 12-15) are set.',
  UNSUPPORTED_METHOD: 'A compression method other than stored (0) or deflate (8); the entry is not read.',
  // Local header vs central directory
  LOCAL_HEADER_MISSING: 'No local header where the central directory points; the entry is not readable.',
  LOCAL_NAME_MISMATCH:
    'The local header names the member differently (Python refuses, miniz ignores; CVE-2025-1944).',
  LOCAL_METHOD_MISMATCH: 'The local header compression method differs from the central directory.',
  LOCAL_FLAGS_MISMATCH: 'The local header flags differ from the central directory.',
  LOCAL_CRC_MISMATCH: 'The local header CRC-32 differs from the central directory.',
  LOCAL_COMPRESSED_SIZE_MISMATCH: 'The local header compressed size differs from the central directory.',
  LOCAL_UNCOMPRESSED_SIZE_MISMATCH: 'The local header uncompressed size differs from the central directory.',
  DATA_DESCRIPTOR_MISSING: 'Flag bit 3 is set but no data descriptor follows the data.',
  DATA_DESCRIPTOR_MISMATCH: 'The data descriptor disagrees with the central directory.',
  // Layout
  ENTRY_DATA_OUT_OF_BOUNDS: 'Member data runs past the end of the file.',
  OVERLAPPING_ENTRIES: 'Two members share bytes (overlap zip bomb, or a second view of the same data).',
  ENTRY_OVERLAPS_CENTRAL_DIRECTORY: 'A member extends into the central directory.',
  BYTES_BEFORE_FIRST_ENTRY: 'Bytes before the first member (prepended data, polyglots).',
  BYTES_BETWEEN_ENTRIES: 'Bytes between members that no entry accounts for.',
  BYTES_AFTER_LAST_ENTRY: 'Bytes between the last member and the central directory.',
  UNREFERENCED_LOCAL_HEADER:
    'A local header the central directory does not list: only streaming readers see it.',
  STORED_SIZE_MISMATCH: 'A stored member whose compressed and uncompressed sizes differ.',
  // Limits
  LIMIT_ENTRY_COUNT: 'More entries than ZipLimits.maxEntries; the rest are not listed.',
  LIMIT_CENTRAL_DIRECTORY_SIZE:
    'Central directory larger than ZipLimits.maxCentralDirectoryBytes; nothing is listed.',
  LIMIT_ANOMALY_COUNT: 'More anomalies than ZipLimits.maxAnomalies; the rest were dropped.',
  LIMIT_MEMBER_BYTES: 'A member decompresses to more than the read limit; reading stops there.',
  LIMIT_MEMBER_RATIO: 'A member expands beyond the ratio limit; reading stops there.',
  // Reading a member
  CRC_MISMATCH: 'The CRC-32 of the data read differs from the central directory (miniz does not check).',
  SIZE_MISMATCH: 'The data read is longer or shorter than the central uncompressed size.',
  MEMBER_NOT_READABLE: 'The member cannot be read (unsupported method or no local header).',
  MEMBER_TRUNCATED: 'The member data ends early (deflate stream cut short or data past the end of file).',
  MEMBER_CORRUPT: 'The deflate stream is invalid.',
  MEMBER_TRAILING_BYTES: 'The deflate stream ends before the declared compressed size.',
} as const;

export type ZipAnomalyCode = keyof typeof ZIP_ANOMALY_CODES;

export type ZipAnomaly = Anomaly<ZipAnomalyCode>;

export interface ZipLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
  maxAnomalies: number;
}

export const ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  /** Central-directory (or local-scan) entries kept: each costs memory and a local-header read (CWE-770). */
  maxEntries: 200_000,
  /** Central directory read into memory in one piece; 200k entries of typical size fit (CWE-789). */
  maxCentralDirectoryBytes: 64 * 1024 * 1024,
  /** Anomalies kept per archive: a crafted archive can produce one per entry pair (CWE-400). */
  maxAnomalies: 10_000,
});

/** Where an entry was found. */
export type ZipEntrySource = 'central-directory' | 'local-scan';

export interface ZipEntry {
  /** Position in the central directory (or in the local scan). */
  readonly index: number;
  /** Decoded name: UTF-8 when flag bit 11 is set, else CP437. */
  readonly name: string;
  readonly rawName: Uint8Array;
  readonly nameEncoding: 'utf8' | 'cp437';
  /** Compression method from the central directory (0 stored, 8 deflate, …). */
  readonly method: number;
  /** General-purpose flags from the central directory. */
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  /**
   * Where the member's data starts: after the LOCAL header's name and extra field, as miniz and
   * Python compute it. Undefined when the local header is missing.
   */
  readonly dataOffset: number | undefined;
  readonly isDirectory: boolean;
  /** Unix host and S_IFLNK in the external attributes. */
  readonly isSymlink: boolean;
  /** Flag bit 0 in the central or local header (the data is usually not really encrypted). */
  readonly isEncrypted: boolean;
  /** Stored or deflated with a local header in place; encrypted members are still read as-is, like miniz. */
  readonly readable: boolean;
  readonly versionMadeBy: number;
  readonly externalAttributes: number;
  /** Unix mode bits (external attributes >> 16) when the host is Unix. */
  readonly unixMode: number | undefined;
  readonly comment: string;
  /** Local header name, only when it differs from the central one. */
  readonly localName?: string;
  /** Local header flags, only when they differ from the central ones. */
  readonly localFlags?: number;
  readonly source: ZipEntrySource;
}

export interface ZipDirectory {
  readonly entries: ZipEntry[];
  readonly anomalies: ZipAnomaly[];
  /** Archive comment from the end record. */
  readonly comment: string;
  readonly zip64: boolean;
}

export interface ZipReadOptions {
  /** Stop after this many decompressed bytes (CWE-409). */
  readonly maxBytes: number;
  /** Stop when decompressed/compressed exceeds this once past 1 MiB (CWE-409). */
  readonly maxRatio: number;
}

export interface ZipEntryReader {
  /** The member's decompressed bytes. Iterate once. */
  readonly stream: ByteStream;
  /** Appended as `stream` is consumed (CRC and size are checked when the member is read to its end). */
  readonly anomalies: ZipAnomaly[];
}
