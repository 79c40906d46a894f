import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { chartData, chartSpec, denyingLoader, renderChartSvg } from '../src/dashboard/charts.js';
import { buildDashboard, type DashboardTable } from '../src/dashboard/metrics.js';
import { CANARY, canaryProgram } from './fixtures/dashboard/canary.js';

const built = buildDashboard(canaryProgram(), { fiscalYear: 2027 });
if (!built.ok) throw new Error('dashboard');
const tables = built.value.tables;
const byId = (id: string): DashboardTable => tables.find((t) => t.id === id) as DashboardTable;

/** Minimal XML well-formedness: balanced tags, quoted attributes, only known entities. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const token =
    /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/g;
  let roots = 0;
  for (const m of xml.matchAll(token)) {
    if (m[0] === '<' || m[0].startsWith('&'))
      throw new Error(`stray ${m[0]} at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (m[0].startsWith('<!--') || m[0].startsWith('<?')) continue;
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${m.index}`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name as string);
    } else if (stack.length === 0) roots++;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('><')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('chart SVG', () => {
  it('is well-formed, titled, described and self-contained for every table', async () => {
    for (const t of tables) {
      const svg = await renderChartSvg(t);
      assertWellFormed(svg);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain(`<title id="chart-${t.id.replace('.', '-')}-title">`);
      expect(svg).toContain('role="img"');
      expect(svg).toMatch(/aria-labelledby="[^"]+-title [^"]+-desc"/);
      // No external reference: the only http strings are the two namespace declarations.
      const withoutNs = svg
        .replace('xmlns="http://www.w3.org/2000/svg"', '')
        .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', '');
      expect(withoutNs).not.toMatch(/https?:/i);
      expect(svg).not.toMatch(/(?:xlink:)?href="(?!#)/);
      expect(svg).not.toMatch(/url\((?!#)/);
      expect(svg).not.toContain(String(CANARY));
    }
  });

  it('shows suppressed cells as S, not as a zero bar, and never with their value', async () => {
    const t = byId('completion-status.FY2027');
    const data = chartData(t);
    const hidden = data.filter((d) => d.suppressed);
    expect(hidden.length).toBeGreaterThan(0);
    for (const d of hidden) expect(d).toMatchObject({ value: null, text: 'S' });
    const svg = await renderChartSvg(t);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts.filter((x) => x === 'S').length).toBe(hidden.length);
    expect(svg).toContain('value(s) are suppressed and shown as S');
  });

  it('escapes the title and description into <title> and <desc>', async () => {
    const t: DashboardTable = {
      ...byId('participation-sector.FY2027'),
      title: 'A & <B>',
      description: 'x < y',
    };
    const svg = await renderChartSvg(t);
    assertWellFormed(svg);
    expect(svg).toContain('>A &amp; &lt;B&gt;</title>');
    expect(svg).toMatch(/<desc [^>]*>x &lt; y/);
  });

  it('is deterministic', async () => {
    const t = byId('findings-criterion.FY2027');
    expect(await renderChartSvg(t)).toBe(await renderChartSvg(t));
  });

  it('uses inline data only', () => {
    const spec = chartSpec(byId('submissions-quarter.FY2027')) as {
      data: { values?: unknown; url?: string };
    };
    expect(spec.data.url).toBeUndefined();
    expect(Array.isArray(spec.data.values)).toBe(true);
  });
});

describe('the chart loader', () => {
  it('refuses http, file and sanitised resource access', async () => {
    const loader = denyingLoader();
    await expect(loader.load('http://127.0.0.1:9/data.json')).rejects.toThrow(/refused/);
    await expect(loader.http('http://127.0.0.1:9/', {})).rejects.toThrow(/refused/);
    await expect(loader.file('/etc/passwd')).rejects.toThrow(/refused/);
    await expect(loader.sanitize('http://example.com/x.png', { context: 'image' })).rejects.toThrow(
      /refused/,
    );
  });

  it('a spec that names a data URL loads nothing through it', async () => {
    let asked = '';
    const base = denyingLoader();
    const loader: vega.Loader = {
      ...base,
      load: (uri, o) => {
        asked = uri;
        return base.load(uri, o);
      },
    };
    const spec: TopLevelSpec = {
      data: { url: 'http://127.0.0.1:9/secret.json' },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' } },
    };
    const view = new vega.View(vega.parse(compile(spec).spec), {
      renderer: 'none',
      loader,
      logLevel: vega.None,
    });
    try {
      await view.runAsync().catch(() => undefined);
      expect(asked).toBe('http://127.0.0.1:9/secret.json');
      expect(view.data('source_0') ?? []).toEqual([]);
    } finally {
      view.finalize();
    }
  });
});
