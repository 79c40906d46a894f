/**
 * The public dashboard from the store, on both stores: a program of a few organisations publishes
 * nothing about them (a canary count never appears in the JSON, CSV or SVG), a program of 66
 * organisations seeded straight into the tables publishes cells equal to the true aggregates, the
 * dashboard is cached for a minute, and the routes serve exactly the library's exports.
 */
import { findCriterion, RULES, type RuleId } from '@vacsrp/scanner';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearStatisticsCache,
  DASHBOARD_CACHE_MS,
  dashboardChartFor,
  dashboardFor,
} from '../src/app/statistics.js';
import { dashboardToJson, tablesToCsv } from '../src/dashboard/export.js';
import { type DashboardTable, METRICS } from '../src/dashboard/metrics.js';
import { type AuditEntry, type AuditEvent, appendEntry } from '../src/domain/audit.js';
import { SVG_CONTENT_SECURITY_POLICY } from '../src/http/routes/statistics.js';
import { verifyAudit } from '../src/store/audit.js';
import type { Database } from '../src/store/schema.js';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';

/** A clock the test can move forward. */
function movableClock(start: string) {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

interface PlannedOrganisation {
  readonly id: string;
  readonly type: string;
  /** As stored (the store's bands are finer than the published ones). */
  readonly storedBand: string;
  readonly publishedBand: string;
  readonly storedSector: string;
  readonly publishedSector: string;
}

interface PlannedFinding {
  readonly id: string;
  readonly criterionId: string;
  readonly ruleId: string | null;
  readonly state: 'open' | 'remediated' | 'risk-accepted' | 'false-positive';
}

interface PlannedSubmission {
  readonly id: string;
  readonly organisationId: string;
  readonly createdAt: string;
  readonly submittedAt?: string;
  readonly completedAt?: string;
  readonly withdrawnAt?: string;
  readonly state: string;
  readonly acceptedRisks: boolean;
  readonly findings: readonly PlannedFinding[];
}

interface Plan {
  readonly organisations: readonly PlannedOrganisation[];
  readonly submissions: readonly PlannedSubmission[];
}

const day = (iso: string, days: number): string =>
  new Date(Date.parse(iso) + days * 86_400_000).toISOString();

/**
 * Writes a planned program straight into the tables (batched inserts) with the audit events that
 * date its submissions, appended to the hash chain in one go so the chain still verifies.
 */
async function seedPlan(db: Kysely<Database>, plan: Plan): Promise<void> {
  const batches = async <T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>) => {
    for (let i = 0; i < rows.length; i += 400) await insert(rows.slice(i, i + 400) as T[]);
  };
  await db.transaction().execute(async (tx) => {
    await batches(plan.organisations, (chunk) =>
      tx
        .insertInto('organisations')
        .values(
          chunk.map((o) => ({
            id: o.id,
            name: `Organisation ${o.id}`,
            type: o.type,
            size_band: o.storedBand,
            sector: o.storedSector,
            related_ids: '[]',
            created_at: '2025-01-01T00:00:00.000Z',
          })),
        )
        .execute(),
    );
    await batches(plan.submissions, (chunk) =>
      tx
        .insertInto('submissions')
        .values(
          chunk.map((s) => ({
            id: s.id,
            organisation_id: s.organisationId,
            model_name: `model-${s.id}`,
            model_version: '1.0.0',
            state: s.state,
            reviewers: '[]',
            sign_offs: '[]',
            wrapped_key: 'not-used',
            created_by: 'seed',
            created_at: s.createdAt,
            updated_at: s.completedAt ?? s.withdrawnAt ?? s.submittedAt ?? s.createdAt,
            version: 1,
          })),
        )
        .execute(),
    );
    const findings = plan.submissions.flatMap((s) => s.findings.map((f) => ({ s, f })));
    await batches(findings, (chunk) =>
      tx
        .insertInto('findings')
        .values(
          chunk.map(({ s, f }) => ({
            id: f.id,
            submission_id: s.id,
            organisation_id: s.organisationId,
            revision: 1,
            source: f.ruleId === null ? 'manual' : 'automated',
            scan_id: null,
            rule_id: f.ruleId,
            criterion_id: f.criterionId,
            severity: 'medium',
            title: 'seeded',
            description: 'seeded',
            location: '{}',
            evidence: '{}',
            remediation: 'seeded',
            state: f.state,
            resolution: null,
            created_by: 'seed',
            created_at: s.submittedAt ?? s.createdAt,
          })),
        )
        .execute(),
    );
    const decisions = plan.submissions.filter((s) => s.acceptedRisks);
    await batches(decisions, (chunk) =>
      tx
        .insertInto('decisions')
        .values(
          chunk.map((s) => ({
            id: `decision-${s.id}`,
            submission_id: s.id,
            revision: 1,
            kind: 'proceed',
            accepted_finding_ids: JSON.stringify(
              s.findings.filter((f) => f.state === 'risk-accepted').map((f) => f.id),
            ),
            justification: 'seeded',
            by: 'seed',
            at: s.completedAt ?? s.createdAt,
          })),
        )
        .execute(),
    );
    const events: AuditEvent[] = [];
    const event = (what: string, id: string, when: string): AuditEvent => ({
      who: 'seed',
      role: 'administrator',
      what,
      when,
      object: { kind: 'submission', id },
      detail: {},
      where: 'seed',
    });
    for (const s of plan.submissions) {
      if (s.submittedAt !== undefined) events.push(event('submission.submit', s.id, s.submittedAt));
      if (s.completedAt !== undefined) events.push(event('submission.complete', s.id, s.completedAt));
      if (s.withdrawnAt !== undefined) events.push(event('submission.withdraw', s.id, s.withdrawnAt));
    }
    const tip = await tx.selectFrom('audit_tip').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    let previous: AuditEntry | undefined =
      Number(tip.seq) < 0
        ? undefined
        : { seq: Number(tip.seq), hash: tip.hash, prevHash: '', event: events[0]! };
    const entries: AuditEntry[] = [];
    for (const e of events) {
      previous = appendEntry(previous, e);
      entries.push(previous);
    }
    await batches(entries, (chunk) =>
      tx
        .insertInto('audit_log')
        .values(
          chunk.map((e) => ({
            seq: e.seq,
            prev_hash: e.prevHash,
            hash: e.hash,
            event: JSON.stringify(e.event),
          })),
        )
        .execute(),
    );
    if (previous !== undefined)
      await tx
        .updateTable('audit_tip')
        .set({ seq: previous.seq, hash: previous.hash })
        .where('id', '=', 1)
        .execute();
  });
}

