import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGguf } from '../src/gguf/parse.js';
import { BufferSource, type ByteSource } from '../src/source.js';
import { corpusFile } from './helpers/bytes.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';

/** Parses under watch: never throws, finishes fast, reads in bounded windows within the file. */
async function exercise(bytes: Uint8Array) {
  const inner = new BufferSource(bytes);
  let largest = 0;
  const source: ByteSource = {
    size: inner.size,
    read(offset, length) {
      largest = Math.max(largest, length);
      return inner.read(offset, length);
    },
  };
  const started = performance.now();
  const r = await parseGguf(source);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(largest).toBeLessThanOrEqual(Math.max(64 * 1024, bytes.length));
  expect(r.tensors.length).toBeLessThanOrEqual(bytes.length);
  expect(r.metadata.length).toBeLessThanOrEqual(bytes.length);
  for (const u of r.uncovered) expect(u.end).toBeLessThanOrEqual(bytes.length);
}

const seeds = ['benign/gguf/tiny_llama_chatml.gguf', 'malicious/gguf/chat_template_subclasses_popen.gguf'];

describe('GGUF parser under mutation (fast-check, seed 42)', () => {
  for (const seed of seeds) {
    it(`${seed}: mutated files never throw, stay bounded and finish quickly`, async () => {
      const bytes = corpusFile(seed);
      await fc.assert(
        fc.asyncProperty(mutationsArb, async (m) => exercise(applyMutations(bytes, m))),
        fuzzParams(200),
      );
    });
  }

  it('random bytes after the magic and a valid version', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.integer({ min: 1, max: 3 }),
        async (body, version) => {
          const bytes = new Uint8Array(8 + body.length);
          bytes.set([0x47, 0x47, 0x55, 0x46]);
          new DataView(bytes.buffer).setUint32(4, version, true);
          bytes.set(body, 8);
          await exercise(bytes);
        },
      ),
      fuzzParams(300),
    );
  });
});
