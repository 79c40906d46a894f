import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BlobError,
  generateMasterKeyFile,
  loadMasterKeyFile,
  MasterKey,
  masterKeyFromEnvValue,
  newDataKey,
  unwrapDataKey,
  wrapDataKey,
  wrappedKeyId,
} from '../src/blobs/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const codeOf = async (f: () => unknown): Promise<string> => {
  try {
    await f();
    return 'no error';
  } catch (err) {
    if (err instanceof BlobError) return err.code;
    throw err;
  }
};

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The key's base64 with a stray low bit set in the last digit: decodes to the same bytes, but is not canonical. */
function nonCanonicalBase64(bytes: Buffer): string {
  const text = bytes.toString('base64');
  const v = B64.indexOf(text[42] as string);
  return `${text.slice(0, 42)}${B64[(v & ~3) | 1]}=`;
}

let n = 0;
async function keyFile(content: string | Uint8Array, mode = 0o600): Promise<string> {
  const p = join(dir, `key-${n++}`);
  await writeFile(p, content);
  await chmod(p, mode);
  return p;
}

describe('master key files', () => {
  const bytes = randomBytes(32);

  it('reads raw bytes, hex and base64, with or without a trailing newline', async () => {
    const data = newDataKey();
    const reference = new MasterKey(1, bytes);
    const wrapped = wrapDataKey(reference, data, 'sub-1');
    for (const content of [
      bytes,
      bytes.toString('hex'),
      `${bytes.toString('hex').toUpperCase()}\n`,
      bytes.toString('base64'),
      `${bytes.toString('base64')}\r\n`,
    ]) {
      const key = await loadMasterKeyFile(await keyFile(content));
      expect(Buffer.from(unwrapDataKey(key, wrapped, 'sub-1')).equals(Buffer.from(data))).toBe(true);
    }
  });

  it('refuses a file group or others may read or write', async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o660]) {
      const p = await keyFile(bytes.toString('hex'), mode);
      expect(await codeOf(() => loadMasterKeyFile(p))).toBe('KEY_FILE_PERMISSIONS');
    }
    for (const mode of [0o600, 0o400]) {
      const p = await keyFile(bytes.toString('hex'), mode);
      expect(await codeOf(() => loadMasterKeyFile(p))).toBe('no error');
    }
  });

  it('refuses a directory', async () => {
    const d = join(dir, 'a-directory');
    await mkdir(d, { mode: 0o700 });
    expect(await codeOf(() => loadMasterKeyFile(d))).toBe('KEY_FILE_PERMISSIONS');
  });

  it('refuses anything that is not exactly a 32-byte key', async () => {
    for (const content of [
      randomBytes(31),
      randomBytes(33),
      bytes.toString('hex').slice(2),
      `${bytes.toString('hex')}00`,
      `${bytes.toString('hex')}\n\n`,
      ` ${bytes.toString('hex')}`,
      'g'.repeat(64),
      bytes.toString('base64').replace('=', ''),
      randomBytes(48).toString('base64'),
      // 44 base64 characters whose last digit carries stray low bits: not the canonical encoding
      nonCanonicalBase64(bytes),
      'x'.repeat(500),
      '',
    ]) {
      const p = await keyFile(content);
      expect(await codeOf(() => loadMasterKeyFile(p))).toBe('KEY_FORMAT');
    }
  });

  it('generates a fresh 0600 key file, atomically, and never over an existing one', async () => {
    const p = join(dir, 'generated.key');
    const key = await generateMasterKeyFile(p);
    const st = await stat(p);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await readFile(p, 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    const loaded = await loadMasterKeyFile(p);
    const data = newDataKey();
    expect(
      Buffer.from(unwrapDataKey(loaded, wrapDataKey(key, data, 'c'), 'c')).equals(Buffer.from(data)),
    ).toBe(true);
    const before = await readFile(p);
    expect(await codeOf(() => generateMasterKeyFile(p))).toBe('KEY_EXISTS');
    expect((await readFile(p)).equals(before)).toBe(true);
    // no temporary files are left beside it
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(dir)).filter((f) => f.includes('generated.key'))).toEqual(['generated.key']);
  });

  it('reads a key from an environment value (hex or base64)', () => {
    const data = newDataKey();
    const a = masterKeyFromEnvValue(bytes.toString('hex'));
    const b = masterKeyFromEnvValue(bytes.toString('base64'));
    expect(Buffer.from(unwrapDataKey(b, wrapDataKey(a, data, 'x'), 'x')).equals(Buffer.from(data))).toBe(
      true,
    );
    expect(() => masterKeyFromEnvValue('too short')).toThrow(expect.objectContaining({ code: 'KEY_FORMAT' }));
  });

  it('never shows its bytes in JSON or inspect output', () => {
    const key = new MasterKey(7, bytes);
    const shown =
      JSON.stringify(key) + inspect(key, { showHidden: true, depth: 5 }) + String(Object.keys(key));
    for (const form of [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('latin1').slice(0, 8),
    ])
      expect(shown.includes(form)).toBe(false);
    expect(JSON.parse(JSON.stringify(key))).toEqual({ id: 7 });
  });
});

