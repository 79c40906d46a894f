/**
 * The program's public statistics, computed from the confidential records and passed through
 * disclosure control in ONE call for everything published about a fiscal year and the year
 * before it (dashboard and annual report alike), so no published cell of one table can be
 * subtracted from another to recover a suppressed one.
 *
 * Count tables are additive and share their totals by cell id (the submissions of a year are the
 * quarter table's total and the completion table's grand total; the completions of a type are a
 * cell of the completion table and the row total of the accepted-risk table). Rates and medians
 * are not additive: each is published only when every cell it is computed from is published, so
 * it tells a reader nothing the published counts do not.
 */
import { allCriteria, CRITERIA_FAMILIES, type FamilyId, loadCriteriaCatalog } from '@vacsrp/scanner';
import {
  type AuditEntry,
  type CellInput,
  DEFAULT_DISCLOSURE_OPTIONS,
  type DisclosureOptions,
  type PublishedCell,
  type PublishedView,
  protectTables,
  type ViewShape,
} from '../disclosure/index.js';
import { err, ok, type Result } from '../domain/result.js';
import {
  daysBetween,
  FISCAL_QUARTERS,
  fiscalQuarterOf,
  fiscalYearDates,
  fiscalYearOf,
  isFiscalYear,
  median,
} from './fiscal.js';
import {
  ORGANISATION_TYPES,
  type OrganisationRecord,
  type ProgramRecords,
  parseTimestamp,
  type RecordIssue,
  SECTORS,
  SIZE_BANDS,
  type SubmissionRecord,
  validateProgramRecords,
} from './input.js';

export type Unit = 'organisations' | 'submissions' | 'percent' | 'days';

export interface Category {
  readonly key: string;
  readonly label: string;
}

/** What a reader may see: a value or the fact that it is suppressed (never why). */
export type TableCell = { readonly value: number } | { readonly suppressed: true };

export const METRICS = [
  'participation-type-size',
  'participation-sector',
  'submissions-quarter',
  'completion-status',
  'accepted-risks',
  'completion-rate',
  'time-to-completion',
  'accepted-risk-share',
  'findings-criterion',
  'findings-family',
  'findings-atlas',
] as const;
export type Metric = (typeof METRICS)[number];

export interface DashboardTable {
  /** `<metric>.FY<year>`, e.g. `completion-status.FY2027`. */
  readonly id: string;
  readonly metric: Metric;
  readonly fiscalYear: number;
  readonly title: string;
  /** One or two plain sentences: what is counted, for the chart's and table's accessible description. */
  readonly description: string;
  readonly unit: Unit;
  /** `count`: additive counts protected as cells; `derived`: rates and medians over published counts. */
  readonly kind: 'count' | 'derived';
  /** Heading of the row-label column. */
  readonly rowHeading: string;
  readonly rows: readonly Category[];
  readonly columns: readonly Category[];
  readonly cells: readonly (readonly TableCell[])[];
  readonly rowTotals?: readonly TableCell[];
  readonly columnTotals?: readonly TableCell[];
  readonly grandTotal?: TableCell;
  /**
   * CONFIDENTIAL. The protected view the counts come from, with each suppressed cell's reason;
   * for the disclosure checker and the program's own audit, never for publication. Absent for
   * derived tables.
   */
  readonly protected?: PublishedView;
}

export interface Publication {
  readonly fiscalYear: number;
  readonly previousFiscalYear: number;
  readonly asOf: string;
  readonly disclosure: DisclosureOptions;
  /** Every table, current year first, then the previous year, in METRICS order. */
  readonly tables: readonly DashboardTable[];
  /** CONFIDENTIAL audit trail of the disclosure decisions (names which rule hid which cell). */
  readonly audit: readonly AuditEntry[];
}

export interface PublicationOptions {
  readonly fiscalYear: number;
}

/**
 * Disclosure settings for the dashboard: the module's defaults (at least 11 organisations,
 * dominance (1, 60 %) and (2, 85 %)) except that zero cells are suppressed too. Every table shows
 * every category, so a published 0 beside a suppressed cell would tell a reader which category
 * the few organisations are in; with zeros suppressed, a table about one organisation publishes
 * nothing about it.
 */
export const DASHBOARD_DISCLOSURE: DisclosureOptions = Object.freeze({
  ...DEFAULT_DISCLOSURE_OPTIONS,
  publishZeroCells: false,
});

