/**
 * The annual report to Congress: `buildAnnualReport` builds the data model from the program
 * records, `renderAnnualMarkdown` and `renderAnnualPdf` render it.
 */
export { ANNUAL_HEADINGS, ANNUAL_TITLE, renderAnnualMarkdown } from './markdown.js';
export {
  ANNUAL_REPORT_FORMAT,
  ANNUAL_REPORT_VERSION,
  type AnnualReport,
  type AnnualReportOptions,
  buildAnnualReport,
  type Highlight,
  MITIGATIONS_PER_CRITERION,
  mitigationsFor,
  RECOMMENDED_CRITERIA,
  type Recommendation,
  type TrendRow,
} from './model.js';
export { annualPdfDefinition, renderAnnualPdf } from './pdf.js';
