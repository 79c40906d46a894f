/**
 * Protobuf model detection on hostile bytes: mutated ONNX and TensorFlow corpus files, and random
 * bytes, never make the analysis throw and never take more than 2 s for a small case.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyMutations, mutationsArb } from '../../formats/test/helpers/mutate.js';
import { analyseBytes, CORPUS } from './helpers/graphs.js';

const samples = [
  'benign/onnx/mlp.onnx',
  'benign/onnx/mlp_external/mlp_external.onnx',
  'malicious/onnx/external_data_path_traversal.onnx',
  'malicious/onnx/custom_domain_operator.onnx',
  'benign/tensorflow/dense_relu/saved_model.pb',
  'malicious/tensorflow/readfile_printv2/saved_model.pb',
].map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(`${CORPUS}${f}`)) }));

describe('protobuf model detection under mutation (seeded)', () => {
  it('never throws on mutated models, named as the original or as data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: samples.length - 1 }),
        mutationsArb,
        fc.boolean(),
        async (i, muts, keepName) => {
          const s = samples[i]!;
          const started = performance.now();
          // analyse() is called directly, so any exception fails the property.
          await analyseBytes(applyMutations(s.bytes, muts), keepName ? `${CORPUS}${s.name}` : 'blob.bin');
          expect(performance.now() - started).toBeLessThan(2000);
        },
      ),
      { seed: 31337, numRuns: 250 },
    );
  });

  it('never claims random bytes as a model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), async (b) => {
        const r = await analyseBytes(b, 'blob.bin');
        expect(r.format).not.toMatch(/^(onnx|tf-)/);
      }),
      { seed: 31338, numRuns: 300 },
    );
  });
});