export const COMPLETION_STATUSES = ['completed', 'withdrawn', 'in-progress'] as const;
export type CompletionStatus = (typeof COMPLETION_STATUSES)[number];
export const ACCEPTED_RISK_COLUMNS = ['with-accepted-risks', 'without-accepted-risks'] as const;

export const TYPE_LABELS: Readonly<Record<(typeof ORGANISATION_TYPES)[number], string>> = {
  'large-company': 'Large company',
  'small-business': 'Small business',
  'academic-lab': 'Academic lab',
  'open-source-community': 'Open-source community',
  government: 'Government',
};
const SECTOR_LABELS: Readonly<Record<(typeof SECTORS)[number], string>> = {
  technology: 'Technology',
  finance: 'Finance',
  health: 'Health',
  defense: 'Defense',
  'education-research': 'Education and research',
  'public-sector': 'Public sector',
  other: 'Other',
};
const STATUS_LABELS: Readonly<Record<CompletionStatus, string>> = {
  completed: 'Completed',
  withdrawn: 'Withdrawn',
  'in-progress': 'In progress',
};
const QUARTER_LABELS = ['Q1 (Oct–Dec)', 'Q2 (Jan–Mar)', 'Q3 (Apr–Jun)', 'Q4 (Jul–Sep)'];
/** Row key for the "all organisation types" row of derived tables, and of totals in exports. */
export const ALL_KEY = '_all';
export const OTHER_TECHNIQUE = 'other';

const cat = (key: string, label: string): Category => ({ key, label });
const typeRows = (): Category[] => ORGANISATION_TYPES.map((t) => cat(t, TYPE_LABELS[t]));

/** Every MITRE ATLAS technique the criteria catalog maps to, sorted, then "other". */
export function atlasTechniqueRows(): Category[] {
  const ids = new Set(allCriteria().flatMap((e) => e.criterion.mappings['mitre-atlas']));
  return [...[...ids].sort().map((id) => cat(id, id)), cat(OTHER_TECHNIQUE, 'Other techniques')];
}

/** Contributions per cell: organisation → value. */
class CellBook {
  readonly cells = new Map<string, Map<string, number>>();
  declare(id: string): void {
    if (!this.cells.has(id)) this.cells.set(id, new Map());
  }
  /** Add `value` for the organisation (a magnitude, e.g. one submission). */
  add(id: string, org: string, value = 1): void {
    this.declare(id);
    const m = this.cells.get(id) as Map<string, number>;
    m.set(org, (m.get(org) ?? 0) + value);
  }
  /** Count the organisation once (a count of organisations). */
  count(id: string, org: string): void {
    this.declare(id);
    (this.cells.get(id) as Map<string, number>).set(org, 1);
  }
  inputs(): Record<string, CellInput> {
    const out: Record<string, CellInput> = {};
    for (const [id, m] of [...this.cells].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out[id] = {
        contributions: [...m]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([organisation, value]) => ({ organisation, value })),
      };
    }
    return out;
  }
}

/** A count table before protection: labels plus the cell ids of the disclosure model. */
interface CountSpec {
  readonly metric: Metric;
  readonly title: string;
  readonly description: string;
  readonly unit: Unit;
  readonly rowHeading: string;
  readonly rows: readonly Category[];
  readonly columns: readonly Category[];
  readonly shape: ViewShape;
}

interface YearFacts {
  readonly fy: number;
  readonly specs: CountSpec[];
  /** Completed submissions' days to completion, by organisation type. */
  readonly days: Map<string, number[]>;
  /** UTC date of `asOf`. */
  readonly asOfDate: string;
}

const id = (fy: number, ...parts: string[]): string => [`FY${fy}`, ...parts].join('/');

