import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  appendFile,
  copyFile,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BlobError,
  type BlobErrorCode,
  type BlobInfo,
  FileBlobStore,
  newDataKey,
  SEGMENT_PLAINTEXT_MAX,
} from '../src/blobs/index.js';

const SEG = SEGMENT_PLAINTEXT_MAX;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let root: string;
let store: FileBlobStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'vacsrp-uploads-'));
  store = new FileBlobStore(root);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function readBlob(s: FileBlobStore, info: BlobInfo, key: Uint8Array): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of await s.get(info.key, key)) parts.push(p as Buffer);
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

async function errorOf(f: () => Promise<unknown>): Promise<BlobError> {
  try {
    await f();
  } catch (err) {
    if (err instanceof BlobError) return err;
    throw err;
  }
  throw new Error('expected a BlobError');
}

const dataFile = (id: string) => join(root, 'uploads', `${id}.data`);
const stateFile = (id: string) => join(root, 'uploads', `${id}.state`);

describe('resumable uploads: round trips', () => {
  const key = newDataKey();

  for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 3 * 1024 * 1024 + 5]) {
    it(`${size} bytes in three appends`, async () => {
      const data = randomBytes(size);
      const id = randomUUID();
      const status = await store.createUpload(id, {
        maxBytes: size,
        expectedSize: size,
        expectedSha256: sha256(data),
      });
      expect(status).toEqual({
        received: 0,
        maxBytes: size,
        expectedSize: size,
        expectedSha256: sha256(data),
      });
      const cuts = [0, Math.floor(size / 3), Math.floor((2 * size) / 3), size];
      for (let i = 0; i < 3; i++) {
        const part = data.subarray(cuts[i], cuts[i + 1]);
        expect(await store.appendUpload(id, cuts[i] as number, chunks(part, 9_973), key)).toEqual({
          received: cuts[i + 1],
        });
      }
      const info = await store.completeUpload(id, key);
      expect(info).toMatchObject({ size, sha256: sha256(data) });
      expect((await readBlob(store, info, key)).equals(data)).toBe(true);
      expect(await readdir(join(root, 'uploads'))).toEqual([]);
      expect(await codeOf(() => store.uploadStatus(id))).toBe('NOT_FOUND');
    });
  }

  it('any split into appends and any chunking within them (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3 * SEG + 77 }),
        fc.array(fc.integer({ min: 0, max: 3 * SEG }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 2 * SEG }),
        fc.boolean(),
        async (data, rawCuts, chunkSize, restart) => {
          const id = randomUUID();
          await store.createUpload(id, { maxBytes: data.length, expectedSha256: sha256(data) });
          const cuts = [...new Set([0, ...rawCuts.map((c) => c % (data.length + 1)), data.length])].sort(
            (a, b) => a - b,
          );
          let s = store;
          for (let i = 0; i + 1 < cuts.length; i++) {
            await s.appendUpload(
              id,
              cuts[i] as number,
              chunks(data.subarray(cuts[i], cuts[i + 1]), chunkSize),
              key,
            );
            if (restart) s = new FileBlobStore(root); // as after a process restart: state rebuilt from disk
          }
          const info = await s.completeUpload(id, key);
          expect(info.sha256).toBe(sha256(data));
          expect((await readBlob(s, info, key)).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('an upload with no bytes completes to the empty blob', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 0 });
    const info = await store.completeUpload(id, key);
    expect(info).toMatchObject({ size: 0, sha256: sha256(new Uint8Array(0)) });
    expect((await readBlob(store, info, key)).length).toBe(0);
  });
});

