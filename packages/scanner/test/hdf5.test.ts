/** HDF5 files end to end: links, external storage, virtual datasets, shape bombs, malformed files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyMutations, mutationsArb } from '../../formats/test/helpers/mutate.js';
import { inspectInWorker } from '../src/checks/hdf5-pool.js';
import { type ScanReport, scan } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/formats/', import.meta.url));
const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const rules = (r: ScanReport) => [...new Set(r.findings.map((f) => f.ruleId))].sort();
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(fixtures, name)));

async function scanBytes(bytes: Uint8Array, name = 'model.h5'): Promise<ScanReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-h5-'));
  writeFileSync(path.join(dir, name), bytes);
  // The file itself, not its directory: directory roots also get a model-signature check.
  return scan([path.join(dir, name)], { digest: false });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('HDF5 references outside the file (CVE-2026-1669)', () => {
  it('reports external links and soft links, never following them', async () => {
    const r = await scan([path.join(fixtures, 'hdf5.links.h5')], { digest: false });
    expect(rules(r)).toEqual(['VAC-HDF-001', 'VAC-HDF-002']);
    expect(r.findings.find((f) => f.ruleId === 'VAC-HDF-001')?.evidence.details?.file).toBe(
      '/tmp/vacsrp-canary-external.h5',
    );
    expect(r.findings.filter((f) => f.ruleId === 'VAC-HDF-002')).toHaveLength(2);
  });

  it('detects external raw-data storage from the open the library attempts', async () => {
    const r = await scan([path.join(fixtures, 'hdf5.external-storage.h5')], { digest: false });
    expect(rules(r)).toEqual(['VAC-HDF-003']);
    expect(r.findings[0]?.evidence.excerpt).toBe('/tmp/vacsrp-canary-raw.bin');
  });

  it('reports virtual datasets mapped from other files', async () => {
    const r = await scan([path.join(fixtures, 'hdf5.virtual.h5')], { digest: false });
    expect(rules(r)).toEqual(['VAC-HDF-004']);
  });

  it('reports a dataset whose declared size is a shape bomb', async () => {
    const r = await scan([path.join(fixtures, 'hdf5.shape-bomb.h5')], { digest: false });
    expect(rules(r)).toEqual(['VAC-HDF-007']);
  });
});

describe('Keras configs in HDF5 attributes', () => {
  it('applies the Keras rules to model_config stored as bytes', async () => {
    const r = await scan([path.join(fixtures, 'hdf5.keras-gadget.h5')], { digest: false });
    expect(rules(r)).toEqual(['VAC-KERAS-002', 'VAC-KERAS-003', 'VAC-KERAS-006']);
    expect(r.findings.find((f) => f.ruleId === 'VAC-KERAS-002')?.severity).toBe('critical');
  });
});

describe('malformed HDF5', () => {
  it('reports a truncated file as unreadable, never clean, and prints nothing', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const whole = new Uint8Array(readFileSync(path.join(corpus, 'benign/keras/weights_only.h5')));
    const r = await scanBytes(whole.subarray(0, 5000));
    expect(rules(r)).toEqual(['VAC-HDF-005']);
    expect(r.artifacts[0]?.status).toBe('skipped');
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
  });

  it('stops the library when a corrupted file makes it loop, and recovers (found by fuzzing)', async () => {
    const file = path.join(fixtures, 'hdf5.hang-vlen.h5');
    const input = { kind: 'file' as const, path: file, size: readFileSync(file).length };
    const outcome = await inspectInWorker(
      { input, location: { artifact: file }, maxDeclaredBytes: 1 << 30 },
      1500,
    );
    expect(outcome).toEqual({ failure: 'the HDF5 library did not finish within 1500 ms' });
    const after = await scan([path.join(fixtures, 'hdf5.virtual.h5')], { digest: false });
    expect(rules(after)).toEqual(['VAC-HDF-004']);
  });

  it('survives mutated files: no throw, a bounded time, never an internal error (fast-check, seed 42)', async () => {
    const seeds = [fixture('hdf5.links.h5'), fixture('hdf5.keras-gadget.h5')];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1), mutationsArb, async (i, m) => {
        const started = performance.now();
        const r = await scanBytes(applyMutations(seeds[i]!, m));
        expect(r.findings.map((f) => f.ruleId)).not.toContain('VAC-SCAN-001');
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { seed: 42, numRuns: 400 },
    );
  }, 30_000);
});
