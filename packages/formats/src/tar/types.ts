import type { Anomaly } from '../anomaly.js';
import type { ByteStream } from '../source.js';

/**
 * Every tar anomaly code and what it means. Codes are published in reports: never reuse or rename
 * one. "Python" is `tarfile`, which extracts legacy PyTorch checkpoints and most bundles.
 */
export const TAR_ANOMALY_CODES = {
  HEADER_CHECKSUM_MISMATCH:
    'Header checksum wrong: Python stops reading there (or refuses the archive), GNU tar skips ahead.',
  HEADER_FIELD_INVALID: 'A numeric header field (mode, uid, size, …) is not valid octal or base-256.',
  RESYNC_SKIPPED_BLOCKS: 'Blocks skipped to reach the next valid header after an unparseable one.',
  UNKNOWN_TYPEFLAG:
    'A typeflag no mirrored reader knows; the body is kept (readers extract it as a regular file).',
  SPECIAL_TYPEFLAG: 'A GNU volume label, multi-volume continuation or dumpdir entry.',
  SPARSE_ENTRY: 'A GNU or PAX sparse file: the body holds stored segments, not the extracted content.',
  SIZE_ON_NON_FILE_TYPE:
    'A link, directory or device with a size: Python reads no body, GNU tar skips that many bytes.',
  PAX_RECORD_MALFORMED: 'A malformed PAX record; later records are ignored (Python rejects the header).',
  PAX_DUPLICATE_KEY: 'A PAX key repeated in one header; the last one is used.',
  PAX_VALUE_INVALID: 'A PAX value that is used (size) is not valid; Python uses 0.',
  PAX_GLOBAL_OVERRIDE:
    'A global PAX header sets path, linkpath or size for every later entry; readers that ignore global headers disagree.',
  ORPHAN_META_HEADER: 'A GNU long name/link or PAX header not followed by an entry.',
  NAME_AFTER_NUL: 'The name field has bytes after its NUL terminator.',
  MISSING_END_OF_ARCHIVE: 'The archive ends without two zero blocks.',
  LONE_ZERO_BLOCK: 'A single zero block: tar readers stop there, so what follows is hidden from them.',
  DATA_AFTER_END_OF_ARCHIVE: 'Non-zero bytes after the end-of-archive marker.',
  TRUNCATED: 'The stream ends inside a header or a body.',
  LIMIT_ENTRY_COUNT: 'More entries than TarLimits.maxEntries; reading stops.',
  LIMIT_META_HEADER_BYTES:
    'A long-name or PAX header larger than TarLimits.maxMetaHeaderBytes; it is skipped.',
  LIMIT_META_HEADER_CHAIN: 'More metadata headers in a row than TarLimits.maxMetaHeaderChain; reading stops.',
  LIMIT_RESYNC_BYTES: 'No valid header within TarLimits.maxResyncBytes after a broken one; reading stops.',
} as const;

export type TarAnomalyCode = keyof typeof TAR_ANOMALY_CODES;

export type TarAnomaly = Anomaly<TarAnomalyCode>;

export interface TarLimits {
  maxEntries: number;
  maxMetaHeaderBytes: number;
  maxMetaHeaderChain: number;
  maxResyncBytes: number;
}

export const TAR_LIMITS: Readonly<TarLimits> = Object.freeze({
  /** Entries yielded; each costs the consumer work even when empty (CWE-770). */
  maxEntries: 1_000_000,
  /** GNU long name/link and PAX header bodies are buffered whole (CWE-789). */
  maxMetaHeaderBytes: 1024 * 1024,
  /** Metadata headers before one entry: a chain of them can defer the real entry forever (CWE-834). */
  maxMetaHeaderChain: 64,
  /** Bytes scanned for a valid header after a broken one before giving up (CWE-400). */
  maxResyncBytes: 64 * 1024 * 1024,
});

export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous'
  | 'sparse'
  | 'volume-label'
  | 'multivolume'
  | 'gnu-dumpdir'
  | 'unknown';

export interface TarEntry {
  /** Path after GNU long-name and PAX `path` overrides, ustar prefix applied. */
  readonly name: string;
  /** Bytes in the body (after PAX `size` override). */
  readonly size: number;
  readonly type: TarEntryType;
  /** The raw typeflag character ('\0' for old regular files). */
  readonly typeflag: string;
  readonly linkName?: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly uname: string;
  readonly gname: string;
  /** Offset of the entry's own header in the stream (after any metadata headers). */
  readonly offset: number;
  /** Offset of the first body byte. */
  readonly dataOffset: number;
  readonly format: 'v7' | 'ustar' | 'gnu';
  /** PAX records that applied to this entry (per-entry over global). */
  readonly pax?: Readonly<Record<string, string>>;
}

export type TarItem =
  | { readonly kind: 'entry'; readonly entry: TarEntry; readonly body: ByteStream }
  | { readonly kind: 'anomaly'; readonly anomaly: TarAnomaly };
