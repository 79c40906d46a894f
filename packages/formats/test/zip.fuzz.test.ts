import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/source.js';
import { readZipDirectory } from '../src/zip/directory.js';
import { openZipEntry, readZipEntryHead } from '../src/zip/entry-reader.js';
import { ZIP_LIMITS } from '../src/zip/types.js';
import { corpusFile, textLike } from './helpers/bytes.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';
import { buildZip } from './helpers/zip-writer.js';

const READ = { maxBytes: 1 << 20, maxRatio: 200 };

/** Lists, then reads every entry under limits; returns what it saw. Must never throw. */
async function exercise(bytes: Uint8Array) {
  const started = performance.now();
  const source = new BufferSource(bytes);
  const dir = await readZipDirectory(source);
  expect(dir.anomalies.length).toBeLessThanOrEqual(ZIP_LIMITS.maxAnomalies + 1);
  for (const entry of dir.entries.slice(0, 20)) {
    const reader = openZipEntry(source, entry, READ);
    let total = 0;
    for await (const chunk of reader.stream) total += chunk.length;
    expect(total).toBeLessThanOrEqual(READ.maxBytes);
    expect((await readZipEntryHead(source, entry, 16)).length).toBeLessThanOrEqual(16);
  }
  expect(performance.now() - started).toBeLessThan(2000);
  return dir;
}

const seeds: Record<string, Uint8Array> = {
  torch: corpusFile('benign/pytorch/mlp_state_dict.pt'),
  bundle: corpusFile('benign/archive/model_bundle.zip'),
  keras: corpusFile('benign/keras/dense_classifier.keras'),
  synthetic: buildZip({
    members: [
      { name: 'a.pkl', data: textLike(3000), method: 8, descriptor: {} },
      { name: 'big', data: new Uint8Array(300_000), method: 8, zip64: true },
      { name: 'b', data: 'stored', descriptor: { signature: false } },
    ],
    zip64: true,
    comment: 'c',
  }),
};

describe('zip parsers under mutation (fast-check, seed 42)', () => {
  for (const [name, seed] of Object.entries(seeds)) {
    it(`${name}: mutated archives never throw, stay bounded and finish quickly`, async () => {
      await fc.assert(
        fc.asyncProperty(mutationsArb, async (mutations) => {
          await exercise(applyMutations(seed, mutations));
        }),
        fuzzParams(120),
      );
    });
  }

  it('random bytes, bare or framed by a local header signature and an end record with random fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 })),
        async (bytes, eocdFields) => {
          const input = eocdFields
            ? Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...bytes, 0x50, 0x4b, 0x05, 0x06, ...eocdFields, 0, 0])
            : bytes;
          await exercise(input);
        },
      ),
      fuzzParams(150),
    );
  });
});
