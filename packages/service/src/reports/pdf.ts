/**
 * The report as a PDF, laid out by pdfmake 0.3 (loaded on first use: it pulls in pdfkit and
 * fontkit). Nothing is fetched: URL access is refused outright and local file access is limited to
 * the four Roboto files shipped inside pdfmake's own package, so no string in a report can make the
 * renderer read a path or open a connection (pdfmake resolves image and font sources it finds in a
 * document definition). Every page carries a CONFIDENTIAL header and a "Page n of m" footer; the
 * coverage and findings tables repeat their header row on every page.
 */
import { createRequire } from 'node:module';
import type { Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { CRITERION_OUTCOMES, FINDING_STATUSES } from './executive.js';
import type { CriterionOutcome, ReportFinding, ReviewReport } from './model.js';
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

const require = createRequire(import.meta.url);

/** pdfmake's own Roboto files, by absolute path: no system font, no network. */
function robotoFonts(): { Roboto: Record<'normal' | 'bold' | 'italics' | 'bolditalics', string> } {
  const file = (name: string) => require.resolve(`pdfmake/fonts/Roboto/${name}`);
  return {
    Roboto: {
      normal: file('Roboto-Regular.ttf'),
      bold: file('Roboto-Medium.ttf'),
      italics: file('Roboto-Italic.ttf'),
      bolditalics: file('Roboto-MediumItalic.ttf'),
    },
  };
}

const OUTCOME_COLOUR: Readonly<Record<CriterionOutcome, string>> = {
  met: '#00703c',
  'not-met': '#b50909',
  'risk-accepted': '#8a5300',
  'not-applicable': '#565c65',
  'not-tested': '#565c65',
};

const head = (labels: readonly string[]): TableCell[] => labels.map((text) => ({ text, style: 'th' }));
const mono = (text: string): Content => ({ text, style: 'mono' });
const outcomeCell = (o: CriterionOutcome): Content => ({
  text: OUTCOME_LABEL[o],
  color: OUTCOME_COLOUR[o],
  bold: true,
});
const noneIfEmpty = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));

/**
 * A data table whose first row is repeated on every page it spans. Rows may break across pages: a
 * reviewer note can be longer than a page, and pdfmake drops what does not fit an unbreakable row.
 */
function dataTable(widths: (number | string)[], header: readonly string[], rows: TableCell[][]): Content {
  return {
    table: { headerRows: 1, widths, body: [head(header), ...rows] },
    layout: 'lightHorizontalLines',
    margin: [0, 4, 0, 12],
  };
}

function facts(pairs: readonly (readonly [string, Content])[]): Content {
  return {
    table: { widths: [90, '*'], body: pairs.map(([k, v]) => [{ text: k, bold: true }, v]) },
    layout: 'noBorders',
    margin: [0, 0, 0, 8],
  };
}

function summary(r: ReviewReport): Content[] {
  const sm = r.summary;
  const severityRows: TableCell[][] = sm.findings.bySeverity.map((row) => [
    SEVERITY_LABEL[row.severity],
    ...FINDING_STATUSES.map((st) => ({ text: String(row.byStatus[st]), alignment: 'right' as const })),
    { text: String(row.total), alignment: 'right' as const },
  ]);
  severityRows.push([
    { text: 'All severities', bold: true },
    ...FINDING_STATUSES.map((st) => ({
      text: String(sm.findings.byStatus[st]),
      alignment: 'right' as const,
      bold: true,
    })),
    { text: String(sm.findings.total), alignment: 'right' as const, bold: true },
  ]);
  const familyRows: TableCell[][] = sm.families.map((f) => [
    `${f.id}: ${f.title}`,
    outcomeCell(f.outcome),
    ...CRITERION_OUTCOMES.map((o) => ({ text: String(f.byOutcome[o]), alignment: 'right' as const })),
  ]);
  return [
    { text: 'Executive summary', style: 'h2' },
    { text: sm.statement, margin: [0, 0, 0, 8] },
    { text: 'Findings by severity and status', style: 'caption' },
    dataTable(
      ['*', 50, 62, 62, 62, 40],
      ['Severity', ...FINDING_STATUSES.map((s) => STATUS_LABEL[s]), 'Total'],
      severityRows,
    ),
    { text: 'Outcome by criterion family (number of criteria per outcome)', style: 'caption' },
    dataTable(
      ['*', 62, 34, 40, 46, 46, 40],
      ['Family', 'Outcome', ...CRITERION_OUTCOMES.map((o) => OUTCOME_LABEL[o])],
      familyRows,
    ),
  ];
}

