/**
 * The report as one self-contained HTML document: inline CSS, no scripts, no external resources
 * (a Content-Security-Policy meta forbids them), every string from the report escaped, headings in
 * order, data tables with captions and scoped headers, and print rules (repeated table heads, no
 * rows split across pages).
 */
import { CRITERION_OUTCOMES, FINDING_STATUSES } from './executive.js';
import type { CriterionOutcome, ReportEvidence, ReportFinding, ReviewReport } from './model.js';
import { orderReport } from './order.js';
import {
  CONFIDENTIAL_NOTICE,
  describeResolution,
  formatLocation,
  formatSize,
  OUTCOME_LABEL,
  reportTitle,
  SEVERITY_LABEL,
  SOURCE_LABEL,
  STATUS_LABEL,
} from './words.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const e = escapeHtml;

const CSS = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #565c65; --rule: #dfe1e2; --bad: #b50909; --warn: #8a5300; --ok: #00703c; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Source Sans Pro", "Helvetica Neue", Helvetica, Arial, sans-serif; color: var(--ink); line-height: 1.45; }
main { max-width: 72rem; margin: 0 auto; padding: 0 1.5rem 3rem; }
.confidential { margin: 0; padding: .5rem 1.5rem; background: #1b1b1b; color: #fff; font-weight: 700; letter-spacing: .04em; }
h1 { font-size: 1.8rem; margin: 1.5rem 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2rem 0 .75rem; border-bottom: 2px solid var(--ink); padding-bottom: .25rem; }
h3 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.facts dt { font-weight: 700; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .95rem; }
caption { text-align: left; font-weight: 700; padding: .25rem 0; }
th, td { border: 1px solid var(--rule); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: "Roboto Mono", Menlo, Consolas, monospace; font-size: .85em; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: .25rem 0; }
.statement { font-size: 1.05rem; border-left: 4px solid var(--ink); padding-left: .75rem; }
.outcome-not-met, .status-open { color: var(--bad); font-weight: 700; }
.outcome-risk-accepted, .status-risk-accepted { color: var(--warn); font-weight: 700; }
.outcome-met, .status-remediated { color: var(--ok); }
.outcome-not-tested, .outcome-not-applicable, .status-false-positive { color: var(--muted); }
article.finding { border-top: 1px solid var(--rule); margin-top: 1.5rem; }
.muted { color: var(--muted); }
footer { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; color: var(--muted); border-top: 1px solid var(--rule); }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .confidential { background: none; color: #000; border: 2px solid #000; }
  thead { display: table-header-group; }
  tr, li, .statement { break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
@page { size: auto; margin: 18mm 15mm; }
`;

const outcome = (o: CriterionOutcome): string => `<span class="outcome-${o}">${e(OUTCOME_LABEL[o])}</span>`;
const findingAnchor = (id: string): string => `finding-${id}`;
const list = (items: readonly string[]): string =>
  items.length === 0 ? '<span class="muted">none</span>' : items.join(', ');

function table(
  caption: string,
  head: readonly string[],
  rows: readonly string[],
  numeric: readonly number[] = [],
): string {
  const th = head
    .map((h, i) => `<th scope="col"${numeric.includes(i) ? ' class="num"' : ''}>${e(h)}</th>`)
    .join('');
  return `<table>\n<caption>${e(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function header(r: ReviewReport): string {
  const s = r.submission;
  const facts: readonly (readonly [string, string])[] = [
    ['Program', `${e(r.program.name)} (<span class="mono">${e(r.program.url)}</span>)`],
    ['Model', e(s.modelName)],
    ['Vendor', e(s.vendorName)],
    [
      'Submission',
      `<span class="mono">${e(s.id)}</span>, revision ${s.revision}, submitted ${e(s.submittedAt)}`,
    ],
    ['Report', `<span class="mono">${e(r.reportId)}</span>, generated ${e(r.generatedAt)}`],
  ];
  return `<h1>${e(reportTitle(r))}</h1>\n<dl class="facts">\n${facts
    .map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`)
    .join('\n')}\n</dl>`;
}

function summary(r: ReviewReport): string {
  const sm = r.summary;
  const severityRows = sm.findings.bySeverity.map(
    (row) =>
      `<tr><th scope="row">${e(SEVERITY_LABEL[row.severity])}</th>${FINDING_STATUSES.map(
        (st) => `<td class="num">${row.byStatus[st]}</td>`,
      ).join('')}<td class="num">${row.total}</td></tr>`,
  );
  severityRows.push(
    `<tr><th scope="row">All severities</th>${FINDING_STATUSES.map(
      (st) => `<td class="num">${sm.findings.byStatus[st]}</td>`,
    ).join('')}<td class="num">${sm.findings.total}</td></tr>`,
  );
  const familyRows = sm.families.map(
    (f) =>
      `<tr><th scope="row">${e(f.id)}: ${e(f.title)}</th><td>${outcome(f.outcome)}</td>${CRITERION_OUTCOMES.map(
        (o) => `<td class="num">${f.byOutcome[o]}</td>`,
      ).join('')}</tr>`,
  );
  return [
    '<section aria-labelledby="summary">',
    '<h2 id="summary">Executive summary</h2>',
    `<p class="statement">${e(sm.statement)}</p>`,
    table(
      'Findings by severity and status',
      ['Severity', ...FINDING_STATUSES.map((st) => STATUS_LABEL[st]), 'Total'],
      severityRows,
      [1, 2, 3, 4, 5],
    ),
    table(
      'Outcome by criterion family (number of criteria per outcome)',
      ['Family', 'Family outcome', ...CRITERION_OUTCOMES.map((o) => OUTCOME_LABEL[o])],
      familyRows,
      [2, 3, 4, 5, 6],
    ),
    '</section>',
  ].join('\n');
}

function scope(r: ReviewReport): string {
  const c = r.scope.criteria;
  const rows = r.scope.artifacts.map(
    (a) =>
      `<tr><th scope="row" class="mono">${e(a.path)}</th><td class="num">${e(formatSize(a.size))}</td><td class="mono">${e(a.sha256)}</td></tr>`,
  );
  return [
    '<section aria-labelledby="scope">',
    '<h2 id="scope">Scope</h2>',
    `<p>Criteria: ${e(c.title)}, catalog <span class="mono">${e(c.catalogId)}</span> version ${e(c.version)}.</p>`,
    rows.length === 0
      ? '<p>No artifact files were submitted with this revision.</p>'
      : table(`Artifacts (${rows.length})`, ['Path', 'Size', 'SHA-256'], rows, [1]),
    '</section>',
  ].join('\n');
}

function coverage(r: ReviewReport): string {
  const rows = r.coverage.map((c) => {
    const findings = c.evidence.findingIds.map(
      (id) => `<a href="#${e(findingAnchor(id))}" class="mono">${e(id)}</a>`,
    );
    const scans = c.evidence.scanIds.map((id) => `<span class="mono">${e(id)}</span>`);
    const notes =
      c.evidence.reviewerNotes.length === 0
        ? '<span class="muted">none</span>'
        : c.evidence.reviewerNotes
            .map(
              (n) =>
                `<p class="text"><strong>${e(n.reviewer)}</strong> (${e(OUTCOME_LABEL[n.outcome])}): ${e(n.note)}</p>`,
            )
            .join('');
    return `<tr><th scope="row">${e(c.criterionId)}</th><td>${e(c.title)}</td><td>${outcome(c.outcome)}</td><td>${list(findings)}</td><td>${list(scans)}</td><td>${notes}</td></tr>`;
  });
  return [
    '<section aria-labelledby="coverage">',
    '<h2 id="coverage">Criteria coverage</h2>',
    '<p>Every criterion of the catalog, with its outcome and the evidence behind it. An open finding makes a criterion not met; only accepted risks make it risk accepted; a criterion is met only when it was tested (automated rules ran, a reviewer recorded it, or a finding under it was remediated); otherwise it is not tested.</p>',
    table(
      'Criteria coverage',
      ['Criterion', 'Title', 'Outcome', 'Findings', 'Scans', 'Reviewer notes'],
      rows,
    ),
    '</section>',
  ].join('\n');
}

function evidence(items: readonly ReportEvidence[]): string {
  if (items.length === 0) return '<p class="muted">No evidence items recorded.</p>';
  const li = items.map((ev) => {
    const parts = [`<p class="text">${e(ev.text)}</p>`];
    if (ev.location !== undefined) {
      parts.push(`<p>Location: <span class="mono">${e(formatLocation(ev.location))}</span></p>`);
    }
    if (ev.files.length > 0) {
      parts.push(
        `<ul>${ev.files
          .map(
            (f) =>
              `<li>Evidence file <span class="mono">${e(f.name)}</span>, SHA-256 <span class="mono">${e(f.sha256)}</span></li>`,
          )
          .join('')}</ul>`,
      );
    }
    return `<li>${parts.join('')}</li>`;
  });
  return `<ol>\n${li.join('\n')}\n</ol>`;
}

function finding(f: ReportFinding): string {
  const facts: readonly (readonly [string, string])[] = [
    ['Severity', e(SEVERITY_LABEL[f.severity])],
    ['Status', `<span class="status-${f.status}">${e(STATUS_LABEL[f.status])}</span>`],
    ['Criterion', e(f.criterionId)],
    ['Source', e(SOURCE_LABEL[f.source])],
    [
      'Rule',
      f.ruleId === undefined ? '<span class="muted">none</span>' : `<span class="mono">${e(f.ruleId)}</span>`,
    ],
    ['Raised', e(f.raisedAt)],
  ];
  const resolution =
    f.resolution === undefined
      ? '<p>Open: no resolution yet.</p>'
      : (() => {
          const d = describeResolution(f.resolution);
          return `<p>${e(d.summary)}</p>${d.reason === '' ? '' : `<p class="text">${e(d.reason)}</p>`}`;
        })();
  return [
    `<article class="finding" id="${e(findingAnchor(f.id))}" aria-labelledby="${e(findingAnchor(f.id))}-title">`,
    `<h3 id="${e(findingAnchor(f.id))}-title"><span class="mono">${e(f.id)}</span>: ${e(f.title)}</h3>`,
    `<dl class="facts">\n${facts.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('\n')}\n</dl>`,
    '<h4>Description</h4>',
    `<p class="text">${e(f.description)}</p>`,
    '<h4>Evidence</h4>',
    evidence(f.evidence),
    '<h4>Remediation</h4>',
    `<p class="text">${e(f.remediation)}</p>`,
    '<h4>Resolution</h4>',
    resolution,
    '</article>',
  ].join('\n');
}

function findings(r: ReviewReport): string {
  if (r.findings.length === 0) {
    return '<section aria-labelledby="findings">\n<h2 id="findings">Findings</h2>\n<p>The review raised no findings.</p>\n</section>';
  }
  const rows = r.findings.map(
    (f) =>
      `<tr><th scope="row"><a href="#${e(findingAnchor(f.id))}" class="mono">${e(f.id)}</a></th><td>${e(SEVERITY_LABEL[f.severity])}</td><td class="status-${f.status}">${e(STATUS_LABEL[f.status])}</td><td>${e(f.criterionId)}</td><td>${e(f.title)}</td></tr>`,
  );
  return [
    '<section aria-labelledby="findings">',
    '<h2 id="findings">Findings</h2>',
    table(
      `Findings (${r.findings.length}), most severe first`,
      ['ID', 'Severity', 'Status', 'Criterion', 'Title'],
      rows,
    ),
    ...r.findings.map(finding),
    '</section>',
  ].join('\n');
}

function signOffs(r: ReviewReport): string {
  const rows = r.signOffs.map((s) => `<tr><th scope="row">${e(s.reviewer)}</th><td>${e(s.date)}</td></tr>`);
  return [
    '<section aria-labelledby="sign-off">',
    '<h2 id="sign-off">Reviewer sign-off</h2>',
    rows.length === 0
      ? '<p>No reviewer has signed off this revision yet.</p>'
      : table('Reviewer sign-off', ['Reviewer', 'Date'], rows),
    '</section>',
  ].join('\n');
}

/** The complete HTML document (UTF-8, final newline). */
export function renderReportHtml(report: ReviewReport): string {
  const r = orderReport(report);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${e(reportTitle(r))}</title>
<style>${CSS}</style>
</head>
<body>
<p class="confidential" role="note">${e(CONFIDENTIAL_NOTICE)}</p>
<main>
${header(r)}
${summary(r)}
${scope(r)}
${coverage(r)}
${findings(r)}
${signOffs(r)}
</main>
<footer><p>${e(r.program.name)}. Report <span class="mono">${e(r.reportId)}</span>. ${e(CONFIDENTIAL_NOTICE)}</p></footer>
</body>
</html>
`;
}
