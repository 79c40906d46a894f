import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BlobError } from './errors.js';
import { HEADER_BYTES, parseRecordHeader, RECORD_HEADER_BYTES, RECORD_OVERHEAD } from './sealed.js';

/** What a blob store hands back for a stored blob. */
export interface BlobInfo {
  /** SHA-256 (hex) of the stored ciphertext: the content address. */
  readonly key: string;
  /** Plaintext bytes. */
  readonly size: number;
  /** SHA-256 (hex) of the plaintext. */
  readonly sha256: string;
}

/** Plaintext going in: a Node Readable or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array> | Readable;

export interface UploadStatus extends UploadOptions {
  /** Plaintext bytes durably received: the offset the next append must give. */
  readonly received: number;
  /** Set only when a completion was interrupted by a crash; completeUpload returns it. */
  readonly completed?: BlobInfo;
}

export interface UploadOptions {
  /** When given, completeUpload refuses any other size and appends may not pass it. */
  readonly expectedSize?: number;
  /** When given (lowercase hex), completeUpload refuses any other plaintext SHA-256. */
  readonly expectedSha256?: string;
  /** Hard limit on the plaintext; appends past it fail with TOO_LARGE. */
  readonly maxBytes: number;
}

/**
 * The upload's durable record (`<uploadId>.state`, replaced atomically). `committed` is the length
 * of the `.data` file that has been fsynced and acknowledged; anything beyond it is a torn or
 * unacknowledged write and is cut off on recovery. `completed` is set just before the data file
 * moves into the store, so a crash between the two finishes the move on the next call.
 */
export interface UploadState extends UploadOptions {
  readonly v: 1;
  readonly committed: number;
  readonly completed?: BlobInfo;
}

/** Largest blob the store accepts (4 TiB): far above any model artifact, well inside exact doubles. */
export const MAX_BLOB_BYTES = 2 ** 42;
/** A state file is a few hundred bytes; anything longer is not ours (CWE-400). */
export const MAX_STATE_FILE_BYTES = 4096;

const HEX64 = /^[0-9a-f]{64}$/;
/** Lowercase UUIDs only, so one id is one file name on case-insensitive filesystems too. */
const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkUploadId(uploadId: string): void {
  if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId))
    throw new BlobError('BAD_UPLOAD_ID', 'an upload id is a lowercase UUID');
}

export function checkBlobKey(key: string): void {
  if (typeof key !== 'string' || !HEX64.test(key))
    throw new BlobError('BAD_BLOB_KEY', 'a blob key is 64 lowercase hex characters');
}

const isByteCount = (n: unknown): n is number =>
  typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_BLOB_BYTES;

export function checkMaxBytes(maxBytes: unknown): asserts maxBytes is number {
  if (!isByteCount(maxBytes))
    throw new BlobError('BAD_OPTIONS', `maxBytes must be an integer 0-${MAX_BLOB_BYTES}`, {
      limit: MAX_BLOB_BYTES,
    });
}

export function checkUploadOptions(opts: UploadOptions): void {
  checkMaxBytes(opts.maxBytes);
  if (
    opts.expectedSize !== undefined &&
    (!isByteCount(opts.expectedSize) || opts.expectedSize > opts.maxBytes)
  )
    throw new BlobError('BAD_OPTIONS', 'expectedSize must be an integer 0-maxBytes', {
      limit: opts.maxBytes,
    });
  if (
    opts.expectedSha256 !== undefined &&
    (typeof opts.expectedSha256 !== 'string' || !HEX64.test(opts.expectedSha256))
  )
    throw new BlobError('BAD_OPTIONS', 'expectedSha256 must be 64 lowercase hex characters');
}

/** The state file's bytes: fixed key order, so the same state always serialises the same. */
export function serializeState(state: UploadState): string {
  const out: Record<string, unknown> = { v: state.v, maxBytes: state.maxBytes };
  if (state.expectedSize !== undefined) out.expectedSize = state.expectedSize;
  if (state.expectedSha256 !== undefined) out.expectedSha256 = state.expectedSha256;
  out.committed = state.committed;
  if (state.completed !== undefined)
    out.completed = { key: state.completed.key, size: state.completed.size, sha256: state.completed.sha256 };
  return `${JSON.stringify(out)}\n`;
}