describe('resumable uploads: refusals', () => {
  const key = newDataKey();

  it('upload ids are lowercase UUIDs: nothing else can name a file', async () => {
    for (const bad of [
      '../../../etc/passwd',
      '',
      'x',
      randomUUID().toUpperCase(),
      `${randomUUID()}/..`,
      `${randomUUID()}\0`,
    ]) {
      expect(await codeOf(() => store.createUpload(bad, { maxBytes: 1 }))).toBe('BAD_UPLOAD_ID');
      expect(await codeOf(() => store.appendUpload(bad, 0, chunks(Buffer.from('x'), 1), key))).toBe(
        'BAD_UPLOAD_ID',
      );
      expect(await codeOf(() => store.uploadStatus(bad))).toBe('BAD_UPLOAD_ID');
      expect(await codeOf(() => store.completeUpload(bad, key))).toBe('BAD_UPLOAD_ID');
      expect(await codeOf(() => store.abortUpload(bad))).toBe('BAD_UPLOAD_ID');
    }
  });

  it('options are checked; an id cannot be created twice', async () => {
    const id = randomUUID();
    expect(await codeOf(() => store.createUpload(id, { maxBytes: 10, expectedSize: 11 }))).toBe(
      'BAD_OPTIONS',
    );
    expect(await codeOf(() => store.createUpload(id, { maxBytes: 10, expectedSha256: 'ABC' }))).toBe(
      'BAD_OPTIONS',
    );
    expect(await codeOf(() => store.createUpload(id, { maxBytes: 1.5 }))).toBe('BAD_OPTIONS');
    await store.createUpload(id, { maxBytes: 10 });
    expect(await codeOf(() => store.createUpload(id, { maxBytes: 10 }))).toBe('UPLOAD_EXISTS');
    expect(await codeOf(() => store.uploadStatus(randomUUID()))).toBe('NOT_FOUND');
  });

  it('OFFSET_MISMATCH carries the offset to resume from', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 100 });
    await store.appendUpload(id, 0, chunks(Buffer.from('hello'), 2), key);
    for (const offset of [0, 4, 6]) {
      const err = await errorOf(() => store.appendUpload(id, offset, chunks(Buffer.from('x'), 1), key));
      expect(err.code).toBe('OFFSET_MISMATCH');
      expect(err.detail.received).toBe(5);
    }
    expect(await codeOf(() => store.appendUpload(id, -1, chunks(Buffer.from('x'), 1), key))).toBe(
      'BAD_OPTIONS',
    );
  });

  it('maxBytes: TOO_LARGE; bytes up to the limit are kept, never more', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 2 * SEG + 10 });
    const data = randomBytes(3 * SEG);
    const err = await errorOf(() => store.appendUpload(id, 0, chunks(data, 5000), key));
    expect(err.code).toBe('TOO_LARGE');
    expect(err.detail.received).toBe(2 * SEG + 10);
    expect((await store.uploadStatus(id)).received).toBe(2 * SEG + 10);
    expect(await codeOf(() => store.appendUpload(id, 2 * SEG + 10, chunks(Buffer.from('x'), 1), key))).toBe(
      'TOO_LARGE',
    );
    expect(await readdir(join(root, 'objects')).catch(() => [])).toEqual([]);
  });

  it('expectedSize: appends cannot pass it; completing short → SIZE_MISMATCH, then resume and complete', async () => {
    const data = randomBytes(SEG + 100);
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 10 * SEG, expectedSize: data.length });
    await store.appendUpload(id, 0, chunks(data.subarray(0, 1000), 1000), key);
    const short = await errorOf(() => store.completeUpload(id, key));
    expect(short.code).toBe('SIZE_MISMATCH');
    expect(short.detail.received).toBe(1000);
    const over = await errorOf(() =>
      store.appendUpload(
        id,
        1000,
        chunks(Buffer.concat([data.subarray(1000), Buffer.from('extra')]), 999),
        key,
      ),
    );
    expect(over.code).toBe('SIZE_MISMATCH');
    expect(over.detail.received).toBe(data.length);
    const info = await store.completeUpload(id, key);
    expect(info.sha256).toBe(sha256(data));
  });

  it('DIGEST_MISMATCH leaves the upload intact (for inspection or abort); abort removes it', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 100, expectedSha256: sha256(Buffer.from('expected')) });
    await store.appendUpload(id, 0, chunks(Buffer.from('something else'), 3), key);
    const before = await readFile(dataFile(id));
    const err = await errorOf(() => store.completeUpload(id, key));
    expect(err.code).toBe('DIGEST_MISMATCH');
    expect(err.detail.actual).toBe(sha256(Buffer.from('something else')));
    expect((await readFile(dataFile(id))).equals(before)).toBe(true);
    expect((await store.uploadStatus(id)).received).toBe(14);
    expect(await store.abortUpload(id)).toBe(true);
    expect(await store.abortUpload(id)).toBe(false);
    expect(await readdir(join(root, 'uploads'))).toEqual([]);
    expect(await codeOf(() => store.uploadStatus(id))).toBe('NOT_FOUND');
  });

  it('a different data key midway → WRONG_KEY, for appends and for completion', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 100 });
    await store.appendUpload(id, 0, chunks(Buffer.from('first'), 5), key);
    expect(await codeOf(() => store.appendUpload(id, 5, chunks(Buffer.from('x'), 1), newDataKey()))).toBe(
      'WRONG_KEY',
    );
    expect(await codeOf(() => store.completeUpload(id, newDataKey()))).toBe('WRONG_KEY');
    expect((await store.uploadStatus(id)).received).toBe(5);
    const info = await store.completeUpload(id, key);
    expect((await readBlob(store, info, key)).toString()).toBe('first');
  });

  it('an input stream that fails midway keeps every byte that arrived (INPUT_FAILED with received)', async () => {
    const data = randomBytes(3 * SEG);
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: data.length, expectedSha256: sha256(data) });
    const arrived = SEG + 12_345;
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield data.subarray(0, 40_000);
      yield data.subarray(40_000, arrived);
      throw new Error('client went away');
    }
    const err = await errorOf(() => store.appendUpload(id, 0, cut(), key));
    expect(err.code).toBe('INPUT_FAILED');
    expect(err.detail.received).toBe(arrived);
    expect((await new FileBlobStore(root).uploadStatus(id)).received).toBe(arrived);
    await store.appendUpload(id, arrived, chunks(data.subarray(arrived), 7777), key);
    expect((await store.completeUpload(id, key)).sha256).toBe(sha256(data));
  });
});

