import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompressStream } from '../src/compress/decompress.js';
import type { CompressionKind } from '../src/compress/types.js';
import { bzip2, corpusFile, lzmaAlone, streamOf, textLike, u8, xz } from './helpers/bytes.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';

const LIMITS = { maxOutputBytes: 4 << 20, maxRatio: 500 };
const sample = textLike(20_000);

const seeds: [CompressionKind, Uint8Array][] = [
  ['gzip', corpusFile('malicious/compressed/model.pkl.gz')],
  ['gzip', u8(zlib.gzipSync(sample))],
  ['zlib', u8(zlib.deflateSync(sample))],
  ['deflate-raw', u8(zlib.deflateRawSync(sample))],
  ['bzip2', bzip2(sample)],
  ['xz', xz(sample)],
  ['lzma', lzmaAlone(sample)],
];

async function exercise(kind: CompressionKind, bytes: Uint8Array, chunk: number) {
  const started = performance.now();
  const r = decompressStream(kind, streamOf(bytes, chunk), LIMITS);
  let total = 0;
  for await (const c of r.stream) total += c.length;
  expect(total).toBeLessThanOrEqual(LIMITS.maxOutputBytes);
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('decompressStream under mutation (fast-check, seed 42)', () => {
  seeds.forEach(([kind, seed], i) => {
    it(`${kind} #${i}: mutated input never throws, stays within limits, finishes quickly`, async () => {
      await fc.assert(
        fc.asyncProperty(mutationsArb, fc.integer({ min: 1, max: 8192 }), async (mutations, chunk) => {
          await exercise(kind, applyMutations(seed, mutations), chunk);
        }),
        fuzzParams(kind === 'bzip2' ? 60 : 100),
      );
    });
  });

  it('random bytes for every kind', async () => {
    const kinds: CompressionKind[] = ['gzip', 'zlib', 'deflate-raw', 'bzip2', 'xz', 'lzma'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...kinds), fc.uint8Array({ maxLength: 1024 }), async (kind, bytes) => {
        await exercise(kind, bytes, 256);
      }),
      fuzzParams(200),
    );
  });
});
