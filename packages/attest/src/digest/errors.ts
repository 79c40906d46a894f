/**
 * The digest module's one error class. `code` is a closed union: the operating-system codes a caller
 * is expected to handle per file, plus the pool's own failure modes.
 */
export type DigestErrorCode =
  | 'ENOENT'
  | 'EACCES'
  | 'EPERM'
  | 'EISDIR'
  | 'ENOTDIR'
  | 'ELOOP'
  | 'EMFILE'
  | 'EIO'
  /** A FIFO, socket or device: reading it could block or never end, so it is refused. */
  | 'NOT_REGULAR_FILE'
  /** Any other operating-system error; the original code is in `cause`. */
  | 'IO_ERROR'
  /** `close()` was called before the digest finished. */
  | 'POOL_CLOSED'
  /** The worker thread died while hashing. */
  | 'WORKER_FAILED';

const OS_CODES: ReadonlySet<string> = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'ELOOP',
  'EMFILE',
  'EIO',
]);

export class DigestError extends Error {
  override readonly name = 'DigestError';

  constructor(
    readonly code: DigestErrorCode,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: cannot digest ${path}`, options);
  }
}

/** Maps an operating-system error (or its serialised code, when it crossed from a worker) onto the union. */
export function toDigestErrorCode(osCode: unknown): DigestErrorCode {
  if (typeof osCode === 'string') {
    if (OS_CODES.has(osCode)) return osCode as DigestErrorCode;
    if (osCode === 'NOT_REGULAR_FILE') return osCode;
  }
  return 'IO_ERROR';
}

/** The `code` of a Node system error, if it has one. */
export function osErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}
