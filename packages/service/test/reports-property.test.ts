/** Property tests over random reports: nothing is dropped, every output stays valid. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildReviewReport,
  type ReportFinding,
  type Resolution,
  type ReviewReportInput,
  renderOscalAssessmentResults,
  renderOscalPoam,
  renderReportHtml,
  renderReportJson,
} from '../src/reports/index.js';
import { catalog, oscalValidator, reportSchemaValidator } from './fixtures/reports/helpers.js';
import { INPUT } from './fixtures/reports/input.js';

const criterionIds = catalog.families.flatMap((f) => f.criteria.map((c) => c.id));
const AT = '2026-12-04T08:00:00Z';

// Text with the characters that break naive serialisers: markup, quotes, ampersands, non-ASCII.
const textChar = fc.constantFrom(...'abcXYZ 019<>&"\'/\\.:;-é中🙂');
const line = fc.string({ unit: textChar, minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '');
const paragraph = fc.string({ unit: fc.constantFrom(...'ab <>&"\n\t'), maxLength: 80 });
const nonBlank = paragraph.filter((s) => s.trim() !== '');
const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,20}$/);
const sha = fc.stringMatching(/^[0-9a-f]{64}$/);

const resolutionFor = (status: ReportFinding['status']): fc.Arbitrary<Resolution | undefined> => {
  switch (status) {
    case 'open':
      return fc.constant(undefined);
    case 'remediated':
      return fc.oneof(
        fc.constant<Resolution>({
          kind: 'remediated',
          by: 'r',
          at: AT,
          confirmation: { method: 'rescan', revision: 2 },
        }),
        nonBlank.map<Resolution>((note) => ({
          kind: 'remediated',
          by: 'r',
          at: AT,
          confirmation: { method: 'reviewer', note },
        })),
      );
    case 'risk-accepted':
      return nonBlank.map<Resolution>((justification) => ({
        kind: 'risk-accepted',
        by: 'd',
        at: AT,
        justification,
      }));
    case 'false-positive':
      return nonBlank.map<Resolution>((rationale) => ({
        kind: 'false-positive',
        by: 'r',
        at: AT,
        rationale,
      }));
  }
};

const finding = (findingId: string): fc.Arbitrary<ReportFinding> =>
  fc
    .constantFrom<ReportFinding['status']>('open', 'remediated', 'risk-accepted', 'false-positive')
    .chain((status) =>
      fc
        .record({
          id: fc.constant(findingId),
          source: fc.constantFrom<ReportFinding['source']>('automated', 'manual'),
          criterionId: fc.constantFrom(...criterionIds),
          severity: fc.constantFrom<ReportFinding['severity']>('critical', 'high', 'medium', 'low', 'info'),
          title: line,
          description: paragraph,
          raisedAt: fc.constant('2026-12-01T10:00:00Z'),
          evidence: fc.array(
            fc.record(
              {
                text: nonBlank,
                location: fc.record(
                  { path: line, member: line, offset: fc.nat({ max: 2 ** 40 }) },
                  { requiredKeys: ['path'] },
                ),
                files: fc.array(fc.record({ name: line, sha256: sha }), { maxLength: 2 }),
              },
              { requiredKeys: ['text', 'files'] },
            ),
            { maxLength: 2 },
          ),
          remediation: paragraph,
          status: fc.constant(status),
          resolution: resolutionFor(status),
        })
        .map((f) => {
          const { resolution, ...rest } = f;
          return resolution === undefined ? rest : { ...rest, resolution };
        }),
    );

const input: fc.Arbitrary<ReviewReportInput> = fc
  .uniqueArray(id, { maxLength: 12 })
  .chain((ids) => fc.tuple(...ids.map(finding)))
  .chain((findings) =>
    fc
      .record({
        modelName: line,
        vendorName: line,
        reviewers: fc.array(line, { maxLength: 3 }),
      })
      .map(({ modelName, vendorName, reviewers }) => ({
        ...INPUT,
        submission: { ...INPUT.submission, modelName, vendorName },
        findings,
        signOffs: reviewers.map((reviewer) => ({ reviewer, date: '2026-12-05' })),
      })),
  );

const validateJson = reportSchemaValidator();
const validateAr = oscalValidator('assessment-results');
const validatePoam = oscalValidator('poam');

describe('random reports', () => {
  it('every finding id appears in the JSON and HTML, and in the POA&M when open or accepted; all outputs stay valid', () => {
    fc.assert(
      fc.property(input, (raw) => {
        const built = buildReviewReport(raw, catalog);
        expect(built.ok ? undefined : built.error).toBeUndefined();
        if (!built.ok) return;
        const report = built.value;
        const json = renderReportJson(report);
        const html = renderReportHtml(report);
        const ar = renderOscalAssessmentResults(report);
        const poam = renderOscalPoam(report);
        const poamIds = new Set(
          (
            JSON.parse(poam)['plan-of-action-and-milestones']['poam-items'] as {
              props: { name: string; value: string }[];
            }[]
          ).flatMap((item) => item.props.filter((p) => p.name === 'finding-id').map((p) => p.value)),
        );
        const jsonIds = new Set((JSON.parse(json).findings as { id: string }[]).map((f) => f.id));
        for (const f of raw.findings) {
          expect(jsonIds.has(f.id)).toBe(true);
          expect(html).toContain(`id="finding-${f.id}"`);
          expect(poamIds.has(f.id)).toBe(f.status === 'open' || f.status === 'risk-accepted');
        }
        expect(html).not.toMatch(/<(script|img)\b/);
        expect(validateJson(JSON.parse(json))).toEqual([]);
        expect(validateAr(JSON.parse(ar))).toEqual([]);
        expect(validatePoam(JSON.parse(poam))).toEqual([]);
      }),
      { numRuns: 60, seed: 20261205 },
    );
  });
});
