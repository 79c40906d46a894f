/** renderReportHtml: golden bytes, escaping canaries, self-containment and accessible structure. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, type ReportFinding, renderReportHtml } from '../src/reports/index.js';
import { build, emptyReport, expectGolden, fixtureReport } from './fixtures/reports/helpers.js';
import { FINDINGS, INPUT } from './fixtures/reports/input.js';

const SCRIPT = '<script>alert("x")</script>';
const QUOTE = `"'><img src=x onerror=alert(1)>`;
const AMP = 'R&D &amp; co';

function cannedReport() {
  const f0 = FINDINGS[0]!;
  const f2 = FINDINGS[2]!;
  const planted: ReportFinding[] = [
    {
      ...f0,
      title: `Title ${SCRIPT}`,
      description: `Description ${QUOTE}`,
      remediation: `Remediation ${AMP}`,
      evidence: [
        {
          text: `Evidence ${SCRIPT}`,
          location: { path: `dir/${QUOTE}`, member: `m${AMP}` },
          files: [{ name: `file${SCRIPT}.txt`, sha256: 'd'.repeat(64) }],
        },
      ],
    },
    {
      ...f2,
      resolution: {
        kind: 'risk-accepted',
        by: `dev${QUOTE}`,
        at: INPUT.generatedAt,
        justification: `Because ${SCRIPT}`,
      },
    },
  ];
  return build({
    ...INPUT,
    program: { name: `Program ${AMP}`, url: 'https://vacsrp.example.gov/?a=1&b="2"' },
    submission: { ...INPUT.submission, modelName: `Model ${SCRIPT}`, vendorName: `Vendor ${QUOTE}` },
    artifacts: [{ path: `weights/${SCRIPT}.bin`, size: 1, sha256: 'e'.repeat(64) }],
    findings: planted,
    reviewerOutcomes: [
      { criterionId: 'AR-1', outcome: 'met', reviewer: `Rev ${QUOTE}`, note: `Note ${SCRIPT}` },
    ],
    signOffs: [{ reviewer: `Signer ${SCRIPT}`, date: '2026-12-05' }],
  });
}

describe('renderReportHtml', () => {
  it('matches the golden file byte for byte', () => {
    expectGolden('report.html', renderReportHtml(fixtureReport()));
  });

  it('escapes every planted string: no markup from the report survives', () => {
    const html = renderReportHtml(cannedReport());
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html).not.toContain('&amp; co'.replace('&amp;', '&'));
    expect(html).toContain(escapeHtml(SCRIPT));
    expect(html).toContain(escapeHtml(QUOTE));
    expect(html).toContain('R&amp;D &amp;amp; co');
    // Every place a canary went in, it comes out escaped: title, model, vendor, path, file, note, sign-off.
    for (const s of [
      `Title ${SCRIPT}`,
      `Model ${SCRIPT}`,
      `Vendor ${QUOTE}`,
      `weights/${SCRIPT}.bin`,
      `file${SCRIPT}.txt`,
      `Note ${SCRIPT}`,
      `Signer ${SCRIPT}`,
      `Because ${SCRIPT}`,
      `dev${QUOTE}`,
    ]) {
      expect(html).toContain(escapeHtml(s));
    }
  });

  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('is self-contained: no scripts, no external resources, a CSP that forbids them', () => {
    const html = renderReportHtml(cannedReport());
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<[^>]*\ssrc=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    // Every href in the document is an in-page anchor.
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    );
  });

  it('is an accessible, printable document', () => {
    const html = renderReportHtml(fixtureReport());
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<h2 id="summary">Executive summary</h2>');
    // Every header cell has a scope; every table has a caption.
    expect(html).not.toMatch(/<th(?=[\s>])(?![^>]*scope="(col|row)")[^>]*>/);
    expect(html.match(/<table>/g)?.length).toBe(html.match(/<caption>/g)?.length);
    expect(html).toContain('@media print');
    expect(html).toContain('thead { display: table-header-group; }');
    expect(html).toContain('CONFIDENTIAL');
  });

  it('shows every finding with its resolution and every criterion', () => {
    const r = fixtureReport();
    const html = renderReportHtml(r);
    for (const f of r.findings) expect(html).toContain(`id="finding-${f.id}"`);
    for (const c of r.coverage) expect(html).toContain(`<th scope="row">${c.criterionId}</th>`);
    expect(html).toContain('The model is deployed only behind an allow-listed tool gateway.');
    expect(html).toContain('A published test vector, not a credential.');
    expect(html).toContain('weights/model.pt › archive/data.pkl @ offset 1234 (0x4d2)');
  });

  it('says so when there are no findings, artifacts or sign-offs', () => {
    const html = renderReportHtml(emptyReport());
    expect(html).toContain('The review raised no findings.');
    expect(html).toContain('No artifact files were submitted');
    expect(html).toContain('No reviewer has signed off');
  });
});