function buildYear(
  fy: number,
  records: ProgramRecords,
  orgs: ReadonlyMap<string, OrganisationRecord>,
  book: CellBook,
): YearFacts {
  const label = `FY${fy}`;
  const { start, end } = fiscalYearDates(fy);
  const period = `${label} (${start} to ${end})`;
  const cohort: { sub: SubmissionRecord; org: OrganisationRecord; submitted: number }[] = [];
  for (const sub of records.submissions) {
    if (sub.submittedAt === undefined) continue;
    const submitted = parseTimestamp(sub.submittedAt) as number;
    if (fiscalYearOf(submitted) !== fy) continue;
    cohort.push({ sub, org: orgs.get(sub.organisationId) as OrganisationRecord, submitted });
  }

  // Participation: organisations with at least one submission submitted in the year.
  const partGrand = id(fy, 'part', '_', '_');
  const partShape: ViewShape = {
    id: `participation-type-size.${label}`,
    rows: ORGANISATION_TYPES.map((t) => SIZE_BANDS.map((s) => id(fy, 'part', t, s))),
    rowTotals: ORGANISATION_TYPES.map((t) => id(fy, 'part', t, '_')),
    columnTotals: SIZE_BANDS.map((s) => id(fy, 'part', '_', s)),
    grandTotal: partGrand,
  };
  const sectorShape: ViewShape = {
    id: `participation-sector.${label}`,
    rows: SECTORS.map((s) => [id(fy, 'part-sector', s)]),
    columnTotals: [partGrand],
  };
  // Submissions submitted in the year, by fiscal quarter; each contributes 1 to its organisation.
  const subTotal = id(fy, 'sub', '_');
  const quarterShape: ViewShape = {
    id: `submissions-quarter.${label}`,
    rows: FISCAL_QUARTERS.map((q) => [id(fy, 'sub', q)]),
    columnTotals: [subTotal],
  };
  // The same submissions by organisation type and where they stand at `asOf`.
  const completionShape: ViewShape = {
    id: `completion-status.${label}`,
    rows: ORGANISATION_TYPES.map((t) => COMPLETION_STATUSES.map((s) => id(fy, 'cmp', t, s))),
    rowTotals: ORGANISATION_TYPES.map((t) => id(fy, 'sub-type', t)),
    columnTotals: COMPLETION_STATUSES.map((s) => id(fy, 'cmp', '_', s)),
    grandTotal: subTotal,
  };
  // The completed ones, with or without accepted risks: row totals are completion cells.
  const riskShape: ViewShape = {
    id: `accepted-risks.${label}`,
    rows: ORGANISATION_TYPES.map((t) => ACCEPTED_RISK_COLUMNS.map((c) => id(fy, 'ar', t, c))),
    rowTotals: ORGANISATION_TYPES.map((t) => id(fy, 'cmp', t, 'completed')),
    columnTotals: ACCEPTED_RISK_COLUMNS.map((c) => id(fy, 'ar', '_', c)),
    grandTotal: id(fy, 'cmp', '_', 'completed'),
  };
  const criteria = allCriteria();
  const criterionShape: ViewShape = {
    id: `findings-criterion.${label}`,
    rows: criteria.map((e) => [id(fy, 'crit', e.criterion.id)]),
  };
  const familyShape: ViewShape = {
    id: `findings-family.${label}`,
    rows: CRITERIA_FAMILIES.map((f) => [id(fy, 'fam', f)]),
  };
  const techniques = atlasTechniqueRows();
  const known = new Set(techniques.map((t) => t.key));
  const atlasShape: ViewShape = {
    id: `findings-atlas.${label}`,
    rows: techniques.map((t) => [id(fy, 'atlas', t.key)]),
  };
  for (const shape of [
    partShape,
    sectorShape,
    quarterShape,
    completionShape,
    riskShape,
    criterionShape,
    familyShape,
    atlasShape,
  ]) {
    for (const r of shape.rows) for (const c of r) book.declare(c);
    for (const c of [...(shape.rowTotals ?? []), ...(shape.columnTotals ?? [])]) book.declare(c);
    if (shape.grandTotal) book.declare(shape.grandTotal);
  }

  const days = new Map<string, number[]>([
    [ALL_KEY, []],
    ...ORGANISATION_TYPES.map((t) => [t, []] as [string, number[]]),
  ]);
  const cohortIds = new Set<string>();
  for (const { sub, org, submitted } of cohort) {
    cohortIds.add(sub.id);
    for (const cell of [
      id(fy, 'part', org.type, org.sizeBand),
      id(fy, 'part', org.type, '_'),
      id(fy, 'part', '_', org.sizeBand),
      partGrand,
      id(fy, 'part-sector', org.sector),
    ])
      book.count(cell, org.id);
    const status: CompletionStatus =
      sub.state === 'completed' ? 'completed' : sub.state === 'withdrawn' ? 'withdrawn' : 'in-progress';
    const q = fiscalQuarterOf(submitted);
    for (const cell of [
      id(fy, 'sub', q),
      subTotal,
      id(fy, 'sub-type', org.type),
      id(fy, 'cmp', org.type, status),
      id(fy, 'cmp', '_', status),
    ])
      book.add(cell, org.id);
    if (status === 'completed') {
      const c = sub.acceptedRisks ? 'with-accepted-risks' : 'without-accepted-risks';
      book.add(id(fy, 'ar', org.type, c), org.id);
      book.add(id(fy, 'ar', '_', c), org.id);
      const d = daysBetween(submitted, parseTimestamp(sub.completedAt as string) as number);
      days.get(org.type)?.push(d);
      days.get(ALL_KEY)?.push(d);
    }
  }
  // Vulnerability classes: organisations (not findings) with at least one finding that was not
  // dismissed as a false positive, on a submission of the year's cohort.
  for (const f of records.findings) {
    if (f.state === 'false-positive' || !cohortIds.has(f.submissionId)) continue;
    book.count(id(fy, 'crit', f.criterionId), f.organisationId);
    book.count(id(fy, 'fam', f.family), f.organisationId);
    for (const t of f.atlasTechniques)
      book.count(id(fy, 'atlas', known.has(t) ? t : OTHER_TECHNIQUE), f.organisationId);
  }

  const typeHeading = 'Organisation type';
  const specs: CountSpec[] = [
    {
      metric: 'participation-type-size',
      title: `Participating organisations by type and size, ${label}`,
      description: `Organisations with at least one submission submitted in ${period}, by organisation type and size band (people).`,
      unit: 'organisations',
      rowHeading: typeHeading,
      rows: typeRows(),
      columns: SIZE_BANDS.map((s) => cat(s, `${s} people`)),
      shape: partShape,
    },
    {
      metric: 'participation-sector',
      title: `Participating organisations by sector, ${label}`,
      description: `Organisations with at least one submission submitted in ${period}, by sector.`,
      unit: 'organisations',
      rowHeading: 'Sector',
      rows: SECTORS.map((s) => cat(s, SECTOR_LABELS[s])),
      columns: [cat('organisations', 'Organisations')],
      shape: sectorShape,
    },
    {
      metric: 'submissions-quarter',
      title: `Submissions by fiscal quarter, ${label}`,
      description: `Submissions first submitted for review in ${period}, by fiscal quarter.`,
      unit: 'submissions',
      rowHeading: 'Fiscal quarter',
      rows: FISCAL_QUARTERS.map((q, i) => cat(q, QUARTER_LABELS[i] as string)),
      columns: [cat('submissions', 'Submissions')],
      shape: quarterShape,
    },
    {
      metric: 'completion-status',
      title: `Submissions by organisation type and status, ${label}`,
      description: `Submissions first submitted in ${period}, by organisation type and whether they were completed, withdrawn or still in progress on ${records.asOf.slice(0, 10)}.`,
      unit: 'submissions',
      rowHeading: typeHeading,
      rows: typeRows(),
      columns: COMPLETION_STATUSES.map((s) => cat(s, STATUS_LABELS[s])),
      shape: completionShape,
    },
    {
      metric: 'accepted-risks',
      title: `Completed submissions with and without accepted risks, ${label}`,
      description: `Completed submissions first submitted in ${period}, by organisation type and whether the developer completed the review with disclosed, accepted risks.`,
      unit: 'submissions',
      rowHeading: typeHeading,
      rows: typeRows(),
      columns: [cat('with-accepted-risks', 'With accepted risks'), cat('without-accepted-risks', 'Without')],
      shape: riskShape,
    },
    {
      metric: 'findings-criterion',
      title: `Organisations with findings, by criterion, ${label}`,
      description: `Organisations with at least one finding (not a false positive) under each review criterion, on submissions first submitted in ${period}. An organisation counts once per criterion however many findings it had.`,
      unit: 'organisations',
      rowHeading: 'Criterion',
      rows: criteria.map((e) => cat(e.criterion.id, `${e.criterion.id} ${e.criterion.title}`)),
      columns: [cat('organisations', 'Organisations')],
      shape: criterionShape,
    },
    {
      metric: 'findings-family',
      title: `Organisations with findings, by criteria family, ${label}`,
      description: `Organisations with at least one finding (not a false positive) in each criteria family, on submissions first submitted in ${period}.`,
      unit: 'organisations',
      rowHeading: 'Criteria family',
      rows: CRITERIA_FAMILIES.map((f) => cat(f, `${f} ${familyTitle(f)}`)),
      columns: [cat('organisations', 'Organisations')],
      shape: familyShape,
    },
    {
      metric: 'findings-atlas',
      title: `Organisations with findings, by MITRE ATLAS technique, ${label}`,
      description: `Organisations with at least one finding (not a false positive) mapped to each MITRE ATLAS technique, on submissions first submitted in ${period}.`,
      unit: 'organisations',
      rowHeading: 'MITRE ATLAS technique',
      rows: techniques,
      columns: [cat('organisations', 'Organisations')],
      shape: atlasShape,
    },
  ];
  return { fy, specs, days, asOfDate: records.asOf.slice(0, 10) };
}

