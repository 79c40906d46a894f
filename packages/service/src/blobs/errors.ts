/**
 * The blob module's one error class. `code` is a closed union; tests and the HTTP layer switch on
 * it, never on the message. Faults of the environment (disk full, EIO) are not wrapped: they
 * surface as the operating system's own errors.
 *
 * The codes are a registry: documented in docs/storage.md (a test keeps the two in step), never
 * reused for another meaning once published.
 *
 * Why errors rather than Result values here: every operation is asynchronous and most are streams,
 * and a stream can only report a failure by erroring. One mechanism for the whole module.
 */
export const BLOB_ERROR_CODES = [
  // master keys and wrapped data keys
  /** The key file can be read by group or others (mode & 0o077), or is not a regular file. */
  'KEY_FILE_PERMISSIONS',
  /** A master key or data key is not 32 bytes (raw, 64 hex or 44 base64 characters). */
  'KEY_FORMAT',
  /** generateMasterKeyFile would overwrite an existing key. */
  'KEY_EXISTS',
  /** The wrapped data key names a master key id that was not handed in. */
  'UNKNOWN_KEY_ID',
  /** The wrapped data key does not authenticate: wrong master key, wrong context, or altered. */
  'UNWRAP_FAILED',
  /** The wrapped data key is not of the `vdk1.` form. */
  'BAD_WRAPPED_KEY',
  // the sealed stream format
  /** Magic, version, segment size or reserved bytes of the header are not what v1 writes. */
  'BAD_HEADER',
  /** The data key does not match the key commitment in the header (or the header's salt was altered). */
  'WRONG_KEY',
  /** A segment failed authentication or its framing is impossible (reordered, duplicated, altered). */
  'TAMPERED',
  /** The stream ended before its final segment. */
  'TRUNCATED',
  /** Bytes follow the final segment. */
  'TRAILING_DATA',
  // the store
  /** A blob key is not 64 lowercase hex characters. */
  'BAD_BLOB_KEY',
  /** An upload id is not a lowercase UUID. */
  'BAD_UPLOAD_ID',
  /** Options out of range (maxBytes, expectedSize, expectedSha256, offset). */
  'BAD_OPTIONS',
  /** No blob under that key, or no upload with that id. */
  'NOT_FOUND',
  /** The plaintext would pass maxBytes. */
  'TOO_LARGE',
  /** createUpload for an id that already exists; appendUpload to an upload already completed. */
  'UPLOAD_EXISTS',
  /** appendUpload at an offset other than the bytes durably received; `received` says where to resume. */
  'OFFSET_MISMATCH',
  /** The upload's size is not the expected size (or an append would pass it). */
  'SIZE_MISMATCH',
  /** The upload's SHA-256 is not the expected one. */
  'DIGEST_MISMATCH',
  /** The input stream of an append failed; the bytes that arrived before the failure were kept. */
  'INPUT_FAILED',
  /** The upload's files on disk contradict each other (data shorter than committed, bad state file). */
  'UPLOAD_CORRUPT',
] as const;

export type BlobErrorCode = (typeof BLOB_ERROR_CODES)[number];

/** Context a caller may need to act on the error. Never contains key material or plaintext. */
export interface BlobErrorDetail {
  /** Bytes of plaintext durably received by the upload (OFFSET_MISMATCH, TOO_LARGE, SIZE_MISMATCH, INPUT_FAILED). */
  readonly received?: number;
  /** The limit that was hit or the value that was expected. */
  readonly limit?: number;
  readonly expected?: number | string;
  readonly actual?: number | string;
  /** Byte offset in the sealed stream where the fault was seen. */
  readonly offset?: number;
  /** Segment index where the fault was seen. */
  readonly segment?: number;
  /** The master key id (UNKNOWN_KEY_ID). */
  readonly keyId?: number;
}

export class BlobError extends Error {
  override readonly name = 'BlobError';

  constructor(
    readonly code: BlobErrorCode,
    message: string,
    readonly detail: BlobErrorDetail = {},
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

/** The `code` of a Node system error, if it has one. */
export function osErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

export const isBlobError = (err: unknown, code?: BlobErrorCode): err is BlobError =>
  err instanceof BlobError && (code === undefined || err.code === code);