const TYPES = ['large-company', 'small-business', 'academic-lab'] as const;
const QUARTER_STARTS = [
  '2026-11-03T10:00:00.000Z',
  '2027-02-02T10:00:00.000Z',
  '2027-05-04T10:00:00.000Z',
  '2027-08-03T10:00:00.000Z',
];

/**
 * 66 organisations in three groups large enough to publish: each has one FY2026 completion and one
 * FY2027 submission (quarter, status and findings vary with its number); every fifth also has a
 * draft, which counts nowhere.
 */
function bigProgram(prefix: string): Plan {
  const organisations: PlannedOrganisation[] = [];
  const submissions: PlannedSubmission[] = [];
  for (let i = 0; i < 66; i++) {
    const group = i < 24 ? 0 : i < 46 ? 1 : 2;
    const org: PlannedOrganisation = [
      {
        storedBand: '1000+',
        publishedBand: '1000+',
        storedSector: 'technology',
        publishedSector: 'technology',
      },
      {
        storedBand: i % 2 === 0 ? '1-9' : '10-49',
        publishedBand: '1-49',
        storedSector: 'Health care',
        publishedSector: 'health',
      },
      {
        storedBand: '50-249',
        publishedBand: '50-249',
        storedSector: 'research',
        publishedSector: 'education-research',
      },
    ].map((g) => ({ id: `${prefix}-org-${String(i).padStart(3, '0')}`, type: TYPES[group], ...g }))[group]!;
    organisations.push(org);
    const sid = (n: string) => `${prefix}-sub-${String(i).padStart(3, '0')}-${n}`;
    const last = `2026-03-${String(2 + (i % 20)).padStart(2, '0')}T12:00:00.000Z`;
    submissions.push({
      id: sid('last-year'),
      organisationId: org.id,
      createdAt: day(last, -2),
      submittedAt: last,
      completedAt: day(last, 20),
      state: 'completed',
      acceptedRisks: false,
      findings: [],
    });
    const submittedAt = day(QUARTER_STARTS[i % 4]!, i % 15);
    const status = i % 3;
    const completed = status === 0;
    const acceptedRisks = completed && i % 2 === 0;
    const findings: PlannedFinding[] = [];
    if (i % 2 === 0)
      findings.push({
        id: sid('f-pickle'),
        criterionId: 'MI-1',
        ruleId: 'VAC-PKL-001',
        state: completed ? 'remediated' : 'open',
      });
    if (acceptedRisks)
      findings.push({ id: sid('f-manual'), criterionId: 'AR-3', ruleId: null, state: 'risk-accepted' });
    if (i % 5 === 0)
      findings.push({
        id: sid('f-signing'),
        criterionId: 'SC-5',
        ruleId: 'VAC-SIG-001',
        state: 'false-positive',
      });
    if (status === 1 && i % 2 === 1)
      findings.push({ id: sid('f-privacy'), criterionId: 'PS-1', ruleId: null, state: 'open' });
    submissions.push({
      id: sid('this-year'),
      organisationId: org.id,
      createdAt: day(submittedAt, -1),
      submittedAt,
      ...(completed ? { completedAt: day(submittedAt, 5 + (i % 9)) } : {}),
      ...(status === 1 ? { withdrawnAt: day(submittedAt, 3) } : {}),
      state: completed ? 'completed' : status === 1 ? 'withdrawn' : 'in-review',
      acceptedRisks,
      findings,
    });
    if (i % 5 === 0) {
      submissions.push({
        id: sid('draft'),
        organisationId: org.id,
        createdAt: '2027-04-01T00:00:00.000Z',
        state: 'draft',
        acceptedRisks: false,
        findings: [],
      });
    }
  }
  return { organisations, submissions };
}

