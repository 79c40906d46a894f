/** buildReviewReport (checks, projection, order), buildCoverage (the rule) and the executive summary. */
import { describe, expect, it } from 'vitest';
import {
  buildCoverage,
  buildReviewReport,
  type CoverageCriterion,
  type CoverageFinding,
  REPORT_LIMITS,
  type ReportErrorCode,
  type ReportFinding,
  type ReviewerOutcome,
  type ReviewReportInput,
  renderReportJson,
} from '../src/reports/index.js';
import { catalog, fixtureReport } from './fixtures/reports/helpers.js';
import { FINDINGS, INPUT } from './fixtures/reports/input.js';

const criteria: CoverageCriterion[] = [
  {
    family: { id: 'MI' },
    criterion: { id: 'MI-1', title: 'Automated', testing: { automated: ['VAC-X-001'] } },
  },
  { family: { id: 'AR' }, criterion: { id: 'AR-1', title: 'Manual only', testing: { automated: [] } } },
];
const scan = { id: 'scan-1', completedAt: '2026-12-01T00:00:00Z' };
const f = (id: string, criterionId: string, status: CoverageFinding['status']): CoverageFinding => ({
  id,
  criterionId,
  status,
});
const said = (criterionId: string, outcome: ReviewerOutcome['outcome']): ReviewerOutcome => ({
  criterionId,
  outcome,
  reviewer: 'R',
  note: 'n',
});
const outcomes = (...args: Parameters<typeof buildCoverage>) =>
  Object.fromEntries(buildCoverage(...args).map((c) => [c.criterionId, c.outcome]));

describe('buildCoverage', () => {
  it('an open finding makes a criterion not met, whatever else holds', () => {
    expect(
      outcomes(
        criteria,
        [f('a', 'MI-1', 'open'), f('b', 'MI-1', 'risk-accepted')],
        [said('MI-1', 'met')],
        [scan],
      ),
    ).toMatchObject({ 'MI-1': 'not-met' });
  });

  it('a reviewer recording not-met makes it not met without a finding', () => {
    expect(outcomes(criteria, [], [said('AR-1', 'not-met')], [])).toMatchObject({ 'AR-1': 'not-met' });
  });

  it('only accepted risks (no open finding) give risk-accepted, even with remediated ones beside them', () => {
    expect(
      outcomes(criteria, [f('a', 'AR-1', 'risk-accepted'), f('b', 'AR-1', 'remediated')], [], []),
    ).toMatchObject({
      'AR-1': 'risk-accepted',
    });
  });

  it('not-applicable from a reviewer wins over met but not over an accepted risk', () => {
    expect(outcomes(criteria, [], [said('AR-1', 'not-applicable'), said('AR-1', 'met')], [])).toMatchObject({
      'AR-1': 'not-applicable',
    });
    expect(
      outcomes(criteria, [f('a', 'AR-1', 'risk-accepted')], [said('AR-1', 'not-applicable')], []),
    ).toMatchObject({
      'AR-1': 'risk-accepted',
    });
  });

  it('automated rules count as tested only when a scan ran', () => {
    expect(outcomes(criteria, [], [], [scan])).toEqual({ 'MI-1': 'met', 'AR-1': 'not-tested' });
    expect(outcomes(criteria, [], [], [])).toEqual({ 'MI-1': 'not-tested', 'AR-1': 'not-tested' });
  });

  it('remediated findings show testing; false positives alone do not', () => {
    expect(outcomes(criteria, [f('a', 'AR-1', 'remediated')], [], [])).toMatchObject({ 'AR-1': 'met' });
    expect(outcomes(criteria, [f('a', 'AR-1', 'false-positive')], [], [])).toMatchObject({
      'AR-1': 'not-tested',
    });
    expect(outcomes(criteria, [f('a', 'AR-1', 'false-positive')], [said('AR-1', 'met')], [])).toMatchObject({
      'AR-1': 'met',
    });
  });

  it('lists the evidence: finding ids sorted, scans only for criteria with automated rules, reviewer notes', () => {
    const [mi, ar] = buildCoverage(
      criteria,
      [f('z', 'MI-1', 'open'), f('a', 'MI-1', 'remediated')],
      [said('AR-1', 'met')],
      [{ id: 'scan-2', completedAt: scan.completedAt }, scan],
    );
    expect(mi?.evidence).toEqual({
      findingIds: ['a', 'z'],
      scanIds: ['scan-1', 'scan-2'],
      reviewerNotes: [],
    });
    expect(ar?.evidence).toEqual({
      findingIds: [],
      scanIds: [],
      reviewerNotes: [{ reviewer: 'R', outcome: 'met', note: 'n' }],
    });
  });

  it('keeps catalog order and covers every criterion of the real catalog', () => {
    const entries = catalog.families.flatMap((family) =>
      family.criteria.map((criterion) => ({ family, criterion })),
    );
    const rows = buildCoverage(entries, [], [], []);
    expect(rows.map((r) => r.criterionId)).toEqual(entries.map((e) => e.criterion.id));
    expect(rows.length).toBeGreaterThan(25);
  });
});

