/**
 * The shared corpus as a specification: every malicious sample of the families this release covers is
 * flagged at medium or higher under default settings, and no benign sample yields anything at medium
 * or higher. The corpus is a sample of the techniques, not the list: nothing here names a file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { atLeast, type Finding, type ScanReport, scan } from '../src/index.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
interface Entry {
  path: string;
  expected: 'malicious' | 'benign';
  category: string;
  technique: string;
}
const manifest = JSON.parse(readFileSync(path.join(corpus, 'manifest.json'), 'utf8')) as { files: Entry[] };

let report: ScanReport;
const byArtifact = new Map<string, Finding[]>();

beforeAll(async () => {
  report = await scan([corpus], { digest: false });
  for (const f of report.findings) {
    const key = path.relative(corpus, f.location.artifact);
    byArtifact.set(key, [...(byArtifact.get(key) ?? []), f]);
  }
}, 120_000);

describe('malicious corpus samples are flagged at medium or higher', () => {
  const cases = manifest.files.filter((f) => f.expected === 'malicious');
  it('covers every family of the corpus', () => expect(cases.length).toBeGreaterThan(50));
  it.each(cases.map((c) => [c.path, c.technique] as const))('%s', (file) => {
    const found = (byArtifact.get(file) ?? []).filter((f) => atLeast(f.severity, 'medium'));
    expect(
      found.map((f) => f.ruleId),
      `technique not detected`,
    ).not.toHaveLength(0);
  });
});

describe('benign corpus samples yield nothing at medium or higher', () => {
  const cases = manifest.files.filter((f) => f.expected === 'benign');
  it.each(cases.map((c) => [c.path] as const))('%s', (file) => {
    const loud = (byArtifact.get(file) ?? []).filter((f) => atLeast(f.severity, 'medium'));
    expect(loud.map((f) => `${f.ruleId} ${f.message}`)).toEqual([]);
  });
});

describe('every corpus file is accounted for', () => {
  it('lists each file once as scanned, skipped or errored, none errored', () => {
    for (const f of manifest.files) {
      const rec = report.artifacts.filter((a) => path.relative(corpus, a.path) === f.path);
      expect(rec, f.path).toHaveLength(1);
      expect(rec[0]!.status, f.path).not.toBe('errored');
    }
  });
});
