/** OSCAL 1.1.3 assessment-results and POA&M: valid against NIST's schemas, deterministic, golden. */
import { criteriaToOscalCatalog, uuidV5 } from '@vacsrp/scanner';
import { describe, expect, it } from 'vitest';
import {
  REPORT_UUID_NAMESPACE,
  renderOscalAssessmentResults,
  renderOscalPoam,
  reportToOscalAssessmentResults,
  reportToOscalPoam,
} from '../src/reports/index.js';
import {
  build,
  catalog,
  emptyReport,
  everyStatusReport,
  expectGolden,
  fixtureReport,
  oscalValidator,
} from './fixtures/reports/helpers.js';
import { INPUT } from './fixtures/reports/input.js';

// biome-ignore lint/suspicious/noExplicitAny: OSCAL documents are walked as untyped JSON in these assertions.
type Any = any;

const validateAr = oscalValidator('assessment-results');
const validatePoam = oscalValidator('poam');
const ar = (r = fixtureReport()): Any => JSON.parse(renderOscalAssessmentResults(r))['assessment-results'];
const poam = (r = fixtureReport()): Any => JSON.parse(renderOscalPoam(r))['plan-of-action-and-milestones'];

describe('OSCAL output', () => {
  it('matches the golden files byte for byte', () => {
    expectGolden('assessment-results.oscal.json', renderOscalAssessmentResults(fixtureReport()));
    expectGolden('poam.oscal.json', renderOscalPoam(fixtureReport()));
  });

  it.each([
    ['the fixture', fixtureReport],
    ['a report with zero findings', emptyReport],
    ['a report with every status', everyStatusReport],
  ])('validates against the OSCAL 1.1.3 schemas: %s', (_name, make) => {
    const r = make();
    expect(validateAr(reportToOscalAssessmentResults(r))).toEqual([]);
    expect(validatePoam(reportToOscalPoam(r))).toEqual([]);
  });

  it('the schema check can fail: a finding without a target, a bad UUID', () => {
    const doc = structuredClone(reportToOscalAssessmentResults(fixtureReport())) as Any;
    delete doc['assessment-results'].results[0].findings[0].target;
    expect(validateAr(doc)).not.toEqual([]);
    const p = structuredClone(reportToOscalPoam(fixtureReport())) as Any;
    p['plan-of-action-and-milestones']['poam-items'][0].uuid = 'not-a-uuid';
    expect(validatePoam(p)).not.toEqual([]);
  });

  it('uses the documented UUID namespace and v5 UUIDs of report id and item id', () => {
    expect(uuidV5('https://vacsrp.dev/ns/oscal/review-report', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(
      REPORT_UUID_NAMESPACE,
    );
    const ns = uuidV5(INPUT.reportId, REPORT_UUID_NAMESPACE);
    const doc = ar();
    expect(doc.uuid).toBe(uuidV5('document:assessment-results', ns));
    expect(doc.results[0].findings.map((f: Any) => f.uuid)).toContain(uuidV5('finding:F-0001', ns));
    // A different report id gives different identities for the same content.
    const other = ar(build({ ...INPUT, reportId: 'rpt-other' }));
    expect(other.uuid).not.toBe(doc.uuid);
  });

  it('is byte-stable and independent of input order', () => {
    const reversed = build({
      ...INPUT,
      findings: [...INPUT.findings].reverse(),
      artifacts: [...INPUT.artifacts].reverse(),
    });
    expect(renderOscalAssessmentResults(reversed)).toBe(renderOscalAssessmentResults(fixtureReport()));
    expect(renderOscalPoam(reversed)).toBe(renderOscalPoam(fixtureReport()));
  });
});

describe('assessment-results', () => {
  it('has one result for the revision with an observation and a finding per finding', () => {
    const doc = ar();
    expect(doc.results).toHaveLength(1);
    const result = doc.results[0];
    expect(result.start).toBe(INPUT.submission.submittedAt);
    expect(result.end).toBe(INPUT.generatedAt);
    expect(result.observations).toHaveLength(5);
    expect(result.findings).toHaveLength(5);
    // False positives stand for no risk.
    expect(result.risks).toHaveLength(4);
  });

  it('targets the criterion statement of the catalog export, with the status the finding implies', () => {
    const statements = new Set<string>();
    const walk = (node: Any): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        if (node.name === 'statement' && typeof node.id === 'string') statements.add(node.id);
        Object.values(node).forEach(walk);
      }
    };
    walk(criteriaToOscalCatalog(catalog));
    const findings = ar().results[0].findings as Any[];
    for (const f of findings) expect(statements.has(f.target['target-id'])).toBe(true);
    const byId = Object.fromEntries(
      findings.map((f) => [f.props.find((p: Any) => p.name === 'finding-id').value, f.target.status.state]),
    );
    expect(byId).toEqual({
      'F-0001': 'not-satisfied',
      'F-0002': 'satisfied',
      'F-0003': 'not-satisfied',
      'F-0004': 'satisfied',
      'F-0005': 'satisfied',
    });
  });

  it('maps statuses to risk statuses and keeps the evidence digests in back matter', () => {
    const doc = ar();
    const status = Object.fromEntries(
      doc.results[0].risks.map((r: Any) => [
        r.props.find((p: Any) => p.name === 'finding-id').value,
        r.status,
      ]),
    );
    expect(status).toEqual({
      'F-0001': 'open',
      'F-0002': 'closed',
      'F-0003': 'deviation-approved',
      'F-0005': 'closed',
    });
    const hashes = doc['back-matter'].resources.flatMap((r: Any) =>
      (r.rlinks ?? []).flatMap((l: Any) => l.hashes.map((h: Any) => h.value)),
    );
    expect(hashes).toContain('a'.repeat(64));
    expect(hashes).toContain('1'.repeat(64));
    // Evidence links point at back-matter resources of this document.
    const resources = new Set(doc['back-matter'].resources.map((r: Any) => `#${r.uuid}`));
    for (const o of doc.results[0].observations) {
      for (const ev of o['relevant-evidence'] ?? [])
        for (const l of ev.links ?? []) expect(resources.has(l.href)).toBe(true);
    }
    expect(resources.has(doc['import-ap'].href)).toBe(true);
  });

  it('records the methods: TEST for automated findings, EXAMINE for manual ones', () => {
    const methods = ar().results[0].observations.map((o: Any) => o.methods[0]);
    expect(methods.sort()).toEqual(['EXAMINE', 'EXAMINE', 'TEST', 'TEST', 'TEST']);
  });
});

