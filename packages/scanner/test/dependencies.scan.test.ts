/**
 * `scan()` end to end over dependency files, at the top of a tree and inside an archive.
 *
 * NEEDS THE WIRING (registry.ts lists SUPPLY_RULES; ScanOptions.dataDir → ScanState.advisories;
 * notPickle() calls scanDependencyFile). Skipped until the registry lists the VAC-DEP rules; then it
 * must pass. Remove the skipIf once the wiring is in.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZip } from '../../formats/test/helpers/zip-writer.js';
import type { ScanOptions } from '../src/api.js';
import { scan } from '../src/scan.js';
import { importAdvisories } from '../src/supply/database.js';

let tree: string;
let data: string;

beforeAll(async () => {
  tree = mkdtempSync(join(tmpdir(), 'vacsrp-scan-deps-'));
  data = mkdtempSync(join(tmpdir(), 'vacsrp-scan-data-'));
  await importAdvisories(fileURLToPath(new URL('../../../../shared/standards/osv', import.meta.url)), data);
  writeFileSync(join(tree, 'requirements.txt'), 'transformers==4.29.2\nnumpy\n');
  const lock =
    'version = 1\n\n[[package]]\nname = "joblib"\nversion = "1.1.0"\nsource = { registry = "https://pypi.org/simple" }\n';
  writeFileSync(
    join(tree, 'bundle.zip'),
    buildZip({ members: [{ name: 'app/uv.lock', data: lock, method: 8 }] }),
  );
});
afterAll(() => {
  rmSync(tree, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
});

describe('scan with an advisory database', () => {
  it('matches dependency files at the top of the tree and inside archives', async () => {
    const report = await scan([tree], { digest: false, dataDir: data } as ScanOptions);
    const vuln = report.findings
      .filter((f) => (f.ruleId as string) === 'VAC-DEP-001')
      .map((f) => [
        f.location.artifact.endsWith('requirements.txt') ? 'requirements.txt' : f.location.members?.join('!'),
        f.evidence.details?.advisory,
      ]);
    expect(vuln).toEqual(
      expect.arrayContaining([
        ['requirements.txt', 'GHSA-282v-666c-3fvg'],
        ['app/uv.lock', 'GHSA-6hrg-qmvc-2xh8'],
      ]),
    );
    expect(
      report.findings.some((f) => (f.ruleId as string) === 'VAC-DEP-003' && f.message.includes('numpy')),
    ).toBe(true);
    expect(report.artifacts.find((a) => a.path.endsWith('requirements.txt'))?.format).toBe('requirements');
  });

  it('without a database, notes that dependencies were not checked', async () => {
    const report = await scan([tree], { digest: false });
    expect(report.findings.filter((f) => (f.ruleId as string) === 'VAC-DEP-009')).toHaveLength(2);
  });
});