describe('resumable uploads: concurrency', () => {
  const key = newDataKey();

  it('two appends to one upload at once do not interleave: one wins, the other gets OFFSET_MISMATCH', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 10 * SEG });
    const a = Buffer.alloc(3 * SEG, 0xaa);
    const b = Buffer.alloc(3 * SEG, 0xbb);
    async function* slow(data: Buffer): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < data.length; at += 10_000) {
        await new Promise((r) => setTimeout(r, 1));
        yield data.subarray(at, at + 10_000);
      }
    }
    const results = await Promise.allSettled([
      store.appendUpload(id, 0, slow(a), key),
      store.appendUpload(id, 0, slow(b), key),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won.length).toBe(1);
    expect(lost.map((r) => (r.reason as BlobError).code)).toEqual(['OFFSET_MISMATCH']);
    const info = await store.completeUpload(id, key);
    const out = await readBlob(store, info, key);
    expect(out.equals(a) || out.equals(b)).toBe(true);
  });

  it('appends to different uploads run side by side', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const datas = ids.map(() => randomBytes(2 * SEG + 3));
    await Promise.all(ids.map((id) => store.createUpload(id, { maxBytes: 3 * SEG })));
    await Promise.all(ids.map((id, i) => store.appendUpload(id, 0, chunks(datas[i] as Buffer, 4096), key)));
    const infos = await Promise.all(ids.map((id) => store.completeUpload(id, key)));
    expect(infos.map((i) => i.sha256)).toEqual(datas.map((d) => sha256(d)));
  });
});

