// Slow test (~10-30 s): streams 512 MiB through put/get and 256 MiB through an upload, and checks
// that the process's resident memory stays flat. VACSRP_BLOB_MEMORY_MIB changes the put/get size.
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileBlobStore, newDataKey } from '../src/blobs/index.js';

const MiB = 1024 * 1024;
const TOTAL = Number(process.env.VACSRP_BLOB_MEMORY_MIB ?? 512) * MiB;
/** Allowed RSS growth over the baseline while streaming. */
const BUDGET = 64 * MiB;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vacsrp-blobs-memory-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Random bytes made on the fly into one reused buffer (the store must copy what it keeps). */
async function* generated(total: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(MiB);
  for (let left = total; left > 0; left -= MiB) {
    const chunk = buf.subarray(0, Math.min(MiB, left));
    randomFillSync(chunk);
    hash.update(chunk);
    yield chunk;
  }
}

/** Samples RSS every 20 ms while `work` runs; returns the peak growth over the RSS before it started. */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - base;
}

describe('memory stays flat for any size [slow]', () => {
  const key = newDataKey();

  it(`put and get of ${TOTAL / MiB} MiB, generated on the fly`, { timeout: 300_000 }, async () => {
    const store = new FileBlobStore(root);
    // Warm up code paths and allocator pools so the baseline is not the cold start.
    const warm = createHash('sha256');
    const w = await store.put(generated(4 * MiB, warm), key, { maxBytes: 4 * MiB });
    for await (const _ of await store.get(w.key, key));

    const sent = createHash('sha256');
    let info = { key: '', size: 0, sha256: '' };
    const putGrowth = await peakGrowth(async () => {
      info = await store.put(generated(TOTAL, sent), key, { maxBytes: TOTAL });
    });
    expect(info.size).toBe(TOTAL);
    expect(info.sha256).toBe(sent.digest('hex'));

    const got = createHash('sha256');
    let size = 0;
    const getGrowth = await peakGrowth(async () => {
      for await (const p of await store.get(info.key, key)) {
        got.update(p as Uint8Array);
        size += (p as Uint8Array).length;
      }
    });
    expect(size).toBe(TOTAL);
    expect(got.digest('hex')).toBe(info.sha256);
    expect(putGrowth).toBeLessThan(BUDGET);
    expect(getGrowth).toBeLessThan(BUDGET);
  });

  it('a 256 MiB upload in two appends, completed after a restart (decrypting pass)', {
    timeout: 300_000,
  }, async () => {
    const total = 256 * MiB;
    const id = randomUUID();
    const sent = createHash('sha256');
    let info = { key: '', size: 0, sha256: '' };
    const growth = await peakGrowth(async () => {
      const store = new FileBlobStore(root);
      await store.createUpload(id, { maxBytes: total, expectedSize: total });
      const half = total / 2;
      await store.appendUpload(id, 0, generated(half, sent), key);
      await store.appendUpload(id, half, generated(half, sent), key);
      info = await new FileBlobStore(root).completeUpload(id, key);
    });
    expect(info.sha256).toBe(sent.digest('hex'));
    expect(growth).toBeLessThan(BUDGET);
  });
});