const fiscalYear = (iso: string): number => {
  const d = new Date(iso);
  return d.getUTCMonth() >= 9 ? d.getUTCFullYear() + 1 : d.getUTCFullYear();
};
const quarter = (iso: string): string => `Q${Math.floor(((new Date(iso).getUTCMonth() + 3) % 12) / 3) + 1}`;

/**
 * The true aggregates of a fiscal year, computed here from the plan without the library: cell
 * values keyed `metric|row|column`, `_` for a total.
 */
function truth(plan: Plan, fy: number): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (metric: string, row: string, column: string) => {
    const k = `${metric}|${row}|${column}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const orgs = new Map(plan.organisations.map((o) => [o.id, o]));
  const cohort = plan.submissions.filter(
    (s) => s.submittedAt !== undefined && fiscalYear(s.submittedAt) === fy,
  );
  const participants = new Set(cohort.map((s) => s.organisationId));
  for (const id of participants) {
    const o = orgs.get(id)!;
    for (const [r, c] of [
      [o.type, o.publishedBand],
      [o.type, '_'],
      ['_', o.publishedBand],
      ['_', '_'],
    ] as const)
      add('participation-type-size', r, c);
    add('participation-sector', o.publishedSector, 'organisations');
    add('participation-sector', '_', 'organisations');
  }
  const byFamily = new Map<string, Set<string>>();
  const byCriterion = new Map<string, Set<string>>();
  const byTechnique = new Map<string, Set<string>>();
  const note = (m: Map<string, Set<string>>, key: string, org: string) => {
    if (!m.has(key)) m.set(key, new Set());
    m.get(key)!.add(org);
  };
  for (const s of cohort) {
    const type = orgs.get(s.organisationId)!.type;
    add('submissions-quarter', quarter(s.submittedAt!), 'submissions');
    add('submissions-quarter', '_', 'submissions');
    const status =
      s.state === 'completed' ? 'completed' : s.state === 'withdrawn' ? 'withdrawn' : 'in-progress';
    for (const [r, c] of [
      [type, status],
      [type, '_'],
      ['_', status],
      ['_', '_'],
    ] as const)
      add('completion-status', r, c);
    if (status === 'completed') {
      const col = s.acceptedRisks ? 'with-accepted-risks' : 'without-accepted-risks';
      for (const [r, c] of [
        [type, col],
        [type, '_'],
        ['_', col],
        ['_', '_'],
      ] as const)
        add('accepted-risks', r, c);
    }
    for (const f of s.findings) {
      if (f.state === 'false-positive') continue;
      note(byCriterion, f.criterionId, s.organisationId);
      note(byFamily, f.criterionId.split('-')[0]!, s.organisationId);
      const techniques =
        f.ruleId === null
          ? findCriterion(f.criterionId)!.criterion.mappings['mitre-atlas']
          : RULES[f.ruleId as RuleId].references.filter((r) => r.type === 'atlas').map((r) => r.id);
      for (const t of techniques) note(byTechnique, t, s.organisationId);
    }
  }
  for (const [metric, m] of [
    ['findings-family', byFamily],
    ['findings-criterion', byCriterion],
    ['findings-atlas', byTechnique],
  ] as const) {
    for (const [key, set] of m) counts.set(`${metric}|${key}|organisations`, set.size);
  }
  return counts;
}

/** Every published count of a table, keyed like `truth`. */
function published(table: DashboardTable): Map<string, number> {
  const out = new Map<string, number>();
  const put = (row: string, column: string, cell: { value: number } | { suppressed: true } | undefined) => {
    if (cell !== undefined && 'value' in cell) out.set(`${table.metric}|${row}|${column}`, cell.value);
  };
  table.rows.forEach((r, i) => {
    table.columns.forEach((c, j) => {
      put(r.key, c.key, table.cells[i]?.[j]);
    });
    put(r.key, '_', table.rowTotals?.[i]);
  });
  table.columns.forEach((c, j) => {
    put('_', c.key, table.columnTotals?.[j]);
  });
  put('_', '_', table.grandTotal);
  return out;
}

const COUNT_METRICS = [
  'participation-type-size',
  'participation-sector',
  'submissions-quarter',
  'completion-status',
  'accepted-risks',
  'findings-criterion',
  'findings-family',
  'findings-atlas',
] as const;

describe.each(STORES)('the dashboard of a program of 66 organisations (%s)', (store) => {
  const clock = movableClock('2027-10-15T12:00:00.000Z');
  let svc: TestService;
  const plan = bigProgram('big');
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false, clock });
    await seedPlan(svc.ctx.db, plan);
  }, 120_000);
  afterAll(async () => svc?.close());

  it('seeds a chain that still verifies', async () => {
    expect((await verifyAudit(svc.ctx.db)).ok).toBe(true);
  });

  it('publishes cells, and every published count equals the true aggregate', async () => {
    clearStatisticsCache(svc.ctx);
    const dashboard = await dashboardFor(svc.ctx, 2027);
    let compared = 0;
    for (const fy of [2027, 2026]) {
      const expected = truth(plan, fy);
      for (const metric of COUNT_METRICS) {
        const table = dashboard.tables.find((t) => t.id === `${metric}.FY${fy}`)!;
        for (const [key, value] of published(table)) {
          expect({ key, value }).toEqual({ key, value: expected.get(key) ?? 0 });
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(15);
    // Among them the sector, quarter and family counts of this program (the rest is withheld by
    // complementary suppression around the empty categories).
    const table = (id: string) => dashboard.tables.find((t) => t.id === id)!;
    expect(table('participation-sector.FY2027').cells[0]).toEqual([{ value: 24 }]);
    expect(table('participation-sector.FY2027').cells[2]).toEqual([{ value: 22 }]);
    expect(table('submissions-quarter.FY2027').cells.map((r) => r[0])).toEqual([
      { value: 17 },
      { value: 17 },
      { value: 16 },
      { value: 16 },
    ]);
    expect(table('findings-family.FY2027').cells[0]).toEqual([{ value: 33 }]);
  });

  it('serves the JSON, CSV and charts exactly as the library renders them', async () => {
    clearStatisticsCache(svc.ctx);
    const dashboard = await dashboardFor(svc.ctx, 2027);
    const json = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard?fiscalYear=2027' });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json.body).toBe(dashboardToJson(dashboard));

    const csv = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard.csv?fiscalYear=2027' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="vacsrp-dashboard-FY2027.csv"');
    expect(csv.body).toBe(tablesToCsv(dashboard.tables));

    const svg = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/charts/findings-family.svg?fiscalYear=2027',
    });
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.headers['content-security-policy']).toBe(SVG_CONTENT_SECURITY_POLICY);
    expect(svg.body).toBe(await dashboardChartFor(svc.ctx, 2027, 'findings-family'));
    expect(svg.body.startsWith('<svg')).toBe(true);
    expect(svg.body).not.toMatch(/<script|href=|url\(/i);
  });

  it('defaults to the current fiscal year and bounds the fiscal year', async () => {
    const current = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard' });
    expect(JSON.parse(current.body)).toMatchObject({ fiscalYear: 2028, previousFiscalYear: 2027 });
    for (const query of [
      'fiscalYear=2019',
      'fiscalYear=2101',
      'fiscalYear=abc',
      'fiscalYear=02027',
      'fiscalYear=2027&x=1',
    ]) {
      for (const path of [
        '/api/v1/dashboard',
        '/api/v1/dashboard.csv',
        '/api/v1/dashboard/charts/findings-family.svg',
      ]) {
        const res = await svc.app.inject({ method: 'GET', url: `${path}?${query}` });
        expect({ query, path, status: res.statusCode }).toEqual({ query, path, status: 400 });
      }
    }
    const unknown = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/dashboard/charts/no-such-table.svg',
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });

  it('serves a chart for every metric', async () => {
    for (const metric of METRICS) {
      const res = await svc.app.inject({
        method: 'GET',
        url: `/api/v1/dashboard/charts/${metric}.svg?fiscalYear=2027`,
      });
      expect({ metric, status: res.statusCode }).toEqual({ metric, status: 200 });
      expect(res.body).toContain(`${metric}.FY2027`.replace(/\./g, '-'));
    }
  });

  it('computes the dashboard at most once a minute, then reads the store again', async () => {
    clearStatisticsCache(svc.ctx);
    const first = await dashboardFor(svc.ctx, 2027);
    // One more submission, in Q1, by an organisation already taking part.
    const lateSubmission: PlannedSubmission = {
      id: 'late-sub',
      organisationId: plan.organisations[1]!.id,
      createdAt: '2026-10-20T00:00:00.000Z',
      submittedAt: '2026-10-21T00:00:00.000Z',
      state: 'in-review',
      acceptedRisks: false,
      findings: [],
    };
    await seedPlan(svc.ctx.db, { organisations: [], submissions: [lateSubmission] });
    try {
      clock.advance(DASHBOARD_CACHE_MS - 1000);
      expect(await dashboardFor(svc.ctx, 2027)).toBe(first);
      clock.advance(2000);
      const fresh = await dashboardFor(svc.ctx, 2027);
      expect(fresh).not.toBe(first);
      expect(fresh.asOf).toBe(clock.now().toISOString());
      expect(fresh.tables.find((t) => t.id === 'submissions-quarter.FY2027')!.cells[0]).toEqual([
        { value: 18 },
      ]);
    } finally {
      await svc.ctx.db.deleteFrom('submissions').where('id', '=', 'late-sub').execute();
      clearStatisticsCache(svc.ctx);
    }
  });

  it('shares one computation between concurrent callers', async () => {
    clearStatisticsCache(svc.ctx);
    const [a, b] = await Promise.all([dashboardFor(svc.ctx, 2027), dashboardFor(svc.ctx, 2027)]);
    expect(a).toBe(b);
  });
});

/** 4321 submissions of one organisation: a count that must never be published. */
const CANARY = 4321;

describe.each(STORES)('the dashboard of a program of three organisations (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store, {
      inProcessWorkers: false,
      clock: movableClock('2027-09-20T12:00:00.000Z'),
    });
    cast = await seedCast(svc);
    const organisations: PlannedOrganisation[] = [
      {
        id: 'small-org-lone',
        type: 'government',
        storedBand: '1000+',
        publishedBand: '1000+',
        storedSector: 'public sector',
        publishedSector: 'public-sector',
      },
    ];
    const submissions: PlannedSubmission[] = Array.from({ length: CANARY }, (_, i) => ({
      id: `small-sub-${String(i).padStart(5, '0')}`,
      organisationId: 'small-org-lone',
      createdAt: '2027-01-10T00:00:00.000Z',
      submittedAt: '2027-01-11T00:00:00.000Z',
      ...(i === 0 ? { completedAt: '2027-02-11T00:00:00.000Z' } : {}),
      state: i === 0 ? 'completed' : 'in-review',
      acceptedRisks: false,
      findings:
        i < 3
          ? [{ id: `small-f-${i}`, criterionId: 'MI-1', ruleId: 'VAC-PKL-001', state: 'open' as const }]
          : [],
    }));
    // The cast's two organisations take part too, with one submission each.
    for (const [n, org] of [cast.orgA, cast.orgB].entries()) {
      submissions.push({
        id: `small-cast-${n}`,
        organisationId: org.id,
        createdAt: '2027-03-01T00:00:00.000Z',
        submittedAt: '2027-03-02T00:00:00.000Z',
        state: 'submitted',
        acceptedRisks: false,
        findings: [],
      });
    }
    await seedPlan(svc.ctx.db, { organisations, submissions });
  }, 120_000);
  afterAll(async () => svc?.close());

  const canary = new RegExp(`(?<![\\d.])(${CANARY}|${CANARY + 2}|${CANARY + 1})(?![\\d])`);

  it('publishes no count at all, in JSON or CSV', async () => {
    const json = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard?fiscalYear=2027' });
    expect(json.statusCode).toBe(200);
    const doc = JSON.parse(json.body) as {
      tables: { cells: object[][]; rowTotals?: object[]; columnTotals?: object[]; grandTotal?: object }[];
    };
    expect(doc.tables.length).toBe(2 * METRICS.length);
    for (const t of doc.tables) {
      const cells = [
        ...t.cells.flat(),
        ...(t.rowTotals ?? []),
        ...(t.columnTotals ?? []),
        ...(t.grandTotal ? [t.grandTotal] : []),
      ];
      for (const c of cells) expect(c).toEqual({ suppressed: true });
    }
    expect(json.body).not.toMatch(canary);

    const csv = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard.csv?fiscalYear=2027' });
    const lines = csv.body.trimEnd().split('\r\n').slice(1);
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) expect(line.endsWith(',,true')).toBe(true);
    expect(csv.body).not.toMatch(canary);
  });

  it('never draws the canary in any chart', async () => {
    for (const metric of METRICS) {
      const svg = await svc.app.inject({
        method: 'GET',
        url: `/api/v1/dashboard/charts/${metric}.svg?fiscalYear=2027`,
      });
      expect(svg.statusCode).toBe(200);
      expect({ metric, leaks: canary.test(svg.body) }).toEqual({ metric, leaks: false });
    }
  });

  it('keeps the canary out of the annual report too', async () => {
    const md = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/reports/annual?fiscalYear=2027',
      headers: bearer(cast, cast.admin),
    });
    expect(md.statusCode).toBe(200);
    expect(md.body).toContain('# ');
    expect(md.body).not.toMatch(canary);
  });
});