describe('wrapped data keys', () => {
  const master = new MasterKey(1, randomBytes(32));
  const data = newDataKey();
  const wrapped = wrapDataKey(master, data, 'submission-42');

  it('round trip; a compact string fit for a column', () => {
    expect(wrapped).toMatch(/^vdk1\.[A-Za-z0-9_-]{83}$/);
    expect(Buffer.from(unwrapDataKey(master, wrapped, 'submission-42')).equals(Buffer.from(data))).toBe(true);
    expect(wrappedKeyId(wrapped)).toBe(1);
    expect(wrapDataKey(master, data, 'submission-42')).not.toBe(wrapped); // fresh nonce
  });

  it('the wrong master key or the wrong context → UNWRAP_FAILED', async () => {
    const other = new MasterKey(1, randomBytes(32));
    expect(await codeOf(() => unwrapDataKey(other, wrapped, 'submission-42'))).toBe('UNWRAP_FAILED');
    expect(await codeOf(() => unwrapDataKey(master, wrapped, 'submission-43'))).toBe('UNWRAP_FAILED');
  });

  it('any altered character → UNWRAP_FAILED or BAD_WRAPPED_KEY, never a key', async () => {
    for (let i = 5; i < wrapped.length; i++) {
      const c = wrapped[i] === 'A' ? 'B' : 'A';
      const altered = wrapped.slice(0, i) + c + wrapped.slice(i + 1);
      expect(['UNWRAP_FAILED', 'BAD_WRAPPED_KEY', 'UNKNOWN_KEY_ID']).toContain(
        await codeOf(() => unwrapDataKey(master, altered, 'submission-42')),
      );
    }
    // The last character carries two padding bits; setting one must not go unnoticed.
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = B64URL.indexOf(wrapped[wrapped.length - 1] as string);
    const strayBits = wrapped.slice(0, -1) + B64URL[last ^ 1];
    for (const bad of [
      '',
      'vdk1.',
      `vdk2.${wrapped.slice(5)}`,
      `${wrapped}A`,
      wrapped.slice(0, -1),
      strayBits,
    ])
      expect(await codeOf(() => unwrapDataKey(master, bad, 'submission-42'))).toBe('BAD_WRAPPED_KEY');
  });

  it('rotation: each wrapped key finds its master by id; a missing id → UNKNOWN_KEY_ID', async () => {
    const next = new MasterKey(2, randomBytes(32));
    const rewrapped = wrapDataKey(next, data, 'submission-42');
    expect(wrappedKeyId(rewrapped)).toBe(2);
    for (const w of [wrapped, rewrapped])
      expect(Buffer.from(unwrapDataKey([master, next], w, 'submission-42')).equals(Buffer.from(data))).toBe(
        true,
      );
    expect(await codeOf(() => unwrapDataKey(next, wrapped, 'submission-42'))).toBe('UNKNOWN_KEY_ID');
  });

  it('limits: data keys are 32 bytes, contexts non-empty and at most 256 bytes, ids 1-255', async () => {
    expect(await codeOf(() => wrapDataKey(master, new Uint8Array(16), 'c'))).toBe('KEY_FORMAT');
    expect(await codeOf(() => wrapDataKey(master, data, ''))).toBe('BAD_OPTIONS');
    expect(await codeOf(() => wrapDataKey(master, data, 'x'.repeat(257)))).toBe('BAD_OPTIONS');
    expect(await codeOf(() => wrapDataKey(master, data, 'x'.repeat(256)))).toBe('no error');
    expect(await codeOf(() => new MasterKey(0, randomBytes(32)))).toBe('BAD_OPTIONS');
    expect(await codeOf(() => new MasterKey(256, randomBytes(32)))).toBe('BAD_OPTIONS');
    expect(await codeOf(() => new MasterKey(1, randomBytes(31)))).toBe('KEY_FORMAT');
  });
});
