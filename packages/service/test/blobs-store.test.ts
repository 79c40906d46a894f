import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BlobError,
  type BlobErrorCode,
  FileBlobStore,
  newDataKey,
  SEGMENT_PLAINTEXT_MAX,
} from '../src/blobs/index.js';

const SEG = SEGMENT_PLAINTEXT_MAX;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let root: string;
let store: FileBlobStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'vacsrp-blobs-'));
  store = new FileBlobStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts);
}

async function codeOf(f: () => Promise<unknown>): Promise<BlobErrorCode | 'no error'> {
  try {
    await f();
    return 'no error';
  } catch (err) {
    if (err instanceof BlobError) return err.code;
    throw err;
  }
}

/** Every regular file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

describe('FileBlobStore put/get', () => {
  const key = newDataKey();

  for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 4 * 1024 * 1024 + 3]) {
    it(`round trip of ${size} bytes`, async () => {
      const data = randomBytes(size);
      const info = await store.put(Readable.from(chunks(data, 10_007)), key, { maxBytes: size });
      expect(info.size).toBe(size);
      expect(info.sha256).toBe(sha256(data));
      expect((await readAll(await store.get(info.key, key))).equals(data)).toBe(true);
    });
  }

  it('stores ciphertext at objects/ab/cd/<sha256 of the stored bytes>, mode 0600', async () => {
    const info = await store.put(chunks(Buffer.from('evidence'), 3), key, { maxBytes: 100 });
    const path = join(root, 'objects', info.key.slice(0, 2), info.key.slice(2, 4), info.key);
    const stored = await readFile(path);
    expect(sha256(stored)).toBe(info.key);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await store.stat(info.key)).toEqual({ key: info.key, storedBytes: stored.length });
    expect(await store.has(info.key)).toBe(true);
    // The key is not derived from the input: the same plaintext stored twice gets two keys.
    const again = await store.put(chunks(Buffer.from('evidence'), 3), key, { maxBytes: 100 });
    expect(again.key).not.toBe(info.key);
    expect(again.sha256).toBe(info.sha256);
  });

  it('delete, has, stat and get of a missing key', async () => {
    const info = await store.put(chunks(Buffer.from('x'), 1), key, { maxBytes: 1 });
    expect(await store.delete(info.key)).toBe(true);
    expect(await store.delete(info.key)).toBe(false);
    expect(await store.has(info.key)).toBe(false);
    expect(await store.stat(info.key)).toBeUndefined();
    expect(await codeOf(() => store.get(info.key, key))).toBe('NOT_FOUND');
  });

  it('refuses keys that are not 64 lowercase hex (no path can be formed from one)', async () => {
    for (const bad of ['../../etc/passwd', '', 'A'.repeat(64), `${'a'.repeat(63)}/`, 'a'.repeat(65)]) {
      expect(await codeOf(() => store.get(bad, key))).toBe('BAD_BLOB_KEY');
      expect(await codeOf(() => store.delete(bad))).toBe('BAD_BLOB_KEY');
      expect(await codeOf(() => store.stat(bad))).toBe('BAD_BLOB_KEY');
    }
  });

  it('TOO_LARGE past maxBytes, and nothing is left behind', async () => {
    expect(
      await codeOf(() => store.put(chunks(randomBytes(3 * SEG), 5000), key, { maxBytes: 3 * SEG - 1 })),
    ).toBe('TOO_LARGE');
    expect(await filesUnder(root)).toEqual([]);
    expect(await codeOf(() => store.put(chunks(randomBytes(10), 5), key, { maxBytes: -1 }))).toBe(
      'BAD_OPTIONS',
    );
  });

  it('a plaintext stream that fails → INPUT_FAILED, and nothing is left behind', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(2 * SEG);
      throw new Error('connection reset');
    }
    expect(await codeOf(() => store.put(failing(), key, { maxBytes: 10 * SEG }))).toBe('INPUT_FAILED');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('get with the wrong data key → WRONG_KEY on the stream', async () => {
    const info = await store.put(chunks(randomBytes(100), 100), key, { maxBytes: 100 });
    expect(await codeOf(async () => readAll(await store.get(info.key, newDataKey())))).toBe('WRONG_KEY');
  });

  it('a flipped byte in a stored blob → TAMPERED on the stream', async () => {
    const info = await store.put(chunks(randomBytes(3 * SEG), SEG), key, { maxBytes: 3 * SEG });
    const path = join(root, 'objects', info.key.slice(0, 2), info.key.slice(2, 4), info.key);
    const stored = await readFile(path);
    stored[SEG + 200] = (stored[SEG + 200] as number) ^ 4;
    await writeFile(path, stored);
    expect(await codeOf(async () => readAll(await store.get(info.key, key)))).toBe('TAMPERED');
  });

  it('another valid blob (same data key) swapped in under a key → TAMPERED (content address checked)', async () => {
    const a = await store.put(chunks(Buffer.from('artifact A'), 100), key, { maxBytes: 100 });
    const b = await store.put(chunks(Buffer.from('artifact B'), 100), key, { maxBytes: 100 });
    const pathOf = (k: string) => join(root, 'objects', k.slice(0, 2), k.slice(2, 4), k);
    await writeFile(pathOf(a.key), await readFile(pathOf(b.key)));
    const seen: Buffer[] = [];
    const code = await codeOf(async () => {
      for await (const p of await store.get(a.key, key)) seen.push(p as Buffer);
    });
    expect(code).toBe('TAMPERED');
    // The swapped blob is one final segment: none of its plaintext was released.
    expect(Buffer.concat(seen).length).toBe(0);
  });

  it('a consumer that stops early releases the file (no error, no leak)', async () => {
    const info = await store.put(chunks(randomBytes(8 * SEG), SEG), key, { maxBytes: 8 * SEG });
    const stream = await store.get(info.key, key);
    for await (const _ of stream) break;
    expect(stream.destroyed).toBe(true);
    expect(await store.delete(info.key)).toBe(true);
  });
});

describe('no plaintext on disk', () => {
  it('a canary written through put and through an upload never appears in any file under the root', async () => {
    const key = newDataKey();
    const canary = `CANARY-${randomBytes(12).toString('hex')}`;
    const body = Buffer.from(`${'model weights '.repeat(5000)}${canary}${' more'.repeat(20_000)}${canary}`);
    await store.put(chunks(body, 4096), key, { maxBytes: body.length });
    const id = '0b6f6a2e-6b1f-4a57-9c64-0f7d1b8d2e11';
    await store.createUpload(id, { maxBytes: 2 * body.length, expectedSize: 2 * body.length });
    await store.appendUpload(id, 0, chunks(body, 777), key);
    // the partial upload, before completion
    const scan = async () => {
      const files = await filesUnder(root);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const bytes = await readFile(f);
        expect(bytes.includes(canary), f).toBe(false);
        expect(bytes.includes(Buffer.from(canary, 'utf16le')), f).toBe(false);
        expect(bytes.includes(Buffer.from('model weights')), f).toBe(false);
      }
    };
    await scan();
    await store.appendUpload(id, body.length, chunks(body, 100_000), key);
    await store.completeUpload(id, key);
    await scan();
  });
});
