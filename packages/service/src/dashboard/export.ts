/**
 * Downloads and accessible tables of the dashboard: HTML table fragments, CSV (RFC 4180) and a
 * versioned JSON document. They see only `TableCell`s (a value or "suppressed"), never the
 * confidential suppression reasons or the protected views, and they are deterministic.
 */
import type { Dashboard, DashboardTable, TableCell, Unit } from './metrics.js';

/** Marker for a suppressed cell in HTML and Markdown. */
export const SUPPRESSED_MARK = 'S';
export const SUPPRESSION_NOTE =
  'S: suppressed. The value is withheld because it counts fewer than 11 organisations, because one or two organisations account for most of it, or because it would let a withheld value be worked out from the published ones.';

const html = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** A value as people read it: counts as integers, per cent with one decimal, days as computed. */
export function formatValue(value: number, unit: Unit): string {
  return unit === 'percent' ? value.toFixed(1) : String(value);
}

const anchor = (table: DashboardTable): string => `t-${table.id.replace(/[^A-Za-z0-9-]/g, '-')}`;

const hasSuppressed = (table: DashboardTable): boolean =>
  [
    ...table.cells.flat(),
    ...(table.rowTotals ?? []),
    ...(table.columnTotals ?? []),
    ...(table.grandTotal ? [table.grandTotal] : []),
  ].some((c) => 'suppressed' in c);

/**
 * An accessible HTML fragment: a USWDS table with a caption, `th scope` on both headers, "S" for
 * suppressed cells with a footnote the table references (`aria-describedby`).
 */
export function tableToHtml(table: DashboardTable): string {
  const id = anchor(table);
  const note = `${id}-note`;
  const suppressedAny = hasSuppressed(table);
  const td = (c: TableCell): string =>
    'value' in c
      ? `<td class="font-mono-xs text-right">${html(formatValue(c.value, table.unit))}</td>`
      : `<td class="text-right" data-suppressed="true"><abbr title="suppressed">${SUPPRESSED_MARK}</abbr></td>`;
  const out: string[] = [];
  out.push(
    `<table class="usa-table usa-table--borderless" id="${id}"${suppressedAny ? ` aria-describedby="${note}"` : ''}>`,
  );
  out.push(
    `<caption>${html(table.title)}<span class="usa-sr-only"> ${html(table.description)}</span></caption>`,
  );
  out.push('<thead><tr>');
  out.push(`<th scope="col">${html(table.rowHeading)}</th>`);
  for (const c of table.columns) out.push(`<th scope="col">${html(c.label)}</th>`);
  if (table.rowTotals) out.push('<th scope="col">Total</th>');
  out.push('</tr></thead><tbody>');
  table.rows.forEach((row, r) => {
    out.push(`<tr><th scope="row">${html(row.label)}</th>`);
    for (const c of table.cells[r] ?? []) out.push(td(c));
    const total = table.rowTotals?.[r];
    if (total) out.push(td(total));
    out.push('</tr>');
  });
  out.push('</tbody>');
  if (table.columnTotals) {
    out.push('<tfoot><tr><th scope="row">Total</th>');
    for (const c of table.columnTotals) out.push(td(c));
    if (table.rowTotals) out.push(table.grandTotal ? td(table.grandTotal) : '<td></td>');
    out.push('</tr></tfoot>');
  }
  out.push('</table>');
  if (suppressedAny) out.push(`<p class="usa-hint font-body-3xs" id="${note}">${html(SUPPRESSION_NOTE)}</p>`);
  return `${out.join('\n')}\n`;
}

/** One RFC 4180 field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_HEADER = [
  'table',
  'fiscal_year',
  'unit',
  'row_key',
  'row_label',
  'column_key',
  'column_label',
  'value',
  'suppressed',
] as const;

/** Row or column key of a total in the CSV. */
export const TOTAL_KEY = '_total';

function csvRows(table: DashboardTable): string[][] {
  const rows: string[][] = [];
  const line = (rowKey: string, rowLabel: string, colKey: string, colLabel: string, c: TableCell): void => {
    rows.push([
      table.id,
      String(table.fiscalYear),
      table.unit,
      rowKey,
      rowLabel,
      colKey,
      colLabel,
      'value' in c ? String(c.value) : '',
      'value' in c ? 'false' : 'true',
    ]);
  };
  table.rows.forEach((row, r) => {
    table.columns.forEach((col, c) => {
      line(row.key, row.label, col.key, col.label, table.cells[r]?.[c] ?? { suppressed: true });
    });
    const total = table.rowTotals?.[r];
    if (total) line(row.key, row.label, TOTAL_KEY, 'Total', total);
  });
  table.columns.forEach((col, c) => {
    const total = table.columnTotals?.[c];
    if (total) line(TOTAL_KEY, 'Total', col.key, col.label, total);
  });
  if (table.grandTotal) line(TOTAL_KEY, 'Total', TOTAL_KEY, 'Total', table.grandTotal);
  return rows;
}

/**
 * Tables as one CSV file (RFC 4180: CRLF line ends, a header row). One line per cell; a
 * suppressed cell has an empty `value` and `suppressed` = `true`, never its number.
 */
export function tablesToCsv(tables: readonly DashboardTable[]): string {
  const lines = [CSV_HEADER.join(','), ...tables.flatMap(csvRows).map((r) => r.map(csvField).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** The JSON document's format name and version; bump the version on any change of shape. */
export const DASHBOARD_JSON_FORMAT = 'vacsrp-dashboard';
export const DASHBOARD_JSON_VERSION = '1.0.0';

type JsonCell = { value: number } | { suppressed: true };
const jsonCell = (c: TableCell): JsonCell => ('value' in c ? { value: c.value } : { suppressed: true });

/** The public shape of one table (no protected view, no reasons). */
export function tableToJson(table: DashboardTable): Record<string, unknown> {
  return {
    id: table.id,
    metric: table.metric,
    fiscalYear: table.fiscalYear,
    title: table.title,
    description: table.description,
    unit: table.unit,
    kind: table.kind,
    rowHeading: table.rowHeading,
    rows: table.rows.map((r) => ({ key: r.key, label: r.label })),
    columns: table.columns.map((c) => ({ key: c.key, label: c.label })),
    cells: table.cells.map((r) => r.map(jsonCell)),
    ...(table.rowTotals ? { rowTotals: table.rowTotals.map(jsonCell) } : {}),
    ...(table.columnTotals ? { columnTotals: table.columnTotals.map(jsonCell) } : {}),
    ...(table.grandTotal ? { grandTotal: jsonCell(table.grandTotal) } : {}),
  };
}

/** The dashboard as a versioned JSON document (two-space indent, trailing newline, fixed key order). */
export function dashboardToJson(dashboard: Dashboard): string {
  const doc = {
    format: DASHBOARD_JSON_FORMAT,
    version: DASHBOARD_JSON_VERSION,
    fiscalYear: dashboard.fiscalYear,
    previousFiscalYear: dashboard.previousFiscalYear,
    asOf: dashboard.asOf,
    suppression: { marker: 'suppressed', note: SUPPRESSION_NOTE },
    tables: dashboard.tables.map(tableToJson),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
