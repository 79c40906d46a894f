/**
 * The confidential report of a revision as a download, for the owning organisation, its assigned
 * reviewers and administrators; every download is audited (`report.downloaded`).
 */

import { loadCriteriaCatalog } from '@vacsrp/scanner';
import { buildReviewReport } from '../../reports/build.js';
import { renderReportHtml } from '../../reports/html.js';
import { renderReportJson } from '../../reports/json.js';
import { renderOscalAssessmentResults, renderOscalPoam } from '../../reports/oscal.js';
import { renderReportPdf } from '../../reports/pdf.js';
import { requireSubmissionRole, visibleSubmission } from '../access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from '../context.js';
import { recordEvent } from '../events.js';
import { buildConfidentialReview } from './confidential.js';
import { programIdentity } from './settings.js';

export const REPORT_FORMATS = ['json', 'html', 'pdf', 'oscal-assessment-results', 'oscal-poam'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_MEDIA_TYPES: Readonly<Record<ReportFormat, string>> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  'oscal-assessment-results': 'application/json; charset=utf-8',
  'oscal-poam': 'application/json; charset=utf-8',
};

const SUFFIX: Readonly<Record<ReportFormat, string>> = {
  json: 'report.json',
  html: 'report.html',
  pdf: 'report.pdf',
  'oscal-assessment-results': 'assessment-results.oscal.json',
  'oscal-poam': 'poam.oscal.json',
};

export interface ReportDownload {
  readonly mediaType: string;
  /** A file name made of the submission id and revision only (nothing a developer wrote). */
  readonly fileName: string;
  readonly body: string | Buffer;
}

export async function downloadReport(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  revision: number,
  format: ReportFormat,
): Promise<ReportDownload> {
  requireSubmissionRole(origin.actor);
  if (!REPORT_FORMATS.includes(format)) throw new AppError('INVALID', `unknown report format ${format}`);
  const data = await ctx.db.transaction().execute(async (tx) => {
    await visibleSubmission(tx, origin.actor, submissionId);
    const exists = await tx
      .selectFrom('revisions')
      .select('number')
      .where('submission_id', '=', submissionId)
      .where('number', '=', revision)
      .executeTakeFirst();
    if (exists === undefined) throw notFound('revision');
    const now = nowIso(ctx.clock);
    const built = await buildConfidentialReview(tx, submissionId, revision, {
      program: programIdentity(ctx),
      generatedAt: now,
    });
    await recordEvent(
      tx,
      origin,
      now,
      'report.downloaded',
      { kind: 'submission', id: submissionId },
      { revision, format },
    );
    return built;
  });
  const report = buildReviewReport(data.report, loadCriteriaCatalog());
  if (!report.ok) {
    throw new AppError('UNPROCESSABLE', `the report cannot be built: ${report.error.message}`, {
      reason: report.error.code,
      field: report.error.field,
    });
  }
  const fileName = `vacsrp-${submissionId}-r${revision}-${SUFFIX[format]}`;
  const mediaType = REPORT_MEDIA_TYPES[format];
  switch (format) {
    case 'json':
      return { mediaType, fileName, body: renderReportJson(report.value) };
    case 'html':
      return { mediaType, fileName, body: renderReportHtml(report.value) };
    case 'pdf':
      return { mediaType, fileName, body: await renderReportPdf(report.value) };
    case 'oscal-assessment-results':
      return { mediaType, fileName, body: renderOscalAssessmentResults(report.value) };
    case 'oscal-poam':
      return { mediaType, fileName, body: renderOscalPoam(report.value) };
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
