import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCriterion, RULES } from '@vacsrp/scanner';
import { describe, expect, it } from 'vitest';
import {
  ANNUAL_HEADINGS,
  type AnnualReport,
  annualPdfDefinition,
  buildAnnualReport,
  mitigationsFor,
  renderAnnualMarkdown,
  renderAnnualPdf,
} from '../src/annual/report.js';
import { buildDashboard, protectedViews } from '../src/dashboard/metrics.js';
import { syntheticProgram } from '../src/dashboard/synthetic.js';
import { deriveAll } from '../src/disclosure/index.js';
import { CANARY, canaryProgram } from './fixtures/dashboard/canary.js';

/** Byte-for-byte golden comparison; `UPDATE_GOLDEN=1` rewrites the file instead. */
function golden(name: string, actual: string): void {
  const file = new URL(`./fixtures/dashboard/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

function report(records = syntheticProgram({ seed: 20270930 }), fiscalYear = 2027): AnnualReport {
  const r = buildAnnualReport(records, { fiscalYear });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
const model = report();

const hasPdftotext = (() => {
  try {
    execFileSync('pdftotext', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('annual report model', () => {
  it('covers the fiscal year and compares it with the year before', () => {
    expect(model.fiscalYear).toBe(2027);
    expect(model.previousFiscalYear).toBe(2026);
    expect(model.period).toEqual({ start: '2026-10-01', end: '2027-09-30' });
    expect(model.participation.every((t) => t.fiscalYear === 2027)).toBe(true);
    expect(new Set(model.tables.map((t) => t.fiscalYear))).toEqual(new Set([2026, 2027]));
  });

  it('shows a change only where both years are published, and it is their difference', () => {
    let both = 0;
    for (const r of model.trends) {
      if ('value' in r.current && 'value' in r.previous) {
        both++;
        expect(r.change).toEqual({ value: Math.round((r.current.value - r.previous.value) * 10) / 10 });
      } else expect(r.change).toEqual({ suppressed: true });
    }
    expect(both).toBeGreaterThan(3);
  });

  it('its trend figures are the dashboard’s published cells', () => {
    const dash = buildDashboard(syntheticProgram({ seed: 20270930 }), { fiscalYear: 2026 + 1 });
    if (!dash.ok) throw new Error('dashboard');
    const part = (fy: number) =>
      dash.value.tables.find((t) => t.id === `participation-type-size.FY${fy}`)?.grandTotal;
    const row = model.trends.find((r) => r.key === 'organisations');
    expect(row?.current).toEqual(part(2027));
    expect(row?.previous).toEqual(part(2026));
  });

  it('recommends the published criteria with the most organisations, with catalog mitigations', () => {
    const crit = model.findings.find((t) => t.metric === 'findings-criterion');
    const published = (crit?.rows ?? [])
      .map((r, i) => ({ id: r.key, c: crit?.cells[i]?.[0] }))
      .flatMap(({ id, c }) => (c && 'value' in c ? [{ id, v: c.value }] : []));
    const top = Math.max(...published.map((p) => p.v));
    expect(model.recommendations).toHaveLength(5);
    expect(model.recommendations[0]?.organisations).toBe(top);
    const counts = model.recommendations.map((r) => r.organisations);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    for (const r of model.recommendations) {
      expect(published).toContainEqual({ id: r.criterionId, v: r.organisations });
      expect(r.requirement).toBe(findCriterion(r.criterionId)?.criterion.requirement);
      expect(r.mitigations.length).toBeGreaterThan(0);
    }
  });

  it('mitigations come from the scanner rules of the criterion, or its simulations', () => {
    const sc2 = mitigationsFor('SC-2');
    const rules = Object.values(RULES).filter((r) => r.criterion === 'SC-2');
    expect(rules.length).toBeGreaterThan(0);
    expect(sc2).toContain(rules[0]?.remediation);
    const dt1 = findCriterion('DT-1')?.criterion.testing;
    expect(dt1?.automated.length ?? 0).toBe(0);
    expect(mitigationsFor('DT-1')[0]).toBe(`Reviewers check: ${dt1?.manual[0]}`);
    const ar3 = mitigationsFor('AR-3');
    const sims = findCriterion('AR-3')?.criterion.testing.simulations ?? [];
    if (sims.length > 0) expect(ar3[0]).toContain(sims[0]?.passCondition);
    expect(mitigationsFor('NOPE-1')).toEqual([]);
  });

  it('the report and the dashboard together leave no suppressed cell derivable', () => {
    const records = canaryProgram();
    const dash = buildDashboard(records, { fiscalYear: 2027 });
    const annual = buildAnnualReport(records, { fiscalYear: 2027 });
    if (!dash.ok || !annual.ok) throw new Error('build');
    const views = protectedViews([...dash.value.tables, ...annual.value.tables]);
    const derived = deriveAll(views);
    expect(derived.inconsistent).toBe(false);
    expect([...derived.cells].filter(([, d]) => d.derivable)).toEqual([]);
    expect(derived.cells.size).toBeGreaterThan(0);
  });
});

describe('annual report Markdown', () => {
  const md = renderAnnualMarkdown(model);

  it('matches the golden file byte for byte', () => {
    golden('annual-FY2027.md', md);
  });

  it('has every heading in order and is deterministic', () => {
    const at = ANNUAL_HEADINGS.map((h) => md.indexOf(`\n## ${h}\n`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(renderAnnualMarkdown(report())).toBe(md);
  });

  it('never shows the canary nor the confidential audit trail', () => {
    const r = report(canaryProgram());
    const out = renderAnnualMarkdown(r);
    expect(out).not.toContain(String(CANARY));
    // Cell ids only appear in the confidential audit trail and protected views.
    expect(out).not.toContain('FY2027/');
    expect(JSON.stringify(r.tables.map((t) => t.protected))).toContain('FY2027/');
    expect(out).toContain('| S |');
  });
});

describe('annual report PDF', () => {
  it('is a PDF with page numbers, made without network or file access', async () => {
    const pdf = await renderAnnualPdf(model);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
    const def = annualPdfDefinition(model);
    const footer = def.footer as (page: number, pages: number) => { text: string };
    expect(footer(2, 7).text).toBe('Page 2 of 7');
  });

  it('refuses an image URL or a local file smuggled into the content', async () => {
    const pdfmake = (await import('pdfmake')).default;
    await renderAnnualPdf(model); // sets the deny-all policies
    const def = annualPdfDefinition(model);
    const withUrl = { ...def, content: [{ image: 'http://127.0.0.1:9/x.png' }] };
    await expect(pdfmake.createPdf(withUrl).getBuffer()).rejects.toThrow();
    const withFile = { ...def, content: [{ image: '/etc/hostname' }] };
    await expect(pdfmake.createPdf(withFile).getBuffer()).rejects.toThrow();
  });

  it.skipIf(!hasPdftotext)('contains the headings (pdftotext)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'annual-pdf-'));
    try {
      const file = join(dir, 'r.pdf');
      writeFileSync(file, await renderAnnualPdf(model));
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      for (const h of ANNUAL_HEADINGS) expect(text).toContain(h);
      expect(text).toContain('Page 1 of');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