describe('resumable uploads: crashes', () => {
  const key = newDataKey();

  it('a torn trailing segment in the data file is cut off after a restart; resuming completes', async () => {
    const data = randomBytes(2 * SEG + 500);
    const id = randomUUID();
    await store.createUpload(id, {
      maxBytes: data.length,
      expectedSize: data.length,
      expectedSha256: sha256(data),
    });
    await store.appendUpload(id, 0, chunks(data.subarray(0, SEG + 7), 3000), key);
    const durable = (await stat(dataFile(id))).size;
    // A crash in the middle of the next append: part of a record reached the disk, unacknowledged.
    await appendFile(dataFile(id), Buffer.concat([Buffer.from([0, 0, 1, 0, 0]), randomBytes(30_000)]));
    const restarted = new FileBlobStore(root);
    expect((await restarted.uploadStatus(id)).received).toBe(SEG + 7);
    expect((await stat(dataFile(id))).size).toBe(durable);
    await restarted.appendUpload(id, SEG + 7, chunks(data.subarray(SEG + 7), 10_000), key);
    const info = await restarted.completeUpload(id, key);
    expect(info.sha256).toBe(sha256(data));
    expect((await readBlob(restarted, info, key)).equals(data)).toBe(true);
  });

  it('whole records written but not committed (crash before the state file moved) are not counted', async () => {
    const data = randomBytes(3 * SEG);
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: data.length, expectedSha256: sha256(data) });
    await store.appendUpload(id, 0, chunks(data.subarray(0, SEG), SEG), key);
    const committedState = await readFile(stateFile(id));
    await store.appendUpload(id, SEG, chunks(data.subarray(SEG, 2 * SEG), SEG), key);
    await writeFile(stateFile(id), committedState); // the second append's commit never happened
    const restarted = new FileBlobStore(root);
    expect((await restarted.uploadStatus(id)).received).toBe(SEG);
    await restarted.appendUpload(id, SEG, chunks(data.subarray(SEG), 5000), key);
    expect((await restarted.completeUpload(id, key)).sha256).toBe(sha256(data));
  });

  it('after a restart completion decrypts what was stored: a tampered segment → TAMPERED, upload intact', async () => {
    const data = randomBytes(2 * SEG);
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: data.length });
    await store.appendUpload(id, 0, chunks(data, SEG), key);
    const stored = await readFile(dataFile(id));
    stored[200] = (stored[200] as number) ^ 1;
    await writeFile(dataFile(id), stored);
    const restarted = new FileBlobStore(root);
    expect(await codeOf(() => restarted.completeUpload(id, key))).toBe('TAMPERED');
    expect((await readFile(dataFile(id))).equals(stored)).toBe(true);
    expect((await restarted.uploadStatus(id)).received).toBe(data.length);
  });

  it('a data file shorter than its committed length → UPLOAD_CORRUPT; a garbled state file too', async () => {
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 10 * SEG });
    await store.appendUpload(id, 0, chunks(randomBytes(2 * SEG), SEG), key);
    await truncate(dataFile(id), 100);
    expect(await codeOf(() => new FileBlobStore(root).uploadStatus(id))).toBe('UPLOAD_CORRUPT');
    await writeFile(stateFile(id), '{"v":1,"maxBytes":10,"committed":0,"extra":true}');
    expect(await codeOf(() => new FileBlobStore(root).uploadStatus(id))).toBe('UPLOAD_CORRUPT');
  });

  it('a crash during completion (blob moved or not, state file left) is finished by completeUpload', async () => {
    for (const moved of [true, false]) {
      const data = randomBytes(SEG + 1);
      const id = randomUUID();
      await store.createUpload(id, { maxBytes: data.length });
      await store.appendUpload(id, 0, chunks(data, 1000), key);
      const state = JSON.parse(await readFile(stateFile(id), 'utf8')) as Record<string, unknown>;
      const info = await store.completeUpload(id, key);
      const objectPath = join(root, 'objects', info.key.slice(0, 2), info.key.slice(2, 4), info.key);
      // Put the files back as they were between "state records completion" and "state file removed".
      const sealedBytes = await readFile(objectPath);
      await writeFile(
        stateFile(id),
        JSON.stringify({ ...state, committed: sealedBytes.length, completed: info }),
      );
      if (!moved) {
        await copyFile(objectPath, dataFile(id));
        await unlink(objectPath);
      }
      const restarted = new FileBlobStore(root);
      expect((await restarted.uploadStatus(id)).completed).toEqual(info);
      expect(
        await codeOf(() => restarted.appendUpload(id, info.size, chunks(Buffer.from('x'), 1), key)),
      ).toBe('UPLOAD_EXISTS');
      expect(await restarted.completeUpload(id, key)).toEqual(info);
      expect((await readBlob(restarted, info, key)).equals(data)).toBe(true);
      expect(await codeOf(() => restarted.uploadStatus(id))).toBe('NOT_FOUND');
    }
  });

  it('SIGKILL in the middle of an append: only durable bytes count, resuming completes with the digest verified', async () => {
    const id = randomUUID();
    const total = 6 * 1024 * 1024;
    const expected = pattern(0, total);
    const script = join(root, 'child.mts');
    const entry = fileURLToPath(new URL('../src/blobs/index.ts', import.meta.url));
    await writeFile(
      script,
      `import { FileBlobStore } from ${JSON.stringify(entry)};
const [root, id, keyHex] = process.argv.slice(2);
const key = Buffer.from(keyHex, 'hex');
${pattern.toString()}
async function* gen(from, to, slow) {
  for (let at = from; at < to; at += 16384) {
    if (slow) await new Promise((r) => setTimeout(r, 2));
    yield pattern(at, Math.min(to, at + 16384));
  }
}
const store = new FileBlobStore(root, { checkpointBytes: 128 * 1024 });
await store.createUpload(id, { maxBytes: ${total} });
const first = await store.appendUpload(id, 0, gen(0, 300000, false), key);
process.stdout.write('acked ' + first.received + '\\n');
await store.appendUpload(id, first.received, gen(first.received, ${total}, true), key);
process.stdout.write('finished\\n');
`,
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, root, id, Buffer.from(key).toString('hex')],
      {
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    try {
      // Wait until the first append was acknowledged and the second has made a checkpoint durable.
      const deadline = Date.now() + 20_000;
      let ackedState = '';
      for (;;) {
        if (Date.now() > deadline) throw new Error(`child made no progress: ${out} ${err}`);
        if (out.includes('acked')) {
          const state = await readFile(stateFile(id), 'utf8');
          if (ackedState === '') ackedState = state;
          else if (state !== ackedState) break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(out).not.toContain('finished');
    const acked = Number(/acked (\d+)/.exec(out)?.[1]);
    expect(acked).toBe(300_000);

    const restarted = new FileBlobStore(root);
    const { received } = await restarted.uploadStatus(id);
    expect(received).toBeGreaterThan(acked);
    expect(received).toBeLessThan(total);
    await restarted.appendUpload(id, received, chunks(expected.subarray(received), 100_000), key);
    const info = await restarted.completeUpload(id, key);
    expect(info.sha256).toBe(sha256(expected));
    expect((await readBlob(restarted, info, key)).equals(expected)).toBe(true);
  });
});

/** Deterministic bytes [from, to) of a long test stream (also run inside the child process). */
function pattern(from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = (Math.imul(i, 2654435761) >>> 13) & 0xff;
  return out;
}

describe('sweep', () => {
  it('removes stale temporary files and orphan data files, keeps live uploads and fresh files', async () => {
    const key = newDataKey();
    const id = randomUUID();
    await store.createUpload(id, { maxBytes: 10 });
    await store.appendUpload(id, 0, chunks(Buffer.from('abc'), 3), key);
    await store.put(chunks(Buffer.from('x'), 1), key, { maxBytes: 1 });
    await writeFile(join(root, 'tmp', 'put-1-deadbeef'), 'stale');
    await writeFile(join(root, 'uploads', `${randomUUID()}.data`), 'orphan');
    await writeFile(join(root, 'uploads', `.${id}.state.1.abcd.tmp`), 'stale');
    expect(await store.sweep(60_000)).toBe(0); // all fresh
    expect(await store.sweep(60_000, Date.now() + 120_000)).toBe(3);
    expect((await readdir(join(root, 'uploads'))).sort()).toEqual([`${id}.data`, `${id}.state`].sort());
    expect((await store.uploadStatus(id)).received).toBe(3);
  });
});
