/**
 * The report as JSON (report.schema.json): the whole ReviewReport under a format marker, object
 * keys in code-point order, collections in the report's one order, two-space indent and a final
 * newline, so the same report always gives the same bytes.
 */
import type { ReviewReport } from './model.js';
import { orderReport } from './order.js';

export const REPORT_FORMAT = 'vacsrp-review-report';
export const REPORT_FORMAT_VERSION = '1.0.0';

export function renderReportJson(report: ReviewReport): string {
  const doc = { format: REPORT_FORMAT, formatVersion: REPORT_FORMAT_VERSION, ...orderReport(report) };
  return `${JSON.stringify(sortKeys(doc), null, 2)}\n`;
}

/** Object keys sorted recursively; arrays keep their order (the report has already ordered them). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
