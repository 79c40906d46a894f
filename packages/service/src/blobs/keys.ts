import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { inspect } from 'node:util';
import { type Bytes, concatBytes, toU8, view } from './bytes.js';
import { createFileAtomically } from './durable.js';
import { BlobError } from './errors.js';

/** AES-256: every master and data key is 32 bytes. */
export const KEY_BYTES = 32;
/** A key file is at most a 44-character base64 or 64-character hex line plus CRLF; more is not a key. */
const MAX_KEY_FILE_BYTES = 128;
/** Wrap contexts are identifiers (submission ids); a bound keeps the AAD small (CWE-770). */
export const MAX_WRAP_CONTEXT_BYTES = 256;

const WRAPPED_PREFIX = 'vdk1.';
const WRAP_VERSION = 1;
const WRAP_LABEL = new TextEncoder().encode('vacsrp/data-key/v1\0');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** version(1) | key id(1) | nonce(12) | wrapped key(32) | tag(16) */
const WRAPPED_BYTES = 2 + NONCE_BYTES + KEY_BYTES + TAG_BYTES;
const WRAPPED_PATTERN = /^vdk1\.[A-Za-z0-9_-]{83}$/;

/** Master key material, reachable only from this module (not through the object, JSON or inspect). */
const material = new WeakMap<MasterKey, KeyObject>();

/**
 * The key that wraps data keys. `id` (1-255) is written into every wrapped key so that a later
 * rotation can hand in old and new master keys together and each wrapped key finds its own.
 */
export class MasterKey {
  readonly id: number;

  constructor(id: number, bytes: Bytes) {
    if (!Number.isInteger(id) || id < 1 || id > 255)
      throw new BlobError('BAD_OPTIONS', 'master key id must be an integer 1-255');
    if (bytes.length !== KEY_BYTES)
      throw new BlobError('KEY_FORMAT', `master key must be ${KEY_BYTES} bytes`);
    this.id = id;
    material.set(this, createSecretKey(toU8(bytes).slice()));
  }

  toJSON(): { id: number } {
    return { id: this.id };
  }

  [inspect.custom](): string {
    return `MasterKey { id: ${this.id} }`;
  }
}

