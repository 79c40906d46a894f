/**
 * The annual report to Congress as data: participation, completion, common vulnerability
 * findings, trends against the previous fiscal year, recommendations from the criteria most often
 * failed, methodology and disclosure notes. Every figure comes from the same protected publication
 * as the dashboard (dashboard/metrics.ts), so the report adds nothing a reader could subtract.
 */
import { allCriteria, findCriterion, RULES } from '@vacsrp/scanner';
import { fiscalYearDates } from '../dashboard/fiscal.js';
import type { ProgramRecords } from '../dashboard/input.js';
import {
  buildPublication,
  DASHBOARD_DISCLOSURE,
  type DashboardTable,
  type Metric,
  type PublicationIssue,
  type TableCell,
  type Unit,
} from '../dashboard/metrics.js';
import { ok, type Result } from '../domain/result.js';

export const ANNUAL_REPORT_FORMAT = 'vacsrp-annual-report';
export const ANNUAL_REPORT_VERSION = '1.0.0';
/** How many criteria the recommendations name. */
export const RECOMMENDED_CRITERIA = 5;
/** How many mitigation lines per recommended criterion. */
export const MITIGATIONS_PER_CRITERION = 3;

export interface TrendRow {
  readonly key: string;
  readonly label: string;
  readonly unit: Unit;
  readonly current: TableCell;
  readonly previous: TableCell;
  /** current − previous (percentage points for per cent); suppressed unless both are published. */
  readonly change: TableCell;
}

export interface Recommendation {
  readonly criterionId: string;
  readonly title: string;
  readonly family: string;
  /** Organisations with at least one finding under the criterion (a published value). */
  readonly organisations: number;
  /** What the criterion requires: the outcome to reach. */
  readonly requirement: string;
  /** How to get there: the remediation advice of the criterion's scanner rules, its simulations' pass conditions, or (for documentation criteria) what reviewers check. */
  readonly mitigations: readonly string[];
}

export interface Highlight {
  readonly key: string;
  readonly label: string;
  readonly unit: Unit;
  readonly value: TableCell;
}

export interface AnnualReport {
  readonly format: typeof ANNUAL_REPORT_FORMAT;
  readonly version: typeof ANNUAL_REPORT_VERSION;
  readonly fiscalYear: number;
  readonly previousFiscalYear: number;
  readonly period: { readonly start: string; readonly end: string };
  readonly asOf: string;
  readonly threshold: number;
  readonly highlights: readonly Highlight[];
  readonly participation: readonly DashboardTable[];
  readonly completion: readonly DashboardTable[];
  readonly findings: readonly DashboardTable[];
  readonly trends: readonly TrendRow[];
  readonly recommendations: readonly Recommendation[];
  readonly methodology: readonly string[];
  readonly disclosureControl: readonly string[];
  /** Every table the report draws on (both years), for the disclosure checker. */
  readonly tables: readonly DashboardTable[];
}

export interface AnnualReportOptions {
  readonly fiscalYear: number;
}

const S: TableCell = { suppressed: true };

function find(tables: readonly DashboardTable[], metric: Metric, fy: number): DashboardTable {
  const t = tables.find((x) => x.metric === metric && x.fiscalYear === fy);
  if (!t) throw new Error(`publication has no ${metric} table for FY${fy}`);
  return t;
}

const completedColumn = (t: DashboardTable): number => t.columns.findIndex((c) => c.key === 'completed');
/** The "all organisation types" row of a derived table is its last row. */
const allRow = (t: DashboardTable): TableCell => t.cells[t.rows.length - 1]?.[0] ?? S;

function headline(tables: readonly DashboardTable[], fy: number): Highlight[] {
  const part = find(tables, 'participation-type-size', fy);
  const quarters = find(tables, 'submissions-quarter', fy);
  const completion = find(tables, 'completion-status', fy);
  return [
    {
      key: 'organisations',
      label: 'Participating organisations',
      unit: 'organisations',
      value: part.grandTotal ?? S,
    },
    { key: 'submissions', label: 'Submissions', unit: 'submissions', value: quarters.columnTotals?.[0] ?? S },
    {
      key: 'completions',
      label: 'Completed submissions',
      unit: 'submissions',
      value: completion.columnTotals?.[completedColumn(completion)] ?? S,
    },
    {
      key: 'completion-rate',
      label: 'Completion rate (%)',
      unit: 'percent',
      value: allRow(find(tables, 'completion-rate', fy)),
    },
    {
      key: 'median-days',
      label: 'Median days to completion',
      unit: 'days',
      value: allRow(find(tables, 'time-to-completion', fy)),
    },
    {
      key: 'accepted-risk-share',
      label: 'Completions with accepted risks (%)',
      unit: 'percent',
      value: allRow(find(tables, 'accepted-risk-share', fy)),
    },
  ];
}

const change = (a: TableCell, b: TableCell): TableCell =>
  'value' in a && 'value' in b ? { value: Math.round((a.value - b.value) * 10) / 10 } : S;

function trends(tables: readonly DashboardTable[], fy: number): TrendRow[] {
  const now = headline(tables, fy);
  const before = headline(tables, fy - 1);
  const rows: TrendRow[] = now.map((h, i) => {
    const previous = before[i]?.value ?? S;
    return {
      key: h.key,
      label: h.label,
      unit: h.unit,
      current: h.value,
      previous,
      change: change(h.value, previous),
    };
  });
  const famNow = find(tables, 'findings-family', fy);
  const famBefore = find(tables, 'findings-family', fy - 1);
  famNow.rows.forEach((r, i) => {
    const current = famNow.cells[i]?.[0] ?? S;
    const previous = famBefore.cells[i]?.[0] ?? S;
    rows.push({
      key: `family-${r.key}`,
      label: `Organisations with ${r.label} findings`,
      unit: 'organisations',
      current,
      previous,
      change: change(current, previous),
    });
  });
  return rows;
}