function scope(r: ReviewReport): Content[] {
  const c = r.scope.criteria;
  return [
    { text: 'Scope', style: 'h2' },
    { text: `Criteria: ${c.title}, catalog ${c.catalogId} version ${c.version}.`, margin: [0, 0, 0, 6] },
    r.scope.artifacts.length === 0
      ? { text: 'No artifact files were submitted with this revision.' }
      : dataTable(
          ['*', 80, 170],
          ['Path', 'Size', 'SHA-256'],
          r.scope.artifacts.map((a) => [mono(a.path), formatSize(a.size), mono(a.sha256)]),
        ),
  ];
}

function coverage(r: ReviewReport): Content[] {
  return [
    { text: 'Criteria coverage', style: 'h2', pageBreak: 'before' },
    dataTable(
      [34, '*', 58, 80, 120],
      ['ID', 'Criterion', 'Outcome', 'Findings and scans', 'Reviewer notes'],
      r.coverage.map((c) => [
        c.criterionId,
        c.title,
        outcomeCell(c.outcome),
        {
          stack: [
            mono(`Findings: ${noneIfEmpty(c.evidence.findingIds)}`),
            mono(`Scans: ${noneIfEmpty(c.evidence.scanIds)}`),
          ],
        },
        c.evidence.reviewerNotes.length === 0
          ? 'none'
          : {
              stack: c.evidence.reviewerNotes.map(
                (n) => `${n.reviewer} (${OUTCOME_LABEL[n.outcome]}): ${n.note}`,
              ),
            },
      ]),
    ),
  ];
}

function findingDetail(f: ReportFinding): Content {
  const resolution: Content[] =
    f.resolution === undefined
      ? [{ text: 'Open: no resolution yet.' }]
      : (() => {
          const d = describeResolution(f.resolution);
          return d.reason === ''
            ? [{ text: d.summary }]
            : [{ text: d.summary }, { text: d.reason, margin: [8, 2, 0, 0] }];
        })();
  const evidence: Content =
    f.evidence.length === 0
      ? { text: 'No evidence items recorded.', italics: true }
      : {
          ol: f.evidence.map((ev) => ({
            stack: [
              ev.text,
              ...(ev.location === undefined ? [] : [mono(`Location: ${formatLocation(ev.location)}`)]),
              ...ev.files.map((file) => mono(`Evidence file ${file.name}, SHA-256 ${file.sha256}`)),
            ],
            margin: [0, 0, 0, 4],
          })),
        };
  return {
    stack: [
      { text: `${f.id}: ${f.title}`, style: 'h3' },
      facts([
        ['Severity', SEVERITY_LABEL[f.severity]],
        ['Status', STATUS_LABEL[f.status]],
        ['Criterion', f.criterionId],
        ['Source', SOURCE_LABEL[f.source]],
        ['Rule', f.ruleId === undefined ? 'none' : mono(f.ruleId)],
        ['Raised', f.raisedAt],
      ]),
      { text: 'Description', style: 'h4' },
      { text: f.description },
      { text: 'Evidence', style: 'h4' },
      evidence,
      { text: 'Remediation', style: 'h4' },
      { text: f.remediation },
      { text: 'Resolution', style: 'h4' },
      ...resolution,
    ],
    margin: [0, 0, 0, 10],
  };
}

