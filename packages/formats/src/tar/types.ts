import type { Anomaly } from '../anomaly.js';
import type { ByteStream } from '../source.js';

export type TarAnomalyCode =
  /** Header checksum wrong: Python's tarfile stops there (or refuses the archive), GNU tar skips ahead. */
  | 'HEADER_CHECKSUM_MISMATCH'
  /** A numeric header field (mode, uid, size, …) is not valid octal or base-256. */
  | 'HEADER_FIELD_INVALID'
  /** Blocks skipped while looking for the next valid header after an unparseable one. */
  | 'RESYNC_SKIPPED_BLOCKS'
  /** A typeflag none of the mirrored readers knows; the body is kept (they extract it as a file). */
  | 'UNKNOWN_TYPEFLAG'
  /** A typeflag with special meaning we only pass through (volume label, multi-volume part, GNU dumpdir). */
  | 'SPECIAL_TYPEFLAG'
  /** GNU or PAX sparse file: the body holds the stored segments, not the logical content. */
  | 'SPARSE_ENTRY'
  /** A link, directory or device with a non-zero size: Python ignores the size, GNU tar skips that many bytes. */
  | 'SIZE_ON_NON_FILE_TYPE'
  | 'PAX_RECORD_MALFORMED'
  | 'PAX_DUPLICATE_KEY'
  /** A PAX value we use (size, path) that is not valid. */
  | 'PAX_VALUE_INVALID'
  /** A global PAX header ('g') sets path, linkpath or size for every following entry. */
  | 'PAX_GLOBAL_OVERRIDE'
  /** GNU long name/link or PAX header not followed by the entry it describes. */
  | 'ORPHAN_META_HEADER'
  /** The name field carries bytes after its NUL terminator (C readers and others differ). */
  | 'NAME_AFTER_NUL'
  /** End-of-archive marker (two zero blocks) missing: the stream just ends. */
  | 'MISSING_END_OF_ARCHIVE'
  /** A single zero block: tar readers stop there, so what follows is hidden from them. */
  | 'LONE_ZERO_BLOCK'
  /** Non-zero bytes after the end-of-archive marker. */
  | 'DATA_AFTER_END_OF_ARCHIVE'
  /** The stream ends inside a header or an entry's body. */
  | 'TRUNCATED'
  | 'LIMIT_ENTRY_COUNT'
  | 'LIMIT_META_HEADER_BYTES'
  | 'LIMIT_META_HEADER_CHAIN'
  | 'LIMIT_RESYNC_BYTES';

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
