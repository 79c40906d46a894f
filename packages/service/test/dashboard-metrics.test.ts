import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAnnualReport } from '../src/annual/report.js';
import {
  daysBetween,
  fiscalQuarterOf,
  fiscalYearDates,
  fiscalYearOf,
  median,
} from '../src/dashboard/fiscal.js';
import { type ProgramRecords, validateProgramRecords } from '../src/dashboard/input.js';
import {
  buildDashboard,
  buildPublication,
  type DashboardTable,
  type Publication,
  protectedViews,
  type TableCell,
  withholdUnprotectable,
} from '../src/dashboard/metrics.js';
import { syntheticProgram } from '../src/dashboard/synthetic.js';
import { cellStats, deriveAll } from '../src/disclosure/index.js';
import { keyedCells, programArbitrary, reference, referenceMedians } from './fixtures/dashboard/support.js';

const ms = (s: string): number => Date.parse(s);

function publication(records: ProgramRecords, fiscalYear = 2027): Publication {
  const r = buildPublication(records, { fiscalYear });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

const table = (p: Publication, id: string): DashboardTable => {
  const t = p.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id}`);
  return t;
};
const published = (c: TableCell | undefined): number | undefined => (c && 'value' in c ? c.value : undefined);

/** The dashboard's and the annual report's tables, all of them, the way a reader gets them. */
function everythingPublished(records: ProgramRecords, fiscalYear: number): DashboardTable[] {
  const dash = buildDashboard(records, { fiscalYear });
  const annual = buildAnnualReport(records, { fiscalYear });
  if (!dash.ok || !annual.ok) throw new Error('build failed');
  return [...dash.value.tables, ...annual.value.tables];
}

/** Every published count equals the reference aggregate; every rate and median its reference. */
function assertTrue(records: ProgramRecords, p: Publication): number {
  let checked = 0;
  for (const t of p.tables) {
    if (t.kind !== 'count') continue;
    const ref = reference(records, t);
    for (const [key, cell] of keyedCells(t)) {
      if ('value' in cell) {
        expect([t.id, key, cell.value]).toEqual([t.id, key, ref.get(key) ?? 0]);
        checked++;
      }
    }
  }
  for (const fy of [p.fiscalYear, p.previousFiscalYear]) {
    const medians = referenceMedians(records, fy);
    const t = table(p, `time-to-completion.FY${fy}`);
    t.rows.forEach((r, i) => {
      const v = published(t.cells[i]?.[0]);
      if (v !== undefined) expect(v).toBe(medians.get(r.key));
    });
    const rate = table(p, `completion-rate.FY${fy}`);
    const cmp = reference(records, table(p, `completion-status.FY${fy}`));
    rate.rows.forEach((r, i) => {
      const v = published(rate.cells[i]?.[0]);
      const key = r.key === '_all' ? '_total' : r.key;
      if (v !== undefined) {
        const expected = (100 * (cmp.get(`${key}|completed`) ?? 0)) / (cmp.get(`${key}|_total`) ?? 0);
        expect(Math.abs(v - expected)).toBeLessThanOrEqual(0.05);
      }
    });
  }
  return checked;
}

describe('fiscal years and quarters', () => {
  it('FY starts on 1 October: 30 September is the old year, 1 October the new one', () => {
    expect(fiscalYearOf(ms('2026-09-30T23:59:59Z'))).toBe(2026);
    expect(fiscalYearOf(ms('2026-10-01T00:00:00Z'))).toBe(2027);
    expect(fiscalYearOf(ms('2027-09-30T12:00:00Z'))).toBe(2027);
    expect(fiscalYearOf(ms('2027-01-01T00:00:00Z'))).toBe(2027);
    expect(fiscalYearDates(2027)).toEqual({ start: '2026-10-01', end: '2027-09-30' });
    // An offset is converted to UTC first: 20:30 in New York on 30 September is 1 October UTC.
    expect(fiscalYearOf(ms('2026-09-30T20:30:00-04:00'))).toBe(2027);
  });

  it('fiscal quarters: Q1 Oct–Dec, Q2 Jan–Mar, Q3 Apr–Jun, Q4 Jul–Sep', () => {
    expect(fiscalQuarterOf(ms('2026-09-30T23:59:59Z'))).toBe('Q4');
    expect(fiscalQuarterOf(ms('2026-10-01T00:00:00Z'))).toBe('Q1');
    expect(fiscalQuarterOf(ms('2026-12-31T23:59:59Z'))).toBe('Q1');
    expect(fiscalQuarterOf(ms('2027-01-01T00:00:00Z'))).toBe('Q2');
    expect(fiscalQuarterOf(ms('2027-03-31T00:00:00Z'))).toBe('Q2');
    expect(fiscalQuarterOf(ms('2027-04-01T00:00:00Z'))).toBe('Q3');
    expect(fiscalQuarterOf(ms('2027-07-01T00:00:00Z'))).toBe('Q4');
  });

  it('days are whole UTC calendar days; the median is the middle value or the mean of two', () => {
    expect(daysBetween(ms('2026-10-01T23:00:00Z'), ms('2026-10-02T01:00:00Z'))).toBe(1);
    expect(daysBetween(ms('2026-10-01T01:00:00Z'), ms('2026-10-01T23:00:00Z'))).toBe(0);
    expect(median([])).toBeUndefined();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([10, 1, 4, 7])).toBe(5.5);
  });

  it('a submission on 30 September and one on 1 October land in different years and quarters', () => {
    // Eleven organisations each submit once at 23:59:59 on 30 September 2026 and once at 00:00:00
    // on 1 October 2026; compared with the same program without them, FY2026 Q4 and FY2027 Q1
    // each gain exactly 11, and nothing else in the quarter tables moves.
    const base = syntheticProgram({ seed: 20270930 });
    const eleven = base.organisations.filter((o) => o.type === 'large-company').slice(0, 11);
    expect(eleven).toHaveLength(11);
    const extra = eleven.flatMap((o) => [
      {
        id: `${o.id}-sep30`,
        organisationId: o.id,
        createdAt: '2026-09-01T00:00:00Z',
        submittedAt: '2026-09-30T23:59:59Z',
        state: 'in-review' as const,
        acceptedRisks: false,
      },
      {
        id: `${o.id}-oct1`,
        organisationId: o.id,
        createdAt: '2026-09-01T00:00:00Z',
        submittedAt: '2026-10-01T00:00:00Z',
        state: 'in-review' as const,
        acceptedRisks: false,
      },
    ]);
    const before = publication(base);
    const after = publication({ ...base, submissions: [...base.submissions, ...extra] });
    const quarters = (p: Publication, fy: number): (number | undefined)[] => {
      const t = table(p, `submissions-quarter.FY${fy}`);
      return [...t.cells.map((r) => published(r[0])), published(t.columnTotals?.[0])];
    };
    const diff = (fy: number): number[] =>
      quarters(after, fy).map((v, i) => {
        const b = quarters(before, fy)[i];
        if (v === undefined || b === undefined) throw new Error(`FY${fy} quarter ${i} is suppressed`);
        return v - b;
      });
    expect(diff(2026)).toEqual([0, 0, 0, 11, 11]);
    expect(diff(2027)).toEqual([11, 0, 0, 0, 11]);
  });
});

describe('record validation', () => {
  const base = syntheticProgram({ seed: 3, organisations: 20 });
  const codes = (r: ProgramRecords): string[] => {
    const v = validateProgramRecords(r);
    return v.ok ? [] : v.error.map((i) => `${i.code} ${i.where}`);
  };

  it('accepts the synthetic program', () => {
    expect(codes(base)).toEqual([]);
  });

  it('rejects broken references, dates, states and vocabularies with typed codes', () => {
    const sub = base.submissions[0] as ProgramRecords['submissions'][number];
    const f = base.findings[0] as ProgramRecords['findings'][number];
    expect(
      codes({ ...base, submissions: [{ ...sub, organisationId: 'nobody' }, ...base.submissions.slice(1)] }),
    ).toContain('UNKNOWN_ORGANISATION submissions[0].organisationId');
    expect(codes({ ...base, submissions: [{ ...sub, submittedAt: '2026-02-30T00:00:00Z' }] })).toContain(
      'BAD_DATE submissions[0].submittedAt',
    );
    expect(
      codes({
        ...base,
        submissions: [
          { ...sub, state: 'completed', completedAt: '2000-01-01T00:00:00Z', acceptedRisks: false },
        ],
        findings: [],
      }),
    ).toContain('DATE_ORDER submissions[0].completedAt');
    expect(
      codes({ ...base, submissions: [{ ...sub, state: 'in-review', acceptedRisks: true }], findings: [] }),
    ).toContain('STATE_MISMATCH submissions[0].acceptedRisks');
    expect(codes({ ...base, findings: [{ ...f, criterionId: 'XX-9' }] })).toContain(
      'UNKNOWN_VALUE findings[0].criterionId',
    );
    expect(codes({ ...base, findings: [{ ...f, organisationId: 'org-999' }] })).toContain(
      'ORGANISATION_MISMATCH findings[0].organisationId',
    );
    expect(
      codes({ ...base, organisations: [...base.organisations, base.organisations[0] as never] }),
    ).toContain(`DUPLICATE_ID organisations[${base.organisations.length}].id`);
    const bad = buildPublication(base, { fiscalYear: 2027.5 });
    expect(bad.ok ? [] : bad.error.map((i) => i.code)).toEqual(['BAD_FISCAL_YEAR']);
  });
});

describe('the synthetic program', () => {
  const records = syntheticProgram({ seed: 20270930 });
  const p = publication(records);

  it('has 60+ organisations over two fiscal years; most count cells publish and some are suppressed', () => {
    expect(records.organisations.length).toBeGreaterThanOrEqual(60);
    const counts = p.tables.filter((t) => t.kind === 'count').flatMap((t) => keyedCells(t).map(([, c]) => c));
    const shown = counts.filter((c) => 'value' in c).length;
    expect(shown).toBeGreaterThan(counts.length / 2);
    expect(shown).toBeLessThan(counts.length);
    const reasons = new Set(p.audit.map((a) => a.reason));
    expect([...reasons].sort()).toEqual(['complementary', 'dominance', 'primary']);
  });

  it('every published number equals the true aggregate', () => {
    expect(assertTrue(records, p)).toBeGreaterThan(150);
  });

  it('the prolific government organisation dominates its rows, which are suppressed', () => {
    const dominated = p.audit.filter((a) => a.reason === 'dominance').map((a) => a.cell);
    expect(dominated).toContain('FY2027/sub-type/government');
    const cmp = table(p, 'completion-status.FY2027');
    expect(cmp.rowTotals?.[4]).toEqual({ suppressed: true });
  });

  it('nothing suppressed can be derived from everything the dashboard and annual report publish', () => {
    const report = deriveAll(protectedViews(everythingPublished(records, 2027)));
    expect(report.inconsistent).toBe(false);
    expect([...report.cells].filter(([, d]) => d.derivable)).toEqual([]);
    expect(report.cells.size).toBeGreaterThan(20);
  });

  it('shares totals between views by cell id (the checker sees them as one system)', () => {
    const quarter = table(p, 'submissions-quarter.FY2027').protected;
    const completion = table(p, 'completion-status.FY2027').protected;
    const risks = table(p, 'accepted-risks.FY2027').protected;
    expect(quarter?.columnTotals?.[0]?.id).toBe(completion?.grandTotal?.id);
    expect(risks?.grandTotal?.id).toBe(completion?.columnTotals?.[0]?.id);
    expect(risks?.rowTotals?.map((c) => c.id)).toEqual(completion?.rows.map((r) => r[0]?.id));
  });

  it('is deterministic', () => {
    expect(publication(syntheticProgram({ seed: 20270930 }))).toEqual(p);
  });
});

describe('a table about one organisation publishes nothing about it', () => {
  it('a program with a single organisation publishes no value at all', () => {
    const one = syntheticProgram({ seed: 5, organisations: 1, prolific: false });
    const p = publication(one);
    const values = p.tables.flatMap((t) => keyedCells(t)).filter(([, c]) => 'value' in c);
    expect(values).toEqual([]);
  });

  it('a lone organisation type in a large program: its row shows nothing, not even zeros', () => {
    const records = syntheticProgram({ seed: 11, prolific: false });
    const lone = {
      id: 'lone',
      type: 'government' as const,
      sizeBand: '1-49' as const,
      sector: 'other' as const,
    };
    const organisations = [...records.organisations.filter((o) => o.type !== 'government'), lone];
    const keep = new Set(organisations.map((o) => o.id));
    const submissions = [
      ...records.submissions.filter((s) => keep.has(s.organisationId)),
      {
        id: 'lone-1',
        organisationId: 'lone',
        createdAt: '2026-11-01T00:00:00Z',
        submittedAt: '2026-11-02T00:00:00Z',
        completedAt: '2027-01-02T00:00:00Z',
        state: 'completed' as const,
        acceptedRisks: true,
      },
    ];
    const findings = records.findings.filter((f) => keep.has(f.organisationId));
    const p = publication({ ...records, organisations, submissions, findings });
    for (const id of ['participation-type-size', 'completion-status', 'accepted-risks']) {
      const t = table(p, `${id}.FY2027`);
      const row = t.rows.findIndex((r) => r.key === 'government');
      expect([...(t.cells[row] ?? []), t.rowTotals?.[row]].every((c) => c && 'suppressed' in c)).toBe(true);
    }
    for (const id of ['completion-rate', 'time-to-completion', 'accepted-risk-share']) {
      const t = table(p, `${id}.FY2027`);
      expect(t.cells[t.rows.findIndex((r) => r.key === 'government')]?.[0]).toEqual({ suppressed: true });
    }
  });
});

describe('properties over random programs', () => {
  it('no suppressed cell is derivable from all published views; published = true; no small cell', () => {
    fc.assert(
      fc.property(programArbitrary(45), (records) => {
        const tables = everythingPublished(records, 2027);
        const report = deriveAll(protectedViews(tables));
        expect(report.inconsistent).toBe(false);
        expect([...report.cells].filter(([, d]) => d.derivable)).toEqual([]);
        const p = publication(records);
        assertTrue(records, p);
        // No published count cell rests on 1–10 organisations or on none.
        for (const t of p.tables) {
          if (t.kind !== 'count') continue;
          for (const [key, c] of keyedCells(t)) {
            if ('value' in c)
              expect([t.id, key, c.value >= 11 || t.unit === 'submissions']).toEqual([t.id, key, true]);
          }
        }
      }),
      { seed: 20261126, numRuns: 40 },
    );
  });

  it('the same holds for larger synthetic programs of varied size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 220 }),
        fc.boolean(),
        (seed, organisations, prolific) => {
          const records = syntheticProgram({ seed, organisations, prolific });
          const report = deriveAll(protectedViews(everythingPublished(records, 2027)));
          expect([...report.cells].filter(([, d]) => d.derivable)).toEqual([]);
          assertTrue(records, publication(records));
        },
      ),
      { seed: 20261127, numRuns: 12 },
    );
  });

  it('submission counts publish only with 11+ organisations and no dominance (checked on contributions)', () => {
    const records = syntheticProgram({ seed: 99 });
    const p = publication(records);
    const byOrg = new Map<string, Map<string, number>>();
    for (const s of records.submissions) {
      if (!s.submittedAt || fiscalYearOf(Date.parse(s.submittedAt)) !== 2027) continue;
      const q = fiscalQuarterOf(Date.parse(s.submittedAt));
      const m = byOrg.get(q) ?? new Map<string, number>();
      m.set(s.organisationId, (m.get(s.organisationId) ?? 0) + 1);
      byOrg.set(q, m);
    }
    const t = table(p, 'submissions-quarter.FY2027');
    t.rows.forEach((r, i) => {
      const m = byOrg.get(r.key) ?? new Map<string, number>();
      const stats = cellStats({
        contributions: [...m].map(([organisation, value]) => ({ organisation, value })),
      });
      if (published(t.cells[i]?.[0]) !== undefined) {
        expect(stats.count).toBeGreaterThanOrEqual(11);
        expect(100 * (stats.shares[0] ?? 0)).toBeLessThanOrEqual(60 * stats.value);
      }
    });
  });
});

describe('cells the structure gives away', () => {
  it('withholds every cell of a view that mentions an unprotectable cell, and only those views', () => {
    const views = [
      {
        id: 'a',
        rows: [
          [
            { id: 'x', value: 12 },
            { id: 'z', suppressed: 'primary' as const },
          ],
        ],
        columnTotals: [
          { id: 'x', value: 12 },
          { id: 'z', suppressed: 'primary' as const },
        ],
        grandTotal: { id: 't', value: 30 },
      },
      { id: 'b', rows: [[{ id: 't', value: 30 }]] },
      { id: 'c', rows: [[{ id: 'u', value: 40 }]] },
    ];
    const out = withholdUnprotectable(views, [{ cell: 'z', reason: 'unprotectable', line: 'a row 0' }]);
    // View a is withheld entirely; t is withheld in b too (same cell); c is untouched.
    expect(out[0]?.rows.flat().every((c) => 'suppressed' in c)).toBe(true);
    expect(out[0]?.grandTotal).toEqual({ id: 't', suppressed: 'complementary' });
    expect(out[1]?.rows[0]?.[0]).toEqual({ id: 't', suppressed: 'complementary' });
    expect(out[2]).toEqual(views[2]);
    expect(withholdUnprotectable(views, [])).toEqual(views);
  });
});
