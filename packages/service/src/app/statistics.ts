/**
 * Public statistics from the live store: the program records the dashboard and the annual report
 * are computed from (organisations, submissions with their dates from the audit log, findings with
 * their criteria families and MITRE ATLAS techniques), the cached public dashboard, and the annual
 * report to Congress for administrators. The aggregation and disclosure control are the pure
 * functions of ../dashboard and ../annual; this module only reads, maps and caches.
 */
import { createHash } from 'node:crypto';
import type { FamilyId } from '@vacsrp/scanner';
import { findCriterion, RULES, type RuleId } from '@vacsrp/scanner';
import {
  type AnnualReport,
  buildAnnualReport,
  renderAnnualMarkdown,
  renderAnnualPdf,
} from '../annual/index.js';
import { renderChartSvg } from '../dashboard/charts.js';
import { fiscalYearOf } from '../dashboard/fiscal.js';
import {
  type FindingRecord,
  type OrganisationRecord,
  type OrganisationType,
  type ProgramRecords,
  type RecordIssue,
  SECTORS,
  type Sector,
  type SizeBand,
  type SubmissionRecord,
  validateProgramRecords,
} from '../dashboard/input.js';
import { buildDashboard, type Dashboard, METRICS, type Metric } from '../dashboard/metrics.js';
import type { FindingState, Severity } from '../domain/findings.js';
import type { SubmissionState } from '../domain/submission.js';
import type { Db } from '../store/audit.js';
import { AppError, type Clock, type Context, nowIso, type Origin } from './context.js';
import { recordRead } from './events.js';

/** Fiscal years the API and CLI accept: the program's lifetime with room to spare, four digits. */
export const STATISTICS_FISCAL_YEARS = Object.freeze({ min: 2020, max: 2100 });

/** How long a computed dashboard is served from memory before the store is read again. */
export const DASHBOARD_CACHE_MS = 60_000;

/** Rows read per query: bounded memory per page however large the program grows (CWE-770). */
export const READ_PAGE_SIZE = 5000;

/** The audit events that date a submission. */
const DATING_EVENTS = ['submission.submit', 'submission.complete', 'submission.withdraw'] as const;
type DatingEvent = (typeof DATING_EVENTS)[number];

export type StatisticsErrorCode = 'INVALID_RECORDS' | 'NO_PUBLICATION';

/**
 * The store holds data the statistics layer refuses (a bad date, a missing audit event, an unknown
 * criterion). A fault of the program's own data, not of the request: the HTTP layer answers 500,
 * the CLI exits 1; `issues` names each record by its id for the operator.
 */
export class StatisticsError extends Error {
  override readonly name = 'StatisticsError';
  constructor(
    readonly code: StatisticsErrorCode,
    readonly issues: readonly RecordIssue[],
  ) {
    super(
      `the program records are not usable for statistics (${code}): ${issues
        .slice(0, 5)
        .map((i) => `${i.code} at ${i.where}`)
        .join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`,
    );
  }
}

export const isStatisticsFiscalYear = (fy: number): boolean =>
  Number.isInteger(fy) && fy >= STATISTICS_FISCAL_YEARS.min && fy <= STATISTICS_FISCAL_YEARS.max;

/** The fiscal year the clock is in (FY N starts on 1 October of N−1, UTC). */
export const currentFiscalYear = (clock: Clock): number => fiscalYearOf(clock.now().getTime());

function requireFiscalYear(fy: number): void {
  if (!isStatisticsFiscalYear(fy)) {
    throw new AppError(
      'INVALID',
      `the fiscal year must be a whole number from ${STATISTICS_FISCAL_YEARS.min} to ${STATISTICS_FISCAL_YEARS.max}`,
    );
  }
}

/**
 * The store records size bands more finely than the published tables (1-9 and 10-49 people are one
 * band there, so the smallest organisations are not singled out); other values pass through and
 * validation names any unknown one.
 */
