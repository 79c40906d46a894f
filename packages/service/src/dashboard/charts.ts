/**
 * Charts of the dashboard tables as SVG strings, rendered on the server: vega-lite compiles a
 * spec to vega, vega renders it headless (`renderer: 'none'`) to SVG text. The data is inline
 * and comes only from published cells; a suppressed cell is drawn as the letter S at zero, never
 * as a bar of 0 (which would read as "none"). The loader refuses every URL and file, so no spec
 * can make the server fetch anything (../shared/research/deps.md §11).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { DashboardTable, Unit } from './metrics.js';

/** A vega loader that loads nothing: data is inline, and a URL or file path is refused. */
export function denyingLoader(): vega.Loader {
  const refuse = (what: string, uri: string): Promise<never> =>
    Promise.reject(new Error(`chart ${what} refused: ${String(uri).slice(0, 100)}`));
  return {
    load: (uri) => refuse('load', uri),
    sanitize: (uri) => refuse('resource', uri),
    http: (uri) => refuse('http request', uri),
    file: (filename) => refuse('file read', filename),
  };
}

const UNIT_AXIS: Readonly<Record<Unit, string>> = {
  organisations: 'Organisations',
  submissions: 'Submissions',
  percent: 'Per cent',
  days: 'Days (median)',
};

interface Datum {
  readonly row: string;
  readonly column: string;
  readonly value: number | null;
  readonly suppressed: boolean;
  readonly text: string;
}

/** The chart's data: interior cells only (totals are in the table), suppressed ones without a value. */
export function chartData(table: DashboardTable): Datum[] {
  return table.rows.flatMap((row, r) =>
    table.columns.map((column, c) => {
      const cell = table.cells[r]?.[c] ?? { suppressed: true as const };
      return 'value' in cell
        ? {
            row: row.label,
            column: column.label,
            value: cell.value,
            suppressed: false,
            text: String(cell.value),
          }
        : { row: row.label, column: column.label, value: null, suppressed: true, text: 'S' };
    }),
  );
}

/** The vega-lite spec for a table: horizontal bars, grouped by column when there are several. */
export function chartSpec(table: DashboardTable): TopLevelSpec {
  const grouped = table.columns.length > 1;
  const y = { field: 'row', type: 'nominal' as const, sort: null, title: table.rowHeading };
  const offset = grouped ? { yOffset: { field: 'column', type: 'nominal' as const, sort: null } } : {};
  const color = grouped
    ? {
        color: {
          field: 'column',
          type: 'nominal' as const,
          sort: null,
          title: null,
          legend: { orient: 'bottom' as const },
        },
      }
    : {};
  return {
    title: { text: table.title, subtitle: 'S = suppressed to protect participating organisations' },
    description: table.description,
    width: 420,
    height: { step: grouped ? 12 : 18 },
    data: { values: chartData(table) },
    encoding: { y, ...offset },
    layer: [
      {
        transform: [{ filter: '!datum.suppressed' }],
        mark: { type: 'bar', color: grouped ? undefined : '#005ea2' },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: UNIT_AXIS[table.unit] },
          ...color,
        },
      },
      {
        mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
        encoding: {
          x: { field: 'value', type: 'quantitative' },
          text: { field: 'text' },
          color: { condition: { test: 'datum.suppressed', value: '#b50909' }, value: '#1b1b1b' },
        },
        transform: [{ calculate: 'datum.suppressed ? 0 : datum.value', as: 'value' }],
      },
    ],
    config: { font: 'sans-serif', axis: { labelLimit: 260 } },
  } as TopLevelSpec;
}

const xml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Render a table's chart to an SVG string with an accessible name and description (`role="img"`,
 * `<title>`, `<desc>`). The numbers are also in the table exports, for readers who cannot see it.
 */
export async function renderChartSvg(table: DashboardTable): Promise<string> {
  const compiled = compile(chartSpec(table)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: denyingLoader() });
  try {
    const svg = await view.toSVG();
    const base = `chart-${table.id.replace(/[^A-Za-z0-9-]/g, '-')}`;
    const suppressed = chartData(table).filter((d) => d.suppressed).length;
    const desc = `${table.description}${suppressed > 0 ? ` ${suppressed} value(s) are suppressed and shown as S.` : ''} The same figures are in the accompanying table.`;
    const open = svg.indexOf('>');
    if (!svg.startsWith('<svg') || open < 0) throw new Error('vega did not produce an SVG document');
    return `${svg.slice(0, open)} role="img" aria-labelledby="${base}-title ${base}-desc"><title id="${base}-title">${xml(table.title)}</title><desc id="${base}-desc">${xml(desc)}</desc>${svg.slice(open + 1)}`;
  } finally {
    view.finalize();
  }
}
