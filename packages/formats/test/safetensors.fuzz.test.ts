import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../src/safetensors/header.js';
import { parseStrictJson } from '../src/safetensors/json.js';
import { BufferSource, type ByteSource } from '../src/source.js';
import { corpusFile } from './helpers/bytes.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';

/** Parses under watch: never throws, finishes fast, never asks for more bytes than the file holds. */
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
  const r = await parseSafetensors(source);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(largest).toBeLessThanOrEqual(Math.max(8, bytes.length));
  for (const u of r.uncovered) {
    expect(u.start).toBeGreaterThanOrEqual(0);
    expect(u.end).toBeLessThanOrEqual(bytes.length);
    expect(u.start).toBeLessThan(u.end);
  }
}

const seeds = [
  'benign/safetensors/mlp.safetensors',
  'malicious/safetensors/duplicate_keys.safetensors',
  'malicious/safetensors/overlapping_offsets.safetensors',
  'malicious/safetensors/metadata_non_string.safetensors',
];

describe('safetensors parser under mutation (fast-check, seed 42)', () => {
  for (const seed of seeds) {
    it(`${seed}: mutated files never throw, stay bounded and finish quickly`, async () => {
      const bytes = corpusFile(seed);
      await fc.assert(
        fc.asyncProperty(mutationsArb, async (m) => exercise(applyMutations(bytes, m))),
        fuzzParams(150),
      );
    });
  }

  it('random bytes behind a plausible length field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 1024 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        async (body, n) => {
          const bytes = new Uint8Array(8 + body.length);
          new DataView(bytes.buffer).setBigUint64(0, n % 4n === 0n ? BigInt(body.length) : n, true);
          bytes.set(body, 8);
          await exercise(bytes);
        },
      ),
      fuzzParams(300),
    );
  });

  it('arbitrary JSON-ish text never throws the strict parser', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ maxLength: 300 })), (text) => {
        const r = parseStrictJson(new TextEncoder().encode(text), { maxDepth: 16, maxValues: 10_000 });
        if (r.value === undefined) expect(r.anomalies.length).toBeGreaterThan(0);
      }),
      fuzzParams(500),
    );
  });
});