describe('POA&M', () => {
  it('has an item per open or risk-accepted finding, the accepted one with its justification', () => {
    const doc = poam();
    const items = doc['poam-items'] as Any[];
    expect(items.map((i) => i.props.find((p: Any) => p.name === 'finding-id').value)).toEqual([
      'F-0001',
      'F-0003',
    ]);
    expect(items[1].description).toContain('The model is deployed only behind an allow-listed tool gateway.');
    const accepted = doc.risks.find((r: Any) => r.status === 'deviation-approved');
    expect(accepted.remediations[0].props).toEqual([{ name: 'type', value: 'accept' }]);
    expect(accepted.remediations[0].description).toContain('allow-listed tool gateway');
    expect(doc.risks.find((r: Any) => r.status === 'open').remediations[0].lifecycle).toBe('recommendation');
  });

  it('identifies the system by submission, not by report', () => {
    const a = poam();
    const b = poam(build({ ...INPUT, reportId: 'rpt-later' }));
    expect(a['system-id'].id).toBe(b['system-id'].id);
    expect(a.uuid).not.toBe(b.uuid);
  });

  it('says so in a single marked item when nothing is open or accepted', () => {
    const doc = poam(emptyReport());
    expect(doc['poam-items']).toHaveLength(1);
    expect(doc['poam-items'][0].props).toEqual([
      { name: 'no-open-items', ns: 'https://vacsrp.dev/ns/oscal', value: 'true' },
    ]);
    expect(doc.risks).toBeUndefined();
  });
});