function familyTitle(f: FamilyId): string {
  return loadCriteriaCatalog().families.find((x) => x.id === f)?.title ?? f;
}

const strip = (c: PublishedCell | undefined): TableCell =>
  c !== undefined && 'value' in c ? { value: c.value } : { suppressed: true };

function countTable(spec: CountSpec, fy: number, view: PublishedView): DashboardTable {
  return {
    id: `${spec.metric}.FY${fy}`,
    metric: spec.metric,
    fiscalYear: fy,
    title: spec.title,
    description: spec.description,
    unit: spec.unit,
    kind: 'count',
    rowHeading: spec.rowHeading,
    rows: spec.rows,
    columns: spec.columns,
    cells: view.rows.map((r) => r.map(strip)),
    ...(view.rowTotals ? { rowTotals: view.rowTotals.map(strip) } : {}),
    ...(view.columnTotals ? { columnTotals: view.columnTotals.map(strip) } : {}),
    ...(view.grandTotal ? { grandTotal: strip(view.grandTotal) } : {}),
    protected: view,
  };
}

const percent = (num: TableCell, den: TableCell): TableCell =>
  'value' in num && 'value' in den && den.value > 0
    ? { value: Math.round((1000 * num.value) / den.value) / 10 }
    : { suppressed: true };

