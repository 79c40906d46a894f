import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressStream } from '../src/compress/decompress.js';
import type { CompressionKind } from '../src/compress/types.js';
import { BufferSource, sourceStream } from '../src/source.js';
import {
  bzip2,
  corpusFile,
  lzmaAlone,
  pseudoRandom,
  readAll,
  TrackedStream,
  textLike,
  tick,
  u8,
  xz,
} from './helpers/bytes.js';

const LOOSE = { maxOutputBytes: 1 << 30, maxRatio: 1e9 };
const payload = textLike(2 << 20, 3);
const compressed: Record<CompressionKind, Uint8Array> = {
  gzip: u8(zlib.gzipSync(payload, { level: 1 })),
  zlib: u8(zlib.deflateSync(payload, { level: 1 })),
  'deflate-raw': u8(zlib.deflateRawSync(payload, { level: 1 })),
  // bzip2 buffers a whole block before decoding; random bytes keep the stream longer than that.
  bzip2: bzip2(pseudoRandom(1_500_000), 1),
  xz: xz(payload, '-0'),
  lzma: lzmaAlone(payload, '-0'),
};
const kinds = Object.keys(compressed) as CompressionKind[];

describe('decompressStream streaming behaviour', () => {
  for (const kind of kinds) {
    it(`${kind}: breaking out after one chunk closes the input and leaves nothing dangling`, async () => {
      const input = new TrackedStream(compressed[kind], 4096);
      const r = decompressStream(kind, input, LOOSE);
      let seen = 0;
      for await (const chunk of r.stream) {
        seen += chunk.length;
        break;
      }
      expect(seen).toBeGreaterThan(0);
      expect(input.closed).toBe(true);
      expect(input.finished).toBe(false);
      expect(r.anomalies).toEqual([]);
      await tick();
    });
  }

  it('nothing is read before the stream is iterated', async () => {
    const input = new TrackedStream(compressed.gzip);
    decompressStream('gzip', input, LOOSE);
    await tick();
    expect(input.pulled).toBe(0);
  });

  for (const kind of ['gzip', 'zlib', 'deflate-raw', 'xz', 'lzma'] as const) {
    it(`${kind}: a consumer that pauses holds the decoder back (no eager decoding)`, async () => {
      const input = new TrackedStream(compressed[kind], 1024);
      const r = decompressStream(kind, input, LOOSE);
      const iterator = r.stream[Symbol.asyncIterator]();
      await iterator.next();
      await tick();
      await tick();
      // Hundreds of KiB of input are waiting; a decoder racing ahead would have pulled them.
      expect(compressed[kind].length).toBeGreaterThan(200_000);
      expect(input.pulled).toBeLessThan(16 * 1024);
      await iterator.return?.();
      expect(input.closed).toBe(true);
    });
  }

  it('input errors are environment faults and propagate', async () => {
    async function* failing() {
      yield compressed.gzip.subarray(0, 100);
      throw new Error('disk on fire');
    }
    const r = decompressStream('gzip', failing(), LOOSE);
    await expect(readAll(r.stream)).rejects.toThrow('disk on fire');
  });
});

describe('decompressStream on the corpus', () => {
  it('malicious/compressed/model.pkl.gz holds a pickle', async () => {
    const bytes = corpusFile('malicious/compressed/model.pkl.gz');
    const r = decompressStream('gzip', sourceStream(new BufferSource(bytes)), LOOSE);
    const out = await readAll(r.stream);
    expect(r.anomalies).toEqual([]);
    expect(out[0]).toBe(0x80);
    expect(out[out.length - 1]).toBe(0x2e);
  });

  for (const file of [
    'benign/archive/model_bundle.tar.gz',
    'malicious/archive/model_bundle_tar_slip.tar.gz',
  ]) {
    it(`${file} decompresses to a tar stream`, async () => {
      const bytes = corpusFile(file);
      const r = decompressStream('gzip', sourceStream(new BufferSource(bytes)), LOOSE);
      const out = await readAll(r.stream);
      expect(r.anomalies).toEqual([]);
      expect(Buffer.from(out.subarray(257, 262)).toString()).toBe('ustar');
    });
  }
});
