/** The annual report as Markdown (GitHub-flavoured tables); byte-stable for the same model. */

import { formatValue, SUPPRESSED_MARK, SUPPRESSION_NOTE } from '../dashboard/export.js';
import type { DashboardTable, TableCell, Unit } from '../dashboard/metrics.js';
import type { AnnualReport, TrendRow } from './model.js';

export const ANNUAL_TITLE = 'Voluntary AI Cybersecurity Review Program';

/** Headings, in order; the PDF uses the same ones (and the PDF test looks for them). */
export const ANNUAL_HEADINGS = [
  'Summary',
  'Participation',
  'Completion',
  'Common vulnerability findings',
  'Trends against the previous fiscal year',
  'Recommendations',
  'Methodology',
  'Disclosure control',
] as const;

/** Escape text for a Markdown table cell or paragraph. */
const md = (s: string): string =>
  s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');

export function cellText(c: TableCell, unit: Unit): string {
  return 'value' in c ? formatValue(c.value, unit) : SUPPRESSED_MARK;
}

export function changeText(row: TrendRow): string {
  if (!('value' in row.change)) return SUPPRESSED_MARK;
  const v = row.change.value;
  const sign = v > 0 ? '+' : v < 0 ? '−' : '±';
  const abs = formatValue(Math.abs(v), row.unit);
  return `${sign}${abs}${row.unit === 'percent' ? ' pp' : ''}`;
}

function tableMarkdown(t: DashboardTable): string {
  const head = [t.rowHeading, ...t.columns.map((c) => c.label), ...(t.rowTotals ? ['Total'] : [])];
  const lines = [
    `**${md(t.title)}.** ${md(t.description)}`,
    '',
    `| ${head.map(md).join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  t.rows.forEach((r, i) => {
    const cells = (t.cells[i] ?? []).map((c) => cellText(c, t.unit));
    const total = t.rowTotals?.[i];
    lines.push(`| ${[md(r.label), ...cells, ...(total ? [cellText(total, t.unit)] : [])].join(' | ')} |`);
  });
  if (t.columnTotals) {
    const totals = t.columnTotals.map((c) => cellText(c, t.unit));
    const grand = t.rowTotals ? [t.grandTotal ? cellText(t.grandTotal, t.unit) : ''] : [];
    lines.push(`| ${['**Total**', ...totals, ...grand].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Render the report as Markdown. */
export function renderAnnualMarkdown(report: AnnualReport): string {
  const fy = `FY${report.fiscalYear}`;
  const out: string[] = [];
  const section = (i: number): void => {
    out.push(`## ${ANNUAL_HEADINGS[i]}`, '');
  };
  out.push(`# ${ANNUAL_TITLE}: Annual Report to Congress, Fiscal Year ${report.fiscalYear}`, '');
  out.push(
    `Reporting period ${report.period.start} to ${report.period.end}. Data as of ${report.asOf}. Report format ${report.format} ${report.version}.`,
    '',
  );

  section(0);
  out.push('| Measure | Value |', '| --- | ---: |');
  for (const h of report.highlights) out.push(`| ${md(h.label)} | ${cellText(h.value, h.unit)} |`);
  out.push('');

  section(1);
  for (const t of report.participation) out.push(tableMarkdown(t), '');
  section(2);
  for (const t of report.completion) out.push(tableMarkdown(t), '');
  section(3);
  for (const t of report.findings) out.push(tableMarkdown(t), '');

  section(4);
  out.push(`| Measure | ${fy} | FY${report.previousFiscalYear} | Change |`, '| --- | ---: | ---: | ---: |');
  for (const r of report.trends)
    out.push(
      `| ${md(r.label)} | ${cellText(r.current, r.unit)} | ${cellText(r.previous, r.unit)} | ${changeText(r)} |`,
    );
  out.push('', 'Changes are shown only where both years are published; pp = percentage points.', '');

  section(5);
  if (report.recommendations.length === 0) {
    out.push('No criterion had a published count of organisations with findings this year.', '');
  }
  report.recommendations.forEach((r, i) => {
    out.push(
      `${i + 1}. **${md(r.criterionId)} ${md(r.title)}** (${md(r.family)}): ${r.organisations} organisations had findings.`,
    );
    out.push(`   Requirement: ${md(r.requirement)}`);
    for (const m of r.mitigations) out.push(`   - ${md(m)}`);
  });
  if (report.recommendations.length > 0) out.push('');

  section(6);
  for (const p of report.methodology) out.push(`- ${md(p)}`);
  out.push('');
  section(7);
  for (const p of report.disclosureControl) out.push(`- ${md(p)}`);
  out.push('', `${SUPPRESSION_NOTE}`, '');
  return out.join('\n');
}
