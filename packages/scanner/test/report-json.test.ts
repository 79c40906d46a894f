import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderJson } from '../src/report/json.js';
import { REPORT_SCHEMA_ID } from '../src/report/types.js';
import { expectGolden } from './fixtures/report/golden.js';
import { emptyReport, makeReport, sampleArtifacts, sampleFindings } from './fixtures/report/sample-report.js';

// A CommonJS module: under NodeNext its function is the `default` property.
const addFormats = ajvFormats.default;

const schema = JSON.parse(
  readFileSync(new URL('../src/report/scan-report.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('renderJson', () => {
  it('validates against the report schema', () => {
    const validate = validator();
    const ok = validate(JSON.parse(renderJson(makeReport())));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(validate(JSON.parse(renderJson(emptyReport())))).toBe(true);
  });

  it('matches the golden file byte for byte', () => {
    expectGolden('report.json', renderJson(makeReport()));
  });

  it('is independent of the input order of artifacts, findings and evidence details', () => {
    const shuffled = makeReport([...sampleFindings].reverse(), [...sampleArtifacts].reverse());
    expect(renderJson(shuffled)).toBe(renderJson(makeReport()));
  });

  it('sorts artifacts by path and findings by location, ends with a newline and indents by two', () => {
    const out = renderJson(makeReport());
    const parsed = JSON.parse(out) as {
      artifacts: { path: string }[];
      findings: { location: { artifact: string } }[];
    };
    const paths = parsed.artifacts.map((a) => a.path);
    expect(paths).toEqual([...paths].sort());
    const artifacts = parsed.findings.map((f) => f.location.artifact);
    expect(artifacts).toEqual([...artifacts].sort());
    expect(out.endsWith('}\n')).toBe(true);
    expect(out.startsWith('{\n  "schema": ')).toBe(true);
  });

  it('drops properties the schema does not know', () => {
    const report = makeReport();
    const withExtra = {
      ...report,
      secret: 'x',
      artifacts: report.artifacts.map((a) => ({ ...a, internal: 1 })),
    };
    const out = renderJson(withExtra as typeof report);
    expect(out).not.toContain('secret');
    expect(out).not.toContain('internal');
  });

  it('has a schema whose id is the report schema id', () => {
    expect(schema.$id).toBe(REPORT_SCHEMA_ID);
  });

  it.each([
    ['an unknown top-level property', (r: Record<string, unknown>) => ({ ...r, extra: true })],
    ['a malformed rule id', (r: Record<string, unknown>) => patchFinding(r, { ruleId: 'VAC-pkl-1' })],
    ['an unknown severity', (r: Record<string, unknown>) => patchFinding(r, { severity: 'severe' })],
    ['an unknown status', (r: Record<string, unknown>) => patchArtifact(r, { status: 'partial' })],
    ['an upper-case digest', (r: Record<string, unknown>) => patchArtifact(r, { sha256: 'A'.repeat(64) })],
    [
      'an unknown location property',
      (r: Record<string, unknown>) => patchFinding(r, { location: { artifact: 'a', line: 1 } }),
    ],
  ])('rejects %s', (_name, mutate) => {
    const validate = validator();
    const doc = JSON.parse(renderJson(makeReport())) as Record<string, unknown>;
    expect(validate(mutate(doc))).toBe(false);
  });
});

function patchFinding(r: Record<string, unknown>, patch: Record<string, unknown>) {
  const findings = r.findings as Record<string, unknown>[];
  return { ...r, findings: [{ ...findings[0], ...patch }, ...findings.slice(1)] };
}

function patchArtifact(r: Record<string, unknown>, patch: Record<string, unknown>) {
  const artifacts = r.artifacts as Record<string, unknown>[];
  return { ...r, artifacts: [{ ...artifacts[0], ...patch }, ...artifacts.slice(1)] };
}