export function publishedSizeBand(stored: string): SizeBand {
  return (stored === '1-9' || stored === '10-49' ? '1-49' : stored) as SizeBand;
}

/** Words organisations use for their sector, by the published category they belong to. */
const SECTOR_WORDS: Readonly<Record<Exclude<Sector, 'other'>, readonly string[]>> = {
  technology: ['tech', 'software', 'ai', 'artificial-intelligence', 'internet', 'it', 'telecommunications'],
  finance: ['financial-services', 'financial', 'banking', 'insurance', 'fintech'],
  health: ['healthcare', 'health-care', 'medical', 'life-sciences', 'pharmaceuticals'],
  defense: ['defence', 'national-security', 'aerospace-and-defense', 'military'],
  'education-research': ['education', 'research', 'academia', 'academic', 'higher-education', 'university'],
  'public-sector': ['government', 'public', 'public-administration'],
};

/**
 * The store keeps the sector organisations give in their own words (free text); the tables use a
 * closed list. A published key or a listed synonym maps to its category (case, spaces and
 * punctuation ignored); anything else counts as "other".
 */
export function publishedSector(stored: string): Sector {
  const word = stored
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  if ((SECTORS as readonly string[]).includes(word)) return word as Sector;
  for (const [sector, words] of Object.entries(SECTOR_WORDS)) {
    if (words.includes(word)) return sector as Sector;
  }
  return 'other';
}

const NO_TECHNIQUES: readonly string[] = Object.freeze([]);

/**
 * MITRE ATLAS techniques of a finding: an automated finding's rule cites them in its references;
 * a manual finding (or one whose rule the registry no longer knows) takes its criterion's mapped
 * techniques from the catalog. Sorted and without duplicates.
 */
export function atlasTechniquesOf(ruleId: string | null, criterionId: string): readonly string[] {
  // Own keys only: a stored rule id of `constructor` must not find Object's.
  const rule = ruleId !== null && Object.hasOwn(RULES, ruleId) ? RULES[ruleId as RuleId] : undefined;
  const ids =
    rule !== undefined
      ? rule.references.filter((r) => r.type === 'atlas').map((r) => r.id)
      : (findCriterion(criterionId)?.criterion.mappings['mitre-atlas'] ?? []);
  return ids.length === 0 ? NO_TECHNIQUES : Object.freeze([...new Set(ids)].sort());
}

/**
 * Reads the program records from the store, page by page, and validates them. Submissions are read
 * before the audit events that date them and before the findings and decisions, so everything a
 * submission's state implies is already committed when it is looked for; a submission created after
 * its read is left out together with its findings. Throws StatisticsError when validation fails.
 */