function findings(r: ReviewReport): Content[] {
  if (r.findings.length === 0) {
    return [
      { text: 'Findings', style: 'h2', pageBreak: 'before' },
      { text: 'The review raised no findings.' },
    ];
  }
  return [
    { text: 'Findings', style: 'h2', pageBreak: 'before' },
    dataTable(
      [70, 48, 70, 44, '*'],
      ['ID', 'Severity', 'Status', 'Criterion', 'Title'],
      r.findings.map((f) => [
        mono(f.id),
        SEVERITY_LABEL[f.severity],
        STATUS_LABEL[f.status],
        f.criterionId,
        f.title,
      ]),
    ),
    ...r.findings.map(findingDetail),
  ];
}

function signOffs(r: ReviewReport): Content[] {
  return [
    { text: 'Reviewer sign-off', style: 'h2' },
    r.signOffs.length === 0
      ? { text: 'No reviewer has signed off this revision yet.' }
      : dataTable(
          ['*', 100],
          ['Reviewer', 'Date'],
          r.signOffs.map((s) => [s.reviewer, s.date]),
        ),
  ];
}

/** The pdfmake document definition (exported for tests; pure). */
export function reportPdfDefinition(report: ReviewReport): TDocumentDefinitions {
  const r = orderReport(report);
  const s = r.submission;
  const at = new Date(r.generatedAt);
  return {
    pageSize: 'LETTER',
    pageMargins: [40, 64, 40, 48],
    language: 'en-US',
    info: {
      title: reportTitle(r),
      author: r.program.name,
      subject: `Confidential review report ${r.reportId}`,
      creator: 'vacsrp',
      producer: 'vacsrp (pdfmake)',
      creationDate: at,
      modDate: at,
    },
    header: () => ({
      stack: [
        { text: 'CONFIDENTIAL', bold: true, fontSize: 12, color: '#b50909', alignment: 'center' },
        { text: CONFIDENTIAL_NOTICE, fontSize: 7, color: '#565c65', alignment: 'center' },
      ],
      margin: [40, 20, 40, 0],
    }),
    footer: (currentPage: number, pageCount: number) => ({
      columns: [
        { text: `Report ${r.reportId}`, fontSize: 8, color: '#565c65' },
        { text: `Page ${currentPage} of ${pageCount}`, fontSize: 8, alignment: 'right' },
      ],
      margin: [40, 16, 40, 0],
    }),
    content: [
      { text: reportTitle(r), style: 'h1' },
      facts([
        ['Program', `${r.program.name} (${r.program.url})`],
        ['Model', s.modelName],
        ['Vendor', s.vendorName],
        ['Submission', `${s.id}, revision ${s.revision}, submitted ${s.submittedAt}`],
        ['Report', `${r.reportId}, generated ${r.generatedAt}`],
      ]),
      ...summary(r),
      ...scope(r),
      ...coverage(r),
      ...findings(r),
      ...signOffs(r),
    ],
    defaultStyle: { font: 'Roboto', fontSize: 9, lineHeight: 1.15 },
    styles: {
      h1: { fontSize: 16, bold: true, margin: [0, 0, 0, 8] },
      h2: { fontSize: 13, bold: true, margin: [0, 12, 0, 6] },
      h3: { fontSize: 11, bold: true, margin: [0, 10, 0, 4] },
      h4: { fontSize: 9, bold: true, margin: [0, 6, 0, 2] },
      th: { bold: true, fillColor: '#f0f0f0' },
      caption: { bold: true, margin: [0, 4, 0, 0] },
      mono: { fontSize: 8, color: '#1b1b1b' },
    },
  };
}

/** Renders the report to PDF bytes. Only faults of the environment (a missing font file) reject. */
export async function renderReportPdf(report: ReviewReport): Promise<Buffer> {
  const definition = reportPdfDefinition(report);
  const fonts = robotoFonts();
  const allowed = new Set(Object.values(fonts.Roboto));
  const { default: pdfmake } = await import('pdfmake');
  // pdfmake is a module-level singleton: set everything and create the document in one synchronous
  // step, so no other caller's settings can slip in between.
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy((path) => allowed.has(path));
  pdfmake.setFonts(fonts);
  return pdfmake.createPdf(definition).getBuffer();
}

/** Number of pages of a PDF written by pdfkit (page objects are never compressed there). */
export function countPdfPages(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type \/Page(?![s\w])/g)?.length ?? 0;
}
