/**
 * The whole engine on hostile bytes: mutated corpus files (every format, every container) must never
 * make a scan throw, report an internal error, or take more than 2 s for a small file.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scan } from '../src/index.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}
const samples = files(corpus).filter(
  (f) => !f.endsWith('.json') && !f.endsWith('.py') && !f.endsWith('.md') && statSync(f).size < 256 * 1024,
);

type Mutation = {
  kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate';
  at: number;
  value: number;
  length: number;
};

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    switch (m.kind) {
      case 'flip':
        if (out.length > 0) out[at] = out[at]! ^ (1 << (m.value % 8));
        break;
      case 'set':
        if (out.length > 0) out[at] = m.value;
        break;
      case 'insert':
        out = Uint8Array.from([
          ...out.subarray(0, at),
          ...new Array(m.length % 16).fill(m.value),
          ...out.subarray(at),
        ]);
        break;
      case 'delete':
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + (m.length % 64))]);
        break;
      case 'truncate':
        out = out.subarray(0, at);
        break;
    }
  }
  return out;
}

const mutation = fc.record({
  kind: fc.constantFrom('flip', 'set', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  value: fc.integer({ min: 0, max: 255 }),
  length: fc.nat(),
}) as fc.Arbitrary<Mutation>;

describe('scan() on mutated corpus files', () => {
  it('has samples to mutate', () => expect(samples.length).toBeGreaterThan(50));

  it('never throws, never reports an internal error, finishes each file within 2 s', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-fuzz-'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...samples),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (sample, ms) => {
          const target = path.join(dir, path.basename(sample));
          writeFileSync(target, mutate(readFileSync(sample), ms));
          const started = performance.now();
          const report = await scan([target], { digest: false });
          const took = performance.now() - started;
          expect(took).toBeLessThan(2000);
          expect(report.findings.filter((f) => f.ruleId === 'VAC-SCAN-001').map((f) => f.message)).toEqual(
            [],
          );
          expect(report.artifacts.filter((a) => a.status === 'errored')).toEqual([]);
        },
      ),
      { seed: 20261126, numRuns: 300 },
    );
  }, 120_000);
});