function derivedTables(year: YearFacts, byId: ReadonlyMap<string, DashboardTable>): DashboardTable[] {
  const fy = year.fy;
  const label = `FY${fy}`;
  const completion = byId.get(`completion-status.${label}`) as DashboardTable;
  const risks = byId.get(`accepted-risks.${label}`) as DashboardTable;
  const rows = [...typeRows(), cat(ALL_KEY, 'All organisation types')];
  const at = (t: DashboardTable, r: number, c: number): TableCell =>
    r < ORGANISATION_TYPES.length
      ? (t.cells[r]?.[c] ?? { suppressed: true })
      : (t.columnTotals?.[c] ?? { suppressed: true });
  const rowTotal = (t: DashboardTable, r: number): TableCell =>
    r < ORGANISATION_TYPES.length
      ? (t.rowTotals?.[r] ?? { suppressed: true })
      : (t.grandTotal ?? { suppressed: true });
  const base = { fiscalYear: fy, kind: 'derived' as const, rowHeading: 'Organisation type', rows };
  const completedCol = COMPLETION_STATUSES.indexOf('completed');
  return [
    {
      ...base,
      id: `completion-rate.${label}`,
      metric: 'completion-rate',
      title: `Completion rate by organisation type, ${label}`,
      description: `Share of submissions first submitted in ${label} that were completed by ${year.asOfDate}, in per cent (completed ÷ submitted). Shown only where both counts are published.`,
      unit: 'percent',
      columns: [cat('completion-rate', 'Completion rate (%)')],
      cells: rows.map((_, r) => [percent(at(completion, r, completedCol), rowTotal(completion, r))]),
    },
    {
      ...base,
      id: `time-to-completion.${label}`,
      metric: 'time-to-completion',
      title: `Median days to completion by organisation type, ${label}`,
      description: `Median calendar days from first submission to completion, for completed submissions first submitted in ${label}. Shown only where the number of completions is published.`,
      unit: 'days',
      columns: [cat('median-days', 'Median days')],
      cells: rows.map((row, r) => {
        const basis = at(completion, r, completedCol);
        const m = median(year.days.get(row.key) ?? []);
        return 'value' in basis && m !== undefined ? [{ value: m }] : [{ suppressed: true }];
      }),
    },
    {
      ...base,
      id: `accepted-risk-share.${label}`,
      metric: 'accepted-risk-share',
      title: `Completions with accepted risks by organisation type, ${label}`,
      description: `Share of completed submissions first submitted in ${label} that were completed with disclosed, accepted risks, in per cent. Shown only where both counts are published.`,
      unit: 'percent',
      columns: [cat('accepted-risk-share', 'With accepted risks (%)')],
      cells: rows.map((_, r) => [percent(at(risks, r, 0), rowTotal(risks, r))]),
    },
  ];
}

export type PublicationIssue = RecordIssue;

/**
 * Build and protect every table for `fiscalYear` and the year before it. The dashboard and the
 * annual report are both projections of this one publication.
 */