const STATE_KEYS = new Set(['v', 'maxBytes', 'expectedSize', 'expectedSha256', 'committed', 'completed']);
const INFO_KEYS = new Set(['key', 'size', 'sha256']);

const corrupt = (why: string): BlobError => new BlobError('UPLOAD_CORRUPT', `upload state file: ${why}`);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a state file strictly: unknown keys, wrong types or impossible values are UPLOAD_CORRUPT. */
export function parseState(text: string): UploadState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (!isRecord(raw)) throw corrupt('not an object');
  for (const k of Object.keys(raw)) if (!STATE_KEYS.has(k)) throw corrupt(`unknown key ${k}`);
  if (raw.v !== 1) throw corrupt('unknown version');
  if (!isByteCount(raw.committed)) throw corrupt('committed');
  const opts: UploadOptions = {
    maxBytes: raw.maxBytes as number,
    ...(raw.expectedSize !== undefined ? { expectedSize: raw.expectedSize as number } : {}),
    ...(raw.expectedSha256 !== undefined ? { expectedSha256: raw.expectedSha256 as string } : {}),
  };
  try {
    checkUploadOptions(opts);
  } catch {
    throw corrupt('options');
  }
  let completed: BlobInfo | undefined;
  if (raw.completed !== undefined) {
    const c = raw.completed;
    if (!isRecord(c) || Object.keys(c).some((k) => !INFO_KEYS.has(k))) throw corrupt('completed');
    if (typeof c.key !== 'string' || !HEX64.test(c.key)) throw corrupt('completed.key');
    if (!isByteCount(c.size)) throw corrupt('completed.size');
    if (typeof c.sha256 !== 'string' || !HEX64.test(c.sha256)) throw corrupt('completed.sha256');
    completed = { key: c.key, size: c.size, sha256: c.sha256 };
  }
  return { v: 1, ...opts, committed: raw.committed, ...(completed !== undefined ? { completed } : {}) };
}

export interface ScanResult {
  /** Where the last whole record ends (HEADER_BYTES at least, or 0 for an empty file). */
  readonly end: number;
  readonly segments: number;
  /** Plaintext bytes in those records. */
  readonly received: number;
  /** The header, when the file has one. */
  readonly header: Uint8Array | undefined;
}

/**
 * Walks the records of a partial upload up to `limit` by their framing alone (no key needed) and
 * stops before a record that does not fit whole: a torn trailing segment. A final record, or
 * framing the writer never produces, means the file is not a partial upload: UPLOAD_CORRUPT.
 * Cost: one 5-byte read per 64 KiB segment.
 */
export async function scanPartial(fh: FileHandle, limit: number): Promise<ScanResult> {
  if (limit === 0) return { end: 0, segments: 0, received: 0, header: undefined };
  if (limit < HEADER_BYTES)
    throw new BlobError('UPLOAD_CORRUPT', 'the committed length ends inside the header');
  const header = new Uint8Array(HEADER_BYTES);
  const got = (await fh.read(header, 0, HEADER_BYTES, 0)).bytesRead;
  if (got < HEADER_BYTES) throw new BlobError('UPLOAD_CORRUPT', 'the data file ends inside the header');
  let pos = HEADER_BYTES;
  let segments = 0;
  let received = 0;
  const rh = new Uint8Array(RECORD_HEADER_BYTES);
  while (pos + RECORD_HEADER_BYTES <= limit) {
    const n = (await fh.read(rh, 0, RECORD_HEADER_BYTES, pos)).bytesRead;
    if (n < RECORD_HEADER_BYTES) break;
    let record: { final: boolean; length: number };
    try {
      record = parseRecordHeader(rh, { offset: pos, segment: segments });
    } catch (cause) {
      throw new BlobError(
        'UPLOAD_CORRUPT',
        'impossible record framing in a partial upload',
        { offset: pos },
        { cause },
      );
    }
    if (record.final)
      throw new BlobError('UPLOAD_CORRUPT', 'a partial upload holds a final segment', { offset: pos });
    const next = pos + RECORD_OVERHEAD + record.length;
    if (next > limit) break;
    pos = next;
    segments++;
    received += record.length;
  }
  return { end: pos, segments, received, header };
}