describe('buildReviewReport: derived parts', () => {
  it('derives counts by severity and status, family outcomes and a plain-words statement', () => {
    const r = fixtureReport();
    expect(r.summary.findings.total).toBe(5);
    expect(r.summary.findings.byStatus).toEqual({
      open: 1,
      remediated: 2,
      'risk-accepted': 1,
      'false-positive': 1,
    });
    expect(r.summary.findings.bySeverity.map((row) => row.severity)).toEqual([
      'critical',
      'high',
      'medium',
      'low',
      'info',
    ]);
    expect(r.summary.findings.bySeverity[0]).toEqual({
      severity: 'critical',
      total: 1,
      byStatus: { open: 1, remediated: 0, 'risk-accepted': 0, 'false-positive': 0 },
    });
    const family = Object.fromEntries(r.summary.families.map((x) => [x.id, x.outcome]));
    expect(family).toMatchObject({ MI: 'not-met', SC: 'not-tested', AR: 'risk-accepted', DT: 'not-met' });
    const byOutcome = r.summary.criteria.byOutcome;
    expect(Object.values(byOutcome).reduce((a, b) => a + b, 0)).toBe(r.coverage.length);
    expect(r.summary.statement).toContain('1 finding of 5 remains open (1 critical)');
    expect(r.summary.statement).toContain('2 not met (MI-1, DT-5)');
    expect(r.summary.statement).toContain('1 met only with an accepted risk (AR-3)');
    expect(r.summary.statement).not.toMatch(/score/i);
  });

  it('says so when nothing is open, and when there are no findings', () => {
    const closed = buildReviewReport(
      { ...INPUT, findings: FINDINGS.filter((x) => x.status !== 'open') },
      catalog,
    );
    expect(closed.ok && closed.value.summary.statement).toContain(
      'No finding is open: of 4 findings, 2 remediated; 1 accepted as a risk by the developer; 1 found to be false positives.',
    );
    const none = buildReviewReport({ ...INPUT, findings: [] }, catalog);
    expect(none.ok && none.value.summary.statement).toContain('The review raised no findings.');
  });

  it('orders findings by severity then id, artifacts by path, sign-offs by date then name', () => {
    const r = fixtureReport();
    expect(r.findings.map((x) => x.id)).toEqual(['F-0001', 'F-0002', 'F-0003', 'F-0004', 'F-0005']);
    expect(r.scope.artifacts.map((a) => a.path)).toEqual([
      'config.json',
      'requirements.txt',
      'weights/model.pt',
    ]);
    expect(r.signOffs.map((s) => s.reviewer)).toEqual(['Ada Reviewer', 'Grace Reviewer']);
  });

  it('gives the same bytes whatever order the service listed its rows in', () => {
    const reversed: ReviewReportInput = {
      ...INPUT,
      findings: [...INPUT.findings].reverse(),
      artifacts: [...INPUT.artifacts].reverse(),
      reviewerOutcomes: [...INPUT.reviewerOutcomes].reverse(),
      signOffs: [...INPUT.signOffs].reverse(),
    };
    const a = buildReviewReport(INPUT, catalog);
    const b = buildReviewReport(reversed, catalog);
    expect(a.ok && b.ok && renderReportJson(a.value) === renderReportJson(b.value)).toBe(true);
  });

  it('copies only the report fields: extra properties on store rows do not ride along', () => {
    const row = { ...FINDINGS[0], organisationId: 'org-secret', comments: ['internal'] } as ReportFinding;
    const r = buildReviewReport({ ...INPUT, findings: [row] }, catalog);
    expect(r.ok).toBe(true);
    if (r.ok) expect(renderReportJson(r.value)).not.toContain('org-secret');
  });
});

