import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tarEntries } from '../src/tar/reader.js';
import { corpusFile, streamOf, u8 } from './helpers/bytes.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';
import { buildTar, gnuLongMember, paxMember, tarHeader } from './helpers/tar-writer.js';

const LIMITS = { maxEntries: 500, maxResyncBytes: 256 * 1024 };

async function exercise(bytes: Uint8Array, chunk: number) {
  const started = performance.now();
  let items = 0;
  let k = 0;
  for await (const item of tarEntries(streamOf(bytes, chunk), LIMITS)) {
    items++;
    if (item.kind === 'entry' && k++ % 2 === 0) {
      let read = 0;
      for await (const c of item.body) read += c.length;
      expect(read).toBeLessThanOrEqual(item.entry.size);
    }
  }
  expect(items).toBeLessThan(bytes.length / 512 + 10);
  expect(performance.now() - started).toBeLessThan(2000);
}

const seeds: Record<string, Uint8Array> = {
  corpus: u8(zlib.gunzipSync(corpusFile('malicious/archive/model_bundle_tar_slip.tar.gz'))),
  synthetic: buildTar([
    gnuLongMember('long/'.repeat(30)),
    { name: 'x', data: 'abc' },
    paxMember({ path: 'p', size: '4' }),
    { name: 'y', data: 'data' },
    tarHeader({ name: 's', type: 'S', format: 'gnu', patch: (b) => (b[482] = 1) }),
    new Uint8Array(512),
    { name: 'l', type: '2', linkName: 't', base256Size: true },
  ]),
};

describe('tar reader under mutation (fast-check, seed 42)', () => {
  for (const [name, seed] of Object.entries(seeds)) {
    it(`${name}: mutated archives never throw and finish quickly`, async () => {
      await fc.assert(
        fc.asyncProperty(mutationsArb, fc.integer({ min: 1, max: 4096 }), async (mutations, chunk) => {
          await exercise(applyMutations(seed, mutations), chunk);
        }),
        fuzzParams(150),
      );
    });
  }

  it('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => exercise(bytes, 512)),
      fuzzParams(150),
    );
  });
});
