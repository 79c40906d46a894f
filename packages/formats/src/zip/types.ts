import type { Anomaly } from '../anomaly.js';
import type { ByteStream } from '../source.js';

export type ZipAnomalyCode =
  // End of central directory
  | 'EOCD_NOT_FOUND'
  | 'EOCD_INVALID'
  | 'EOCD_MULTIPLE'
  | 'EOCD_COMMENT_TRUNCATED'
  | 'EOCD_TRAILING_DATA'
  | 'MULTI_DISK'
  | 'ZIP64_LOCATOR_MISSING'
  | 'ZIP64_EOCD_INVALID'
  | 'ZIP64_EOCD_MISPLACED'
  | 'ZIP64_EOCD_MISMATCH'
  | 'ZIP64_EXTRA_INVALID'
  | 'ZIP64_VALUE_TOO_LARGE'
  // Central directory
  | 'CENTRAL_DIRECTORY_OUT_OF_BOUNDS'
  | 'CENTRAL_DIRECTORY_CORRUPT'
  | 'CENTRAL_DIRECTORY_COUNT_MISMATCH'
  | 'CENTRAL_DIRECTORY_OFFSET_MISMATCH'
  | 'RECOVERED_BY_LOCAL_SCAN'
  | 'EXTRA_FIELD_MALFORMED'
  | 'NAME_INVALID_UTF8'
  | 'UNICODE_PATH_MISMATCH'
  | 'DUPLICATE_NAME'
  // Flags and methods
  | 'FLAG_ENCRYPTED'
  | 'FLAG_PATCHED_DATA'
  | 'FLAG_STRONG_ENCRYPTION'
  | 'FLAG_RESERVED_BITS'
  | 'UNSUPPORTED_METHOD'
  // Local header vs central directory
  | 'LOCAL_HEADER_MISSING'
  | 'LOCAL_NAME_MISMATCH'
  | 'LOCAL_METHOD_MISMATCH'
  | 'LOCAL_FLAGS_MISMATCH'
  | 'LOCAL_CRC_MISMATCH'
  | 'LOCAL_COMPRESSED_SIZE_MISMATCH'
  | 'LOCAL_UNCOMPRESSED_SIZE_MISMATCH'
  | 'DATA_DESCRIPTOR_MISSING'
  | 'DATA_DESCRIPTOR_MISMATCH'
  // Layout
  | 'ENTRY_DATA_OUT_OF_BOUNDS'
  | 'OVERLAPPING_ENTRIES'
  | 'ENTRY_OVERLAPS_CENTRAL_DIRECTORY'
  | 'BYTES_BEFORE_FIRST_ENTRY'
  | 'BYTES_BETWEEN_ENTRIES'
  | 'BYTES_AFTER_LAST_ENTRY'
  | 'UNREFERENCED_LOCAL_HEADER'
  | 'STORED_SIZE_MISMATCH'
  // Limits
  | 'LIMIT_ENTRY_COUNT'
  | 'LIMIT_CENTRAL_DIRECTORY_SIZE'
  | 'LIMIT_ANOMALY_COUNT'
  | 'LIMIT_MEMBER_BYTES'
  | 'LIMIT_MEMBER_RATIO'
  // Reading a member
  | 'CRC_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'MEMBER_NOT_READABLE'
  | 'MEMBER_TRUNCATED'
  | 'MEMBER_CORRUPT'
  | 'MEMBER_TRAILING_BYTES';

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
