/**
 * The annual report as PDF with pdfmake 0.3 (../shared/research/deps.md §10). Fonts come from
 * pdfmake's bundled virtual file system (Roboto), never from disk or the network; URL and local
 * file access are denied before every document, so nothing in the content can make the server
 * fetch or read anything. Page numbers in the footer.
 */
import pdfmake from 'pdfmake';
import vfsFonts from 'pdfmake/build/vfs_fonts.js';
import type { Content, TableCell as PdfCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import { SUPPRESSION_NOTE } from '../dashboard/export.js';
import type { DashboardTable } from '../dashboard/metrics.js';
import { ANNUAL_HEADINGS, ANNUAL_TITLE, cellText, changeText } from './markdown.js';
import type { AnnualReport } from './model.js';

/** pdfmake's server build keeps its virtual file system on the default export (untyped in @types/pdfmake). */
interface VirtualFs {
  existsSync(name: string): boolean;
  writeFileSync(name: string, content: Buffer): void;
}

const FONT_FILES = {
  normal: 'Roboto-Regular.ttf',
  bold: 'Roboto-Medium.ttf',
  italics: 'Roboto-Italic.ttf',
  bolditalics: 'Roboto-MediumItalic.ttf',
} as const;
/** Our own names in the shared virtual file system, so another module's fonts cannot collide. */
const VFS_PREFIX = 'vacsrp-annual/';

function prepare(): void {
  const fs = (pdfmake as unknown as { virtualfs: VirtualFs }).virtualfs;
  const fonts = vfsFonts as unknown as Record<string, string>;
  for (const file of Object.values(FONT_FILES)) {
    const name = `${VFS_PREFIX}${file}`;
    const data = fonts[file];
    if (data === undefined) throw new Error(`pdfmake vfs has no ${file}`);
    if (!fs.existsSync(name)) fs.writeFileSync(name, Buffer.from(data, 'base64'));
  }
  // pdfmake is a process-wide singleton: set our fonts and the deny-all policies right before
  // each document (createPdf reads them synchronously), whatever another caller set before.
  pdfmake.setFonts({
    Roboto: {
      normal: `${VFS_PREFIX}${FONT_FILES.normal}`,
      bold: `${VFS_PREFIX}${FONT_FILES.bold}`,
      italics: `${VFS_PREFIX}${FONT_FILES.italics}`,
      bolditalics: `${VFS_PREFIX}${FONT_FILES.bolditalics}`,
    },
  });
  pdfmake.setUrlAccessPolicy(() => false);
  pdfmake.setLocalAccessPolicy(() => false);
}

const head = (text: string): PdfCell => ({ text, style: 'th' });
const num = (text: string): PdfCell => ({ text, alignment: 'right' });

function table(t: DashboardTable): Content[] {
  const header: PdfCell[] = [head(t.rowHeading), ...t.columns.map((c) => head(c.label))];
  if (t.rowTotals) header.push(head('Total'));
  const body: PdfCell[][] = [header];
  t.rows.forEach((r, i) => {
    const row: PdfCell[] = [r.label, ...(t.cells[i] ?? []).map((c) => num(cellText(c, t.unit)))];
    const total = t.rowTotals?.[i];
    if (total) row.push(num(cellText(total, t.unit)));
    body.push(row);
  });
  if (t.columnTotals) {
    const row: PdfCell[] = [
      { text: 'Total', bold: true },
      ...t.columnTotals.map((c) => num(cellText(c, t.unit))),
    ];
    if (t.rowTotals) row.push(num(t.grandTotal ? cellText(t.grandTotal, t.unit) : ''));
    body.push(row);
  }
  return [
    { text: t.title, style: 'h3' },
    { text: t.description, style: 'small' },
    {
      table: { headerRows: 1, widths: ['*', ...header.slice(1).map(() => 'auto' as const)], body },
      layout: 'lightHorizontalLines',
      style: 'table',
    },
  ];
}

/** The PDF document definition (exposed for tests; deterministic for the same model). */
export function annualPdfDefinition(report: AnnualReport): TDocumentDefinitions {
  const h = (i: number): Content => ({ text: ANNUAL_HEADINGS[i] as string, style: 'h2' });
  const content: Content[] = [
    { text: ANNUAL_TITLE, style: 'h1' },
    { text: `Annual Report to Congress, Fiscal Year ${report.fiscalYear}`, style: 'subtitle' },
    {
      text: `Reporting period ${report.period.start} to ${report.period.end}. Data as of ${report.asOf}.`,
      style: 'small',
    },
    h(0),
    {
      table: {
        headerRows: 1,
        widths: ['*', 'auto'],
        body: [
          [head('Measure'), head('Value')],
          ...report.highlights.map((x): PdfCell[] => [x.label, num(cellText(x.value, x.unit))]),
        ],
      },
      layout: 'lightHorizontalLines',
      style: 'table',
    },
    h(1),
    ...report.participation.flatMap(table),
    h(2),
    ...report.completion.flatMap(table),
    h(3),
    ...report.findings.flatMap(table),
    h(4),
    {
      table: {
        headerRows: 1,
        widths: ['*', 'auto', 'auto', 'auto'],
        body: [
          [
            head('Measure'),
            head(`FY${report.fiscalYear}`),
            head(`FY${report.previousFiscalYear}`),
            head('Change'),
          ],
          ...report.trends.map((r): PdfCell[] => [
            r.label,
            num(cellText(r.current, r.unit)),
            num(cellText(r.previous, r.unit)),
            num(changeText(r)),
          ]),
        ],
      },
      layout: 'lightHorizontalLines',
      style: 'table',
    },
    {
      text: 'Changes are shown only where both years are published; pp = percentage points.',
      style: 'small',
    },
    h(5),
    report.recommendations.length === 0
      ? { text: 'No criterion had a published count of organisations with findings this year.' }
      : {
          ol: report.recommendations.map((r) => ({
            stack: [
              {
                text: [
                  { text: `${r.criterionId} ${r.title}`, bold: true },
                  ` (${r.family}): ${r.organisations} organisations had findings.`,
                ],
              },
              { text: `Requirement: ${r.requirement}`, style: 'small' },
              { ul: r.mitigations.map((m) => ({ text: m, style: 'small' })) },
            ],
            margin: [0, 0, 0, 6] as [number, number, number, number],
          })),
        },
    h(6),
    { ul: [...report.methodology] },
    h(7),
    { ul: [...report.disclosureControl] },
    { text: SUPPRESSION_NOTE, style: 'small', margin: [0, 6, 0, 0] },
  ];
  return {
    pageSize: 'LETTER',
    pageMargins: [54, 54, 54, 54],
    info: {
      title: `${ANNUAL_TITLE}: Annual Report to Congress, FY${report.fiscalYear}`,
      author: ANNUAL_TITLE,
      subject: `Annual report, fiscal year ${report.fiscalYear}`,
      creationDate: new Date(report.asOf),
      modDate: new Date(report.asOf),
    },
    footer: (page: number, pages: number): Content => ({
      text: `Page ${page} of ${pages}`,
      alignment: 'center',
      style: 'small',
      margin: [0, 18, 0, 0],
    }),
    content,
    defaultStyle: { font: 'Roboto', fontSize: 10 },
    styles: {
      h1: { fontSize: 18, bold: true },
      subtitle: { fontSize: 14, margin: [0, 2, 0, 4] },
      h2: { fontSize: 14, bold: true, margin: [0, 14, 0, 6] },
      h3: { fontSize: 11, bold: true, margin: [0, 8, 0, 2] },
      th: { bold: true },
      small: { fontSize: 8, color: '#454545' },
      table: { fontSize: 8, margin: [0, 4, 0, 6] },
    },
  };
}

/** Render the report as a PDF (Letter pages, page numbers). */
export async function renderAnnualPdf(report: AnnualReport): Promise<Buffer> {
  prepare();
  return pdfmake.createPdf(annualPdfDefinition(report)).getBuffer();
}