export async function programRecords(db: Db, options: { readonly asOf: string }): Promise<ProgramRecords> {
  const organisations: OrganisationRecord[] = [];
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('organisations')
      .select(['id', 'type', 'size_band', 'sector'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(READ_PAGE_SIZE)
      .execute();
    for (const r of rows) {
      organisations.push({
        id: r.id,
        type: r.type as OrganisationType,
        sizeBand: publishedSizeBand(r.size_band),
        sector: publishedSector(r.sector),
      });
    }
    if (rows.length < READ_PAGE_SIZE) break;
    after = rows[rows.length - 1]!.id;
  }

  const stored = new Map<string, { organisationId: string; createdAt: string; state: SubmissionState }>();
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('submissions')
      .select(['id', 'organisation_id', 'created_at', 'state'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(READ_PAGE_SIZE)
      .execute();
    for (const r of rows) {
      stored.set(r.id, {
        organisationId: r.organisation_id,
        createdAt: r.created_at,
        state: r.state as SubmissionState,
      });
    }
    if (rows.length < READ_PAGE_SIZE) break;
    after = rows[rows.length - 1]!.id;
  }

  const dates = await submissionDates(db, stored);
  const acceptedRisks = await submissionsWithAcceptedRisks(db, stored);

  const submissions: SubmissionRecord[] = [];
  for (const [id, s] of stored) {
    const d = dates.get(id);
    const submittedAt = s.state === 'draft' ? undefined : d?.['submission.submit'];
    const completedAt = s.state === 'completed' ? d?.['submission.complete'] : undefined;
    const withdrawnAt = s.state === 'withdrawn' ? d?.['submission.withdraw'] : undefined;
    submissions.push({
      id,
      organisationId: s.organisationId,
      createdAt: s.createdAt,
      ...(submittedAt === undefined ? {} : { submittedAt }),
      ...(completedAt === undefined ? {} : { completedAt }),
      ...(withdrawnAt === undefined ? {} : { withdrawnAt }),
      state: s.state,
      acceptedRisks: s.state === 'completed' && acceptedRisks.has(id),
    });
  }

  const findings = await findingRecords(db, stored);
  const records: ProgramRecords = { asOf: options.asOf, organisations, submissions, findings };
  const valid = validateProgramRecords(records);
  if (!valid.ok)
    throw new StatisticsError(
      'INVALID_RECORDS',
      valid.error.map((i) => named(i, records)),
    );
  return records;
}

/** `submissions[3].completedAt` → `submission 0b6f…: completedAt`, so the operator can find the row. */
function named(issue: RecordIssue, records: ProgramRecords): RecordIssue {
  const m = /^(organisations|submissions|findings)\[(\d+)\]\.?(.*)$/.exec(issue.where);
  if (m === null) return issue;
  const list = records[m[1] as 'organisations' | 'submissions' | 'findings'] as readonly { id: string }[];
  const id = list[Number(m[2])]?.id ?? `#${m[2]}`;
  const kind = m[1]!.replace(/s$/, '');
  return { code: issue.code, where: `${kind} ${id}${m[3] === '' ? '' : `: ${m[3]}`}` };
}

/**
 * When each submission was first submitted, completed and withdrawn: the `when` of the first such
 * transition in the audit log. The LIKE narrows the scan in SQL on both dialects (the event is
 * stored as JSON text); the parsed event is checked exactly.
 */
async function submissionDates(
  db: Db,
  submissions: ReadonlyMap<string, unknown>,
): Promise<Map<string, Partial<Record<DatingEvent, string>>>> {
  const dates = new Map<string, Partial<Record<DatingEvent, string>>>();
  for (let after = -1; ; ) {
    const rows = await db
      .selectFrom('audit_log')
      .select(['seq', 'event'])
      .where('seq', '>', after)
      .where((eb) => eb.or(DATING_EVENTS.map((what) => eb('event', 'like', `%"what":"${what}"%`))))
      .orderBy('seq')
      .limit(READ_PAGE_SIZE)
      .execute();
    for (const r of rows) {
      const event = JSON.parse(r.event) as {
        what?: unknown;
        when?: unknown;
        object?: { kind?: unknown; id?: unknown };
      };
      const what = event.what as DatingEvent;
      if (!DATING_EVENTS.includes(what) || event.object?.kind !== 'submission') continue;
      const id = event.object.id;
      if (typeof id !== 'string' || !submissions.has(id) || typeof event.when !== 'string') continue;
      const known = dates.get(id) ?? {};
      known[what] ??= event.when;
      dates.set(id, known);
    }
    if (rows.length < READ_PAGE_SIZE) break;
    after = Number(rows[rows.length - 1]!.seq);
  }
  return dates;
}

/** Submissions whose developer proceeded with at least one accepted finding (a disclosed accepted risk). */
async function submissionsWithAcceptedRisks(
  db: Db,
  submissions: ReadonlyMap<string, unknown>,
): Promise<Set<string>> {
  const accepted = new Set<string>();
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('decisions')
      .select(['id', 'submission_id', 'accepted_finding_ids'])
      .where('kind', '=', 'proceed')
      .where('id', '>', after)
      .orderBy('id')
      .limit(READ_PAGE_SIZE)
      .execute();
    for (const r of rows) {
      const ids = JSON.parse(r.accepted_finding_ids) as unknown;
      if (submissions.has(r.submission_id) && Array.isArray(ids) && ids.length > 0)
        accepted.add(r.submission_id);
    }
    if (rows.length < READ_PAGE_SIZE) break;
    after = rows[rows.length - 1]!.id;
  }
  return accepted;
}

async function findingRecords(db: Db, submissions: ReadonlyMap<string, unknown>): Promise<FindingRecord[]> {
  const findings: FindingRecord[] = [];
  // Thousands of findings share a few rules and criteria: map each once and share the frozen arrays.
  const techniques = new Map<string, readonly string[]>();
  const families = new Map<string, FamilyId>();
  for (let after = ''; ; ) {
    const rows = await db
      .selectFrom('findings')
      .select(['id', 'submission_id', 'organisation_id', 'criterion_id', 'severity', 'state', 'rule_id'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(READ_PAGE_SIZE)
      .execute();
    for (const r of rows) {
      if (!submissions.has(r.submission_id)) continue;
      const key = `${r.rule_id ?? ''}\u0000${r.criterion_id}`;
      let atlas = techniques.get(key);
      if (atlas === undefined) {
        atlas = atlasTechniquesOf(r.rule_id, r.criterion_id);
        techniques.set(key, atlas);
      }
      let family = families.get(r.criterion_id);
      if (family === undefined) {
        // An unknown criterion keeps its prefix; validation then names the finding.
        family = (findCriterion(r.criterion_id)?.family.id ?? r.criterion_id.split('-')[0]) as FamilyId;
        families.set(r.criterion_id, family);
      }
      findings.push({
        id: r.id,
        submissionId: r.submission_id,
        organisationId: r.organisation_id,
        criterionId: r.criterion_id,
        family,
        severity: r.severity as Severity,
        state: r.state as FindingState,
        ...(r.rule_id === null ? {} : { ruleId: r.rule_id }),
        atlasTechniques: atlas,
      });
    }
    if (rows.length < READ_PAGE_SIZE) break;
    after = rows[rows.length - 1]!.id;
  }
  return findings;
}

interface CacheEntry {
  readonly expires: number;
  readonly records: Promise<ProgramRecords>;
  readonly dashboards: Map<number, Promise<Dashboard>>;
  readonly charts: Map<string, Promise<string>>;
}

/**
 * One extraction per context at a time, kept for DASHBOARD_CACHE_MS with the dashboards and charts
 * computed from it, so the public routes (any fiscal year, any chart) read the store at most once a
 * minute however often they are called. Concurrent callers share the pending work; a failure is not
 * kept.
 */
const caches = new WeakMap<Context, CacheEntry>();

function cacheEntry(ctx: Context): CacheEntry {
  const now = ctx.clock.now().getTime();
  const current = caches.get(ctx);
  if (current !== undefined && now < current.expires) return current;
  const entry: CacheEntry = {
    expires: now + DASHBOARD_CACHE_MS,
    records: programRecords(ctx.db, { asOf: new Date(now).toISOString() }),
    dashboards: new Map(),
    charts: new Map(),
  };
  entry.records.catch(() => {
    if (caches.get(ctx) === entry) caches.delete(ctx);
  });
  caches.set(ctx, entry);
  return entry;
}

/** Forgets the cached dashboards of this context (tests, and after bulk imports). */
export function clearStatisticsCache(ctx: Context): void {
  caches.delete(ctx);
}

function dashboardOf(records: ProgramRecords, fiscalYear: number): Dashboard {
  const built = buildDashboard(records, { fiscalYear });
  if (!built.ok) throw new StatisticsError('NO_PUBLICATION', built.error);
  return built.value;
}

/** The public dashboard for a fiscal year (and the year before), at most DASHBOARD_CACHE_MS old. */
export async function dashboardFor(ctx: Context, fiscalYear: number): Promise<Dashboard> {
  requireFiscalYear(fiscalYear);
  const entry = cacheEntry(ctx);
  let dashboard = entry.dashboards.get(fiscalYear);
  if (dashboard === undefined) {
    dashboard = entry.records.then((records) => dashboardOf(records, fiscalYear));
    entry.dashboards.set(fiscalYear, dashboard);
    dashboard.catch(() => entry.dashboards.delete(fiscalYear));
  }
  return dashboard;
}

export const isMetric = (value: string): value is Metric => (METRICS as readonly string[]).includes(value);

/** The SVG chart of one metric of the fiscal year's dashboard, cached with it. */
export async function dashboardChartFor(ctx: Context, fiscalYear: number, metric: Metric): Promise<string> {
  requireFiscalYear(fiscalYear);
  const entry = cacheEntry(ctx);
  const key = `${metric}.FY${fiscalYear}`;
  let svg = entry.charts.get(key);
  if (svg === undefined) {
    svg = dashboardFor(ctx, fiscalYear).then((dashboard) => {
      const table = dashboard.tables.find((t) => t.id === key);
      if (table === undefined) throw new Error(`the dashboard has no table ${key}`);
      return renderChartSvg(table);
    });
    entry.charts.set(key, svg);
    svg.catch(() => entry.charts.delete(key));
  }
  return svg;
}

export const ANNUAL_REPORT_FORMATS = ['markdown', 'pdf'] as const;
export type AnnualReportFormat = (typeof ANNUAL_REPORT_FORMATS)[number];

export type AnnualReportFile =
  | {
      readonly format: 'markdown';
      readonly fiscalYear: number;
      readonly asOf: string;
      readonly mediaType: 'text/markdown; charset=utf-8';
      readonly fileName: string;
      readonly body: string;
    }
  | {
      readonly format: 'pdf';
      readonly fiscalYear: number;
      readonly asOf: string;
      readonly mediaType: 'application/pdf';
      readonly fileName: string;
      readonly body: Buffer;
    };

/**
 * The annual report to Congress for a fiscal year, from records read now (never the cache: the
 * report says "data as of" and is kept). Administrators only; each generation is audited with the
 * digest of what was handed out.
 */
export async function annualReportFor(
  ctx: Context,
  origin: Origin,
  fiscalYear: number,
  format: AnnualReportFormat,
): Promise<AnnualReportFile> {
  if (origin.actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (origin.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators produce the annual report');
  requireFiscalYear(fiscalYear);
  const asOf = nowIso(ctx.clock);
  const records = await programRecords(ctx.db, { asOf });
  const built = buildAnnualReport(records, { fiscalYear });
  if (!built.ok) throw new StatisticsError('NO_PUBLICATION', built.error);
  const report: AnnualReport = built.value;
  const fileName = `vacsrp-annual-report-FY${fiscalYear}.${format === 'pdf' ? 'pdf' : 'md'}`;
  let file: AnnualReportFile;
  switch (format) {
    case 'markdown':
      file = {
        format,
        fiscalYear,
        asOf,
        mediaType: 'text/markdown; charset=utf-8',
        fileName,
        body: renderAnnualMarkdown(report),
      };
      break;
    case 'pdf':
      file = {
        format,
        fiscalYear,
        asOf,
        mediaType: 'application/pdf',
        fileName,
        body: await renderAnnualPdf(report),
      };
      break;
    default: {
      const never: never = format;
      throw new AppError('INVALID', `unknown format ${String(never)}`);
    }
  }
  const hash = createHash('sha256');
  if (typeof file.body === 'string') hash.update(file.body, 'utf8');
  else hash.update(new Uint8Array(file.body));
  const sha256 = hash.digest('hex');
  await recordRead(
    ctx,
    origin,
    'annual-report.generated',
    { kind: 'report', id: `annual-FY${fiscalYear}` },
    { fiscalYear, format, asOf, sha256 },
  );
  return file;
}
