/** The public dashboard: metrics with disclosure control, charts, downloads, synthetic records. */
export { chartData, chartSpec, denyingLoader, renderChartSvg } from './charts.js';
export {
  CSV_HEADER,
  csvField,
  DASHBOARD_JSON_FORMAT,
  DASHBOARD_JSON_VERSION,
  dashboardToJson,
  formatValue,
  SUPPRESSED_MARK,
  SUPPRESSION_NOTE,
  TOTAL_KEY,
  tablesToCsv,
  tableToHtml,
  tableToJson,
} from './export.js';
export {
  daysBetween,
  FISCAL_QUARTERS,
  type FiscalQuarter,
  fiscalQuarterOf,
  fiscalYearDates,
  fiscalYearOf,
  isFiscalYear,
  median,
} from './fiscal.js';
export * from './input.js';
export {
  ACCEPTED_RISK_COLUMNS,
  ALL_KEY,
  atlasTechniqueRows,
  buildDashboard,
  buildPublication,
  type Category,
  COMPLETION_STATUSES,
  type CompletionStatus,
  DASHBOARD_DISCLOSURE,
  type Dashboard,
  type DashboardTable,
  METRICS,
  type Metric,
  OTHER_TECHNIQUE,
  type Publication,
  type PublicationIssue,
  type PublicationOptions,
  protectedViews,
  type TableCell,
  TYPE_LABELS,
  type Unit,
} from './metrics.js';
export { mulberry32, type SyntheticOptions, syntheticProgram } from './synthetic.js';