/** Mitigation advice for a criterion, from the scanner's rule registry or the criterion's simulations. */
export function mitigationsFor(criterionId: string): string[] {
  const entry = findCriterion(criterionId);
  if (!entry) return [];
  const advice = new Set<string>();
  const rules = Object.values(RULES)
    .filter((r) => r.criterion === criterionId && r.retired !== true)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of rules) advice.add(r.remediation);
  for (const s of entry.criterion.testing.simulations) advice.add(`${s.title}: ${s.passCondition}`);
  // Documentation criteria have neither: what reviewers check is then the best guide.
  if (advice.size === 0) for (const m of entry.criterion.testing.manual) advice.add(`Reviewers check: ${m}`);
  return [...advice].slice(0, MITIGATIONS_PER_CRITERION);
}

function recommendations(tables: readonly DashboardTable[], fy: number): Recommendation[] {
  const crit = find(tables, 'findings-criterion', fy);
  const order = new Map(allCriteria().map((e, i) => [e.criterion.id, i]));
  const published = crit.rows.flatMap((r, i) => {
    const c = crit.cells[i]?.[0];
    return c && 'value' in c && c.value > 0 ? [{ id: r.key, value: c.value }] : [];
  });
  // Most organisations first; ties in catalog order. Only published cells are ranked, so the
  // ranking reveals nothing about suppressed ones beyond what their suppression already does.
  published.sort((a, b) => b.value - a.value || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return published.slice(0, RECOMMENDED_CRITERIA).flatMap(({ id, value }) => {
    const entry = findCriterion(id);
    if (!entry) return [];
    return [
      {
        criterionId: id,
        title: entry.criterion.title,
        family: entry.family.title,
        organisations: value,
        requirement: entry.criterion.requirement,
        mitigations: mitigationsFor(id),
      },
    ];
  });
}

function methodology(fy: number, asOf: string): string[] {
  const { start, end } = fiscalYearDates(fy);
  return [
    `Fiscal year ${fy} runs from ${start} to ${end} (the U.S. federal fiscal year starts on 1 October). Quarters are fiscal quarters: Q1 is October to December. Dates are taken as their UTC calendar date.`,
    `A submission belongs to the fiscal year in which it was first submitted for review. Drafts that were never submitted are not counted.`,
    `An organisation participates in a fiscal year when it has at least one submission in that year. Organisation type, size band and sector are as registered at ${asOf.slice(0, 10)}.`,
    'Status (completed, withdrawn, in progress) and accepted risks are as recorded when the data was extracted, so figures for recent submissions change as reviews finish; the previous year is restated with the same data.',
    'Time to completion is the number of calendar days from first submission to completion; the median is the middle value, or the mean of the two middle values.',
    'Vulnerability findings count organisations, not findings: an organisation with several findings under one criterion counts once for it. Findings dismissed as false positives are not counted. MITRE ATLAS techniques are those the finding maps to; techniques outside the criteria catalog are grouped as "Other techniques".',
    'Recommendations name the published criteria with the most organisations with findings; the mitigations are the program criteria catalog’s requirement and remediation advice.',
  ];
}

function disclosureNotes(threshold: number): string[] {
  return [
    `No published figure counts fewer than ${threshold} organisations (primary suppression), and no figure is published where one organisation accounts for more than ${DASHBOARD_DISCLOSURE.dominance[0]?.k ?? 60} % of it or two for more than ${DASHBOARD_DISCLOSURE.dominance[1]?.k ?? 85} % (dominance). Empty cells are suppressed as well, so the pattern of zeros does not show where the few organisations are.`,
    'Further cells are suppressed (complementary suppression) so that no withheld value can be worked out by adding or subtracting published figures, within a table, across tables that share totals, or between this report and the public dashboard: all of them were protected together, and an independent exact check confirms that no withheld value can be derived.',
    'Rates, medians and year-on-year changes are shown only where every count they are computed from is published.',
    'Suppressed figures are marked S. Which rule suppressed a figure is itself confidential and is not published.',
  ];
}

/** Build the annual report for a fiscal year (and its comparison with the year before). */
export function buildAnnualReport(
  records: ProgramRecords,
  options: AnnualReportOptions,
): Result<AnnualReport, readonly PublicationIssue[]> {
  const pub = buildPublication(records, { fiscalYear: options.fiscalYear });
  if (!pub.ok) return pub;
  const { tables, fiscalYear: fy, asOf } = pub.value;
  const pick = (...metrics: Metric[]): DashboardTable[] => metrics.map((m) => find(tables, m, fy));
  return ok({
    format: ANNUAL_REPORT_FORMAT,
    version: ANNUAL_REPORT_VERSION,
    fiscalYear: fy,
    previousFiscalYear: fy - 1,
    period: fiscalYearDates(fy),
    asOf,
    threshold: DASHBOARD_DISCLOSURE.threshold,
    highlights: headline(tables, fy),
    participation: pick('participation-type-size', 'participation-sector', 'submissions-quarter'),
    completion: pick(
      'completion-status',
      'completion-rate',
      'time-to-completion',
      'accepted-risks',
      'accepted-risk-share',
    ),
    findings: pick('findings-family', 'findings-criterion', 'findings-atlas'),
    trends: trends(tables, fy),
    recommendations: recommendations(tables, fy),
    methodology: methodology(fy, asOf),
    disclosureControl: disclosureNotes(DASHBOARD_DISCLOSURE.threshold),
    tables,
  });
}
