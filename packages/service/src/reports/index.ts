/** The confidential review report: built once from plain data, rendered to JSON, HTML, PDF and OSCAL. */
export { buildReviewReport } from './build.js';
export { buildCoverage, type CoverageCriterion, type CoverageFinding } from './coverage.js';
export { CRITERION_OUTCOMES, deriveExecutiveSummary, FINDING_STATUSES } from './executive.js';
export { escapeHtml, renderReportHtml } from './html.js';
export { REPORT_FORMAT, REPORT_FORMAT_VERSION, renderReportJson } from './json.js';
export * from './model.js';
export { orderReport } from './order.js';
export {
  renderOscalAssessmentResults,
  renderOscalPoam,
  reportToOscalAssessmentResults,
  reportToOscalPoam,
} from './oscal.js';
export { OSCAL_VERSION, REPORT_UUID_NAMESPACE } from './oscal-parts.js';
export { countPdfPages, renderReportPdf, reportPdfDefinition } from './pdf.js';
