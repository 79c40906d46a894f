import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { atLeast, type Finding, renderJson, renderSarif, scan } from '../src/index.js';
import { expectGolden } from './fixtures/report/golden.js';
import { bytes, global } from './helpers/pickles.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(corpus, 'manifest.json'), 'utf8')) as {
  files: { path: string; expected: string; category: string }[];
};
const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function st(header: unknown, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

async function scanBytes(name: string, content: Uint8Array): Promise<readonly Finding[]> {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return (await scan([file], { digest: false })).findings;
}

const loud = (fs: readonly Finding[]) => fs.filter((f) => atLeast(f.severity, 'medium'));

describe('safetensors check', () => {
  const samples = manifest.files.filter((f) => f.category === 'safetensors');
  it.each(samples.map((s) => [s.path, s.expected] as const))('%s is %s', async (file, expected) => {
    const findings = loud((await scan([path.join(corpus, file)], { digest: false })).findings);
    if (expected === 'malicious') expect(findings.map((f) => f.ruleId)).not.toHaveLength(0);
    else expect(findings).toEqual([]);
  });

  it('benign archives holding safetensors stay quiet', async () => {
    const report = await scan([path.join(corpus, 'benign/archive')], { digest: false });
    expect(loud(report.findings)).toEqual([]);
  });

  it('analyses a payload hidden between tensors, and raises the gap', async () => {
    const payload = bytes([0x80, 0x02], global('os', 'system'), '(X\x02\x00\x00\x00idtR.');
    const gapSize = payload.length;
    const data = new Uint8Array(8 + gapSize);
    data.set(payload, 4);
    const header = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      b: { dtype: 'F32', shape: [1], data_offsets: [4 + gapSize, 8 + gapSize] },
    };
    const findings = await scanBytes('gap.safetensors', st(header, data));
    const gap = findings.find((f) => f.ruleId === 'VAC-ST-007');
    expect(gap?.severity).toBe('high');
    const nested = findings.find((f) => f.ruleId === 'VAC-PKL-001');
    expect(nested?.location.members?.[0]).toMatch(/^uncovered bytes @\d+$/);
    expect(nested?.severity).toBe('critical');
  });

  it('keeps plain padding-like gaps at medium', async () => {
    const header = { a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } };
    const findings = await scanBytes('trailing.safetensors', st(header, new Uint8Array(12)));
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['VAC-ST-007', 'medium']]);
  });

  it('validates streamed content (a gzip member) the same way', async () => {
    const file = path.join(corpus, 'malicious/safetensors/duplicate_keys.safetensors');
    const findings = await scanBytes(
      'dup.safetensors.gz',
      new Uint8Array(gzipSync(new Uint8Array(readFileSync(file)))),
    );
    expect(findings.map((f) => f.ruleId)).toContain('VAC-ST-002');
  });

  it('matches the golden JSON and SARIF reports', async () => {
    const file = path.relative(
      process.cwd(),
      path.join(corpus, 'malicious/safetensors/duplicate_keys.safetensors'),
    );
    const report = await scan([file], { digest: true, now: () => new Date(0) });
    expectGolden('../formats/safetensors.json', renderJson(report));
    expectGolden('../formats/safetensors.sarif', renderSarif(report));
  });
});
