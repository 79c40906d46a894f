import { describe, expect, it } from 'vitest';
import {
  CSV_HEADER,
  csvField,
  DASHBOARD_JSON_FORMAT,
  DASHBOARD_JSON_VERSION,
  dashboardToJson,
  tablesToCsv,
  tableToHtml,
} from '../src/dashboard/export.js';
import { buildDashboard, type Dashboard, type DashboardTable } from '../src/dashboard/metrics.js';
import { CANARY, canaryProgram } from './fixtures/dashboard/canary.js';
import { reference } from './fixtures/dashboard/support.js';

function dashboard(): Dashboard {
  const d = buildDashboard(canaryProgram(), { fiscalYear: 2027 });
  if (!d.ok) throw new Error(JSON.stringify(d.error));
  return d.value;
}
const d = dashboard();
const byId = (id: string): DashboardTable => d.tables.find((t) => t.id === id) as DashboardTable;

/** RFC 4180 parser for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('the canary program', () => {
  it('really holds the canary in suppressed cells (so the leak tests below can fail)', () => {
    const cmp = byId('completion-status.FY2027');
    const ref = reference(canaryProgram(), cmp);
    expect(ref.get('open-source-community|in-progress')).toBe(CANARY);
    expect(ref.get('open-source-community|_total')).toBe(CANARY);
    const row = cmp.rows.findIndex((r) => r.key === 'open-source-community');
    expect(cmp.cells[row]?.[2]).toEqual({ suppressed: true });
    expect(cmp.rowTotals?.[row]).toEqual({ suppressed: true });
    // The canary also dominates the year's totals and its quarter.
    expect(cmp.grandTotal).toEqual({ suppressed: true });
    expect(byId('submissions-quarter.FY2027').cells[1]?.[0]).toEqual({ suppressed: true });
  });
});

describe('CSV (RFC 4180)', () => {
  const csv = tablesToCsv(d.tables);
  const rows = parseCsv(csv);

  it('has a header, CRLF records and one line per cell', () => {
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const cells = d.tables.reduce(
      (n, t) =>
        n +
        t.rows.length * t.columns.length +
        (t.rowTotals?.length ?? 0) +
        (t.columnTotals?.length ?? 0) +
        (t.grandTotal ? 1 : 0),
      0,
    );
    expect(rows.length - 1).toBe(cells);
    for (const r of rows) expect(r).toHaveLength(CSV_HEADER.length);
  });

  it('suppressed cells have an empty value and the flag; published ones a number', () => {
    let suppressed = 0;
    for (const r of rows.slice(1)) {
      const [value, flag] = r.slice(-2);
      if (flag === 'true') {
        expect(value).toBe('');
        suppressed++;
      } else {
        expect(flag).toBe('false');
        expect(value).toMatch(/^\d+(\.\d+)?$/);
      }
    }
    expect(suppressed).toBeGreaterThan(10);
  });

  it('quotes fields with commas, quotes and line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "S"')).toBe('"say ""S"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    const t: DashboardTable = {
      ...byId('participation-sector.FY2027'),
      rows: [{ key: 'x', label: 'Finance, "insurance"' }],
      cells: [[{ value: 12 }]],
      columnTotals: [{ value: 12 }],
    };
    expect(parseCsv(tablesToCsv([t]))[1]?.[4]).toBe('Finance, "insurance"');
  });

  it('never contains the canary', () => {
    expect(csv).not.toContain(String(CANARY));
  });
});

describe('JSON', () => {
  const json = dashboardToJson(d);
  const doc = JSON.parse(json);

  it('is versioned and carries only values or the suppressed marker', () => {
    expect(doc.format).toBe(DASHBOARD_JSON_FORMAT);
    expect(doc.version).toBe(DASHBOARD_JSON_VERSION);
    expect(doc.fiscalYear).toBe(2027);
    expect(doc.tables).toHaveLength(d.tables.length);
    const cells = doc.tables.flatMap((t: { cells: unknown[][] }) => t.cells.flat());
    expect(new Set(cells.map((c: object) => Object.keys(c).join()))).toEqual(
      new Set(['value', 'suppressed']),
    );
  });

  it('publishes neither the protected views nor the confidential suppression reasons', () => {
    expect(json).not.toContain('"protected"');
    expect(json).not.toMatch(/"(primary|dominance|complementary)"/);
    expect(json).not.toContain('FY2027/');
  });

  it('never contains the canary, and is byte-stable', () => {
    expect(json).not.toContain(String(CANARY));
    expect(dashboardToJson(dashboard())).toBe(json);
  });
});

describe('HTML tables', () => {
  const cmp = byId('completion-status.FY2027');
  const html = tableToHtml(cmp);

  it('has a caption, column and row headers with scope, and a total row', () => {
    expect(html).toMatch(/<caption>Submissions by organisation type and status, FY2027/);
    expect(html.match(/<th scope="col">/g)).toHaveLength(cmp.columns.length + 2);
    expect(html.match(/<th scope="row">/g)).toHaveLength(cmp.rows.length + 1);
    expect(html).toContain('<tfoot><tr><th scope="row">Total</th>');
  });

  it('shows suppressed cells as S with a footnote the table points to', () => {
    expect(html).toContain('<abbr title="suppressed">S</abbr>');
    const note = /aria-describedby="([^"]+)"/.exec(html)?.[1];
    expect(note).toBeTruthy();
    expect(html).toContain(`<p class="usa-hint font-body-3xs" id="${note}">S: suppressed.`);
  });

  it('has no footnote when nothing is suppressed, and escapes labels', () => {
    const t: DashboardTable = {
      ...byId('participation-sector.FY2027'),
      title: 'A <b>bold</b> & "quoted" title',
      rows: [{ key: 'x', label: '<script>alert(1)</script>' }],
      cells: [[{ value: 12 }]],
      columnTotals: [{ value: 12 }],
    };
    const out = tableToHtml(t);
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;');
    expect(out).toContain('A &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; title');
    expect(out).not.toContain('aria-describedby');
  });

  it('never contains the canary in any table', () => {
    for (const t of d.tables) expect(tableToHtml(t)).not.toContain(String(CANARY));
  });
});