export function buildPublication(
  records: ProgramRecords,
  options: PublicationOptions,
): Result<Publication, readonly PublicationIssue[]> {
  if (!isFiscalYear(options.fiscalYear)) return err([{ code: 'BAD_FISCAL_YEAR', where: 'fiscalYear' }]);
  const valid = validateProgramRecords(records);
  if (!valid.ok) return valid;
  const orgs = new Map(records.organisations.map((o) => [o.id, o]));
  const book = new CellBook();
  const years = [options.fiscalYear, options.fiscalYear - 1].map((fy) => buildYear(fy, records, orgs, book));
  const specs = years.flatMap((y) => y.specs.map((spec) => ({ fy: y.fy, spec })));
  const result = protectTables(
    specs.map((s) => s.spec.shape),
    book.inputs(),
    DASHBOARD_DISCLOSURE,
  );
  // The tables are built here, so a rejected model is a defect of this module, not of the data.
  if (!result.ok)
    throw new Error(`dashboard tables rejected by disclosure control: ${JSON.stringify(result.issues)}`);
  const views = withholdUnprotectable(result.views, result.audit);
  const counts = specs.map((s, i) => countTable(s.spec, s.fy, views[i] as PublishedView));
  const byId = new Map(counts.map((t) => [t.id, t]));
  const tables: DashboardTable[] = [];
  for (const y of years) {
    const derived = derivedTables(y, byId);
    const mine = [...counts.filter((t) => t.fiscalYear === y.fy), ...derived];
    tables.push(...METRICS.flatMap((m) => mine.filter((t) => t.metric === m)));
  }
  return ok({
    fiscalYear: options.fiscalYear,
    previousFiscalYear: options.fiscalYear - 1,
    asOf: records.asOf,
    disclosure: DASHBOARD_DISCLOSURE,
    tables,
    audit: result.audit,
  });
}

/**
 * A cell the table structure itself gives away cannot be protected by suppressing neighbours
 * (the disclosure module lists it as `unprotectable`). Rather than publish a table that leaks it,
 * withhold every cell of each view that mentions it; suppressing more cells never makes another
 * cell derivable.
 */
export function withholdUnprotectable(
  views: readonly PublishedView[],
  audit: readonly AuditEntry[],
): PublishedView[] {
  const bad = new Set(audit.filter((a) => a.reason === 'unprotectable').map((a) => a.cell));
  if (bad.size === 0) return [...views];
  const all = (v: PublishedView): PublishedCell[] => [
    ...v.rows.flat(),
    ...(v.rowTotals ?? []),
    ...(v.columnTotals ?? []),
    ...(v.grandTotal ? [v.grandTotal] : []),
  ];
  const hide = new Set(
    views.filter((v) => all(v).some((c) => bad.has(c.id))).flatMap((v) => all(v).map((c) => c.id)),
  );
  const cell = (c: PublishedCell): PublishedCell =>
    hide.has(c.id) ? { id: c.id, suppressed: 'complementary' } : c;
  return views.map((v) => ({
    id: v.id,
    rows: v.rows.map((r) => r.map(cell)),
    ...(v.rowTotals ? { rowTotals: v.rowTotals.map(cell) } : {}),
    ...(v.columnTotals ? { columnTotals: v.columnTotals.map(cell) } : {}),
    ...(v.grandTotal ? { grandTotal: cell(v.grandTotal) } : {}),
  }));
}

/** The protected views behind a set of tables, for the disclosure checker (`deriveAll`). */
export function protectedViews(tables: readonly DashboardTable[]): PublishedView[] {
  const seen = new Set<string>();
  const out: PublishedView[] = [];
  for (const t of tables) {
    if (t.protected && !seen.has(t.protected.id)) {
      seen.add(t.protected.id);
      out.push(t.protected);
    }
  }
  return out;
}

/** The dashboard: the current year's and the previous year's tables. */
export interface Dashboard {
  readonly fiscalYear: number;
  readonly previousFiscalYear: number;
  readonly asOf: string;
  readonly tables: readonly DashboardTable[];
}

export function buildDashboard(
  records: ProgramRecords,
  options: PublicationOptions,
): Result<Dashboard, readonly PublicationIssue[]> {
  const pub = buildPublication(records, options);
  if (!pub.ok) return pub;
  const { fiscalYear, previousFiscalYear, asOf, tables } = pub.value;
  return ok({ fiscalYear, previousFiscalYear, asOf, tables });
}