describe('buildReviewReport: refusals', () => {
  const first = FINDINGS[0]!;
  const refused = (input: ReviewReportInput): { code: ReportErrorCode; field: string } => {
    const r = buildReviewReport(input, catalog);
    if (r.ok) throw new Error('expected a refusal');
    return { code: r.error.code, field: r.error.field };
  };
  const withFinding = (over: Partial<ReportFinding>): ReviewReportInput => ({
    ...INPUT,
    findings: [{ ...first, ...over } as ReportFinding],
  });

  it.each<[string, ReviewReportInput, ReportErrorCode, string]>([
    [
      'unknown criterion',
      withFinding({ criterionId: 'XX-9' }),
      'UNKNOWN_CRITERION',
      '/findings/0/criterionId',
    ],
    [
      'open with a resolution',
      withFinding({ resolution: FINDINGS[2]!.resolution }),
      'STATUS_RESOLUTION_MISMATCH',
      '/findings/0/resolution',
    ],
    [
      'resolved without one',
      withFinding({ status: 'remediated' }),
      'STATUS_RESOLUTION_MISMATCH',
      '/findings/0/resolution',
    ],
    [
      'resolution kind differs from status',
      withFinding({ status: 'false-positive', resolution: FINDINGS[2]!.resolution }),
      'STATUS_RESOLUTION_MISMATCH',
      '/findings/0/resolution/kind',
    ],
    [
      'blank justification',
      withFinding({
        status: 'risk-accepted',
        resolution: { kind: 'risk-accepted', by: 'x', at: INPUT.generatedAt, justification: '  ' },
      }),
      'INVALID_TEXT',
      '/findings/0/resolution/justification',
    ],
    [
      'bad digest',
      withFinding({ evidence: [{ text: 't', files: [{ name: 'n', sha256: 'ABC' }] }] }),
      'INVALID_DIGEST',
      '/findings/0/evidence/0/files/0/sha256',
    ],
    ['duplicate finding id', { ...INPUT, findings: [first, first] }, 'DUPLICATE_ID', '/findings/1'],
    ['bad finding id', withFinding({ id: 'has space' }), 'INVALID_ID', '/findings/0/id'],
    ['control character in a title', withFinding({ title: 'a\u0007b' }), 'INVALID_TEXT', '/findings/0/title'],
    ['line break in a title', withFinding({ title: 'a\nb' }), 'INVALID_TEXT', '/findings/0/title'],
    ['lone surrogate', withFinding({ description: 'x\uD800y' }), 'INVALID_TEXT', '/findings/0/description'],
    [
      'timestamp without offset',
      { ...INPUT, generatedAt: '2026-12-05T16:00:00' },
      'INVALID_TIMESTAMP',
      '/generatedAt',
    ],
    [
      'sign-off date',
      { ...INPUT, signOffs: [{ reviewer: 'R', date: '5 Dec 2026' }] },
      'INVALID_DATE',
      '/signOffs/0/date',
    ],
    [
      'revision 0',
      { ...INPUT, submission: { ...INPUT.submission, revision: 0 } },
      'INVALID_NUMBER',
      '/submission/revision',
    ],
    [
      'program URL with credentials',
      { ...INPUT, program: { ...INPUT.program, url: 'https://u:p@example.gov/' } },
      'INVALID_URL',
      '/program/url',
    ],
    [
      'javascript: URL',
      { ...INPUT, program: { ...INPUT.program, url: 'javascript:alert(1)' } },
      'INVALID_URL',
      '/program/url',
    ],
    [
      'reviewer outcome for an unknown criterion',
      { ...INPUT, reviewerOutcomes: [{ criterionId: 'ZZ-1', outcome: 'met', reviewer: 'R', note: 'n' }] },
      'UNKNOWN_CRITERION',
      '/reviewerOutcomes/0/criterionId',
    ],
    [
      'rescan of a later revision than the report',
      withFinding({
        status: 'remediated',
        resolution: {
          kind: 'remediated',
          by: 'r',
          at: INPUT.generatedAt,
          confirmation: { method: 'rescan', revision: 3 },
        },
      }),
      'INVALID_NUMBER',
      '/findings/0/resolution/confirmation/revision',
    ],
  ])('refuses %s', (_name, input, code, field) => {
    expect(refused(input)).toEqual({ code, field });
  });

  it('enforces the limits with the limit and the actual count', () => {
    const many = Array.from({ length: REPORT_LIMITS.findings + 1 }, (_, i) => ({ ...first, id: `F-${i}` }));
    const r = buildReviewReport({ ...INPUT, findings: many }, catalog);
    expect(r.ok ? undefined : r.error).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      field: '/findings',
      limit: REPORT_LIMITS.findings,
      actual: REPORT_LIMITS.findings + 1,
    });
    const long = buildReviewReport(
      withFinding({ description: 'x'.repeat(REPORT_LIMITS.paragraph + 1) }),
      catalog,
    );
    expect(long.ok ? undefined : long.error).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      field: '/findings/0/description',
    });
  });
});
