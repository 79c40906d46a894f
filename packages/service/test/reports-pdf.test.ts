/** renderReportPdf: a real PDF, paged and headed as promised, that fetches nothing. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pdfmake from 'pdfmake';
import type { Content, ContentTable, DynamicContent } from 'pdfmake/interfaces.js';
import { describe, expect, it } from 'vitest';
import { countPdfPages, renderReportPdf, reportPdfDefinition } from '../src/reports/index.js';
import { build, emptyReport, fixtureReport } from './fixtures/reports/helpers.js';
import { INPUT } from './fixtures/reports/input.js';

const HAS_PDFTOTEXT = spawnSync('pdftotext', ['-v']).error === undefined;

function tables(content: Content): ContentTable[] {
  if (Array.isArray(content)) return content.flatMap(tables);
  if (typeof content !== 'object' || content === null) return [];
  const own = 'table' in content ? [content as ContentTable] : [];
  const stack = 'stack' in content ? tables(content.stack as Content) : [];
  return [...own, ...stack];
}

describe('renderReportPdf', () => {
  it('writes a PDF of the expected length, the same bytes every time', async () => {
    const report = fixtureReport();
    const pdf = await renderReportPdf(report);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toMatch(/%%EOF\s*$/);
    const pages = countPdfPages(pdf);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(pages).toBeLessThanOrEqual(10);
    expect((await renderReportPdf(report)).toString('base64')).toBe(pdf.toString('base64'));
  });

  it('renders a report with no findings', async () => {
    const pdf = await renderReportPdf(emptyReport());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(countPdfPages(pdf)).toBeGreaterThanOrEqual(3);
  });

  it('lets a table row longer than a page run on instead of dropping it', async () => {
    const note = `${'word '.repeat(3_999)}end`;
    const long = build({
      ...INPUT,
      reviewerOutcomes: [{ criterionId: 'AR-1', outcome: 'met', reviewer: 'R', note }],
    });
    const short = build({
      ...INPUT,
      reviewerOutcomes: [{ criterionId: 'AR-1', outcome: 'met', reviewer: 'R', note: 'end' }],
    });
    const [a, b] = await Promise.all([renderReportPdf(long), renderReportPdf(short)]);
    // About 800 lines of note in a narrow column: several more pages, not a clipped row.
    expect(countPdfPages(a) - countPdfPages(b)).toBeGreaterThanOrEqual(8);
  });

  it('puts CONFIDENTIAL in the header and "Page n of m" in the footer of every page', () => {
    const def = reportPdfDefinition(fixtureReport());
    const header = def.header as DynamicContent;
    const footer = def.footer as DynamicContent;
    const size = { width: 612, height: 792, orientation: 'portrait' as const };
    for (const page of [1, 2, 7]) {
      expect(JSON.stringify(header(page, 7, size))).toContain('"CONFIDENTIAL"');
      expect(JSON.stringify(footer(page, 7, size))).toContain(`"Page ${page} of 7"`);
    }
  });

  it('repeats the header row of every data table, the coverage and findings tables among them', () => {
    const all = tables(reportPdfDefinition(fixtureReport()).content);
    const first = (t: ContentTable) => JSON.stringify(t.table.body[0]);
    const coverage = all.find((t) => first(t).includes('Reviewer notes'));
    const findings = all.find((t) => first(t).includes('"Title"'));
    expect(coverage?.table.headerRows).toBe(1);
    expect(findings?.table.headerRows).toBe(1);
    expect(coverage?.table.body).toHaveLength(1 + fixtureReport().coverage.length);
    expect(findings?.table.body).toHaveLength(1 + 5);
  });

  it('fetches nothing: report text never becomes an image or file source, and pdfmake is left refusing both', async () => {
    const planted = build({
      ...INPUT,
      submission: { ...INPUT.submission, modelName: 'https://attacker.example/x.png' },
      findings: [{ ...INPUT.findings[0]!, title: '/etc/passwd', description: 'data:image/png;base64,AAAA' }],
    });
    const def = reportPdfDefinition(planted);
    expect(def.images).toBeUndefined();
    expect(JSON.stringify(def)).not.toMatch(/"(image|svg|qr|attachment|files)"/);
    await renderReportPdf(planted);
    // The policies set by the renderer stay in force on pdfmake's shared instance.
    await expect(
      pdfmake.createPdf({ content: [{ image: 'https://attacker.example/x.png' }] }).getBuffer(),
    ).rejects.toThrow(/denied/);
    await expect(pdfmake.createPdf({ content: [{ image: '/etc/hostname' }] }).getBuffer()).rejects.toThrow(
      /denied/,
    );
  });

  it.skipIf(!HAS_PDFTOTEXT)('contains the finding titles and the page footer (pdftotext)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vacsrp-report-pdf-'));
    try {
      const file = path.join(dir, 'report.pdf');
      const report = fixtureReport();
      writeFileSync(file, (await renderReportPdf(report)).toString('latin1'), 'latin1');
      const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      for (const f of report.findings) expect(text).toContain(f.title);
      expect(text).toContain('Page 1 of');
      expect(text).toContain('CONFIDENTIAL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