export interface MasterKeyOptions {
  /** The id recorded in wrapped keys; 1 unless keys have been rotated. */
  readonly keyId?: number;
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;

/** Decodes 64 hex or 44 base64 characters (one trailing newline allowed) into 32 bytes. */
function decodeKeyText(text: string): Uint8Array {
  const line = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (HEX_KEY.test(line)) return view(Buffer.from(line, 'hex'));
  if (BASE64_KEY.test(line)) {
    const bytes = Buffer.from(line, 'base64');
    // Strict: the text must be the canonical encoding of the bytes (no stray low bits before '=').
    if (bytes.length === KEY_BYTES && bytes.toString('base64') === line) return view(bytes);
  }
  throw new BlobError('KEY_FORMAT', `a key is ${KEY_BYTES} raw bytes, 64 hex or 44 base64 characters`);
}

/** A master key from an environment variable's value (64 hex or 44 base64 characters). */
export function masterKeyFromEnvValue(value: string, options: MasterKeyOptions = {}): MasterKey {
  return new MasterKey(options.keyId ?? 1, decodeKeyText(value));
}

/**
 * Loads a master key file: 32 raw bytes, or 64 hex / 44 base64 characters and an optional newline.
 * Refuses a file that group or others may read (KEY_FILE_PERMISSIONS), as ssh does for its keys.
 * The mode is checked on the opened file, so a swap between check and read cannot slip through.
 * (On Windows there are no such mode bits; the check is skipped there.)
 */
export async function loadMasterKeyFile(path: string, options: MasterKeyOptions = {}): Promise<MasterKey> {
  const fh = await open(path, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile())
      throw new BlobError('KEY_FILE_PERMISSIONS', 'the master key path is not a regular file');
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0)
      throw new BlobError(
        'KEY_FILE_PERMISSIONS',
        `the master key file is readable or writable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
      );
    const buf = new Uint8Array(MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_KEY_FILE_BYTES) throw new BlobError('KEY_FORMAT', 'the master key file is too long');
    const content = buf.subarray(0, bytesRead);
    const bytes =
      content.length === KEY_BYTES
        ? content.slice()
        : decodeKeyText(new TextDecoder('latin1').decode(content));
    buf.fill(0);
    return new MasterKey(options.keyId ?? 1, bytes);
  } finally {
    await fh.close();
  }
}

/**
 * Writes a fresh random master key (64 hex characters and a newline) to `path` with mode 0600,
 * atomically and never over an existing file (KEY_EXISTS): overwriting a master key would make
 * every blob it protects unreadable.
 */
export async function generateMasterKeyFile(
  path: string,
  options: MasterKeyOptions = {},
): Promise<MasterKey> {
  const bytes = randomBytes(KEY_BYTES);
  const key = new MasterKey(options.keyId ?? 1, view(bytes));
  const created = await createFileAtomically(path, `${bytes.toString('hex')}\n`);
  bytes.fill(0);
  if (!created) throw new BlobError('KEY_EXISTS', 'a master key file already exists at that path');
  return key;
}

/** A fresh random data key (one per submission). */
export const newDataKey = (): Uint8Array => view(randomBytes(KEY_BYTES));

/** A data key checked to be 32 bytes, as a Uint8Array. */
export function dataKeyBytes(dataKey: Bytes): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== KEY_BYTES)
    throw new BlobError('KEY_FORMAT', `a data key must be ${KEY_BYTES} bytes`);
  return toU8(dataKey);
}

function wrapAad(keyId: number, context: string): Uint8Array {
  if (typeof context !== 'string' || context.length === 0)
    throw new BlobError('BAD_OPTIONS', 'a wrap context must be a non-empty string');
  const ctx = new TextEncoder().encode(context);
  if (ctx.length > MAX_WRAP_CONTEXT_BYTES)
    throw new BlobError('BAD_OPTIONS', `a wrap context is at most ${MAX_WRAP_CONTEXT_BYTES} bytes`, {
      limit: MAX_WRAP_CONTEXT_BYTES,
      actual: ctx.length,
    });
  return concatBytes([WRAP_LABEL, Uint8Array.of(WRAP_VERSION, keyId), ctx]);
}

/**
 * Encrypts a data key under the master key with AES-256-GCM; `context` (e.g. the submission id)
 * is authenticated, so the wrapped key only opens for the record it was made for. The result is
 * `vdk1.` and 83 base64url characters, fit for a database column.
 */
export function wrapDataKey(master: MasterKey, dataKey: Bytes, context: string): string {
  const plainKey = dataKeyBytes(dataKey);
  const key = material.get(master);
  if (key === undefined) throw new TypeError('wrapDataKey: not a MasterKey');
  const nonce = view(randomBytes(NONCE_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(wrapAad(master.id, context));
  const body = view(cipher.update(plainKey));
  cipher.final();
  const out = concatBytes([Uint8Array.of(WRAP_VERSION, master.id), nonce, body, view(cipher.getAuthTag())]);
  return WRAPPED_PREFIX + Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64url');
}

function decodeWrapped(wrapped: string): Uint8Array {
  if (typeof wrapped !== 'string' || !WRAPPED_PATTERN.test(wrapped))
    throw new BlobError('BAD_WRAPPED_KEY', 'not a vdk1 wrapped data key');
  const text = wrapped.slice(WRAPPED_PREFIX.length);
  const decoded = Buffer.from(text, 'base64url');
  // Strict: only the canonical encoding (stray low bits in the last character are not ignored).
  if (decoded.toString('base64url') !== text)
    throw new BlobError('BAD_WRAPPED_KEY', 'not a vdk1 wrapped data key');
  const raw = view(decoded);
  if (raw.length !== WRAPPED_BYTES || raw[0] !== WRAP_VERSION || raw[1] === 0)
    throw new BlobError('BAD_WRAPPED_KEY', 'not a vdk1 wrapped data key');
  return raw;
}

/** The master key id a wrapped data key needs (for rotation jobs that re-wrap under a new key). */
export const wrappedKeyId = (wrapped: string): number => decodeWrapped(wrapped)[1] as number;

/**
 * Opens a wrapped data key. Hand in every master key still in use (old and new, during a
 * rotation); the one whose id the wrapped key names is used. Wrong master key, wrong context or
 * an altered string → UNWRAP_FAILED, never a wrong key.
 */
export function unwrapDataKey(
  masters: MasterKey | readonly MasterKey[],
  wrapped: string,
  context: string,
): Uint8Array {
  const raw = decodeWrapped(wrapped);
  const keyId = raw[1] as number;
  const master = (Array.isArray(masters) ? masters : [masters as MasterKey]).find((m) => m.id === keyId);
  if (master === undefined)
    throw new BlobError('UNKNOWN_KEY_ID', `no master key with id ${keyId} was given`, { keyId });
  const key = material.get(master);
  if (key === undefined) throw new TypeError('unwrapDataKey: not a MasterKey');
  const nonce = raw.subarray(2, 2 + NONCE_BYTES);
  const body = raw.subarray(2 + NONCE_BYTES, 2 + NONCE_BYTES + KEY_BYTES);
  const tag = raw.subarray(WRAPPED_BYTES - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(wrapAad(keyId, context));
  decipher.setAuthTag(tag);
  try {
    const opened = view(decipher.update(body));
    decipher.final();
    return opened;
  } catch (cause) {
    throw new BlobError(
      'UNWRAP_FAILED',
      'the data key does not open with this master key and context',
      {},
      { cause },
    );
  }
}
