/**
 * The one ordering every renderer uses, so that the same report renders to the same bytes however
 * the service happened to list its rows. Code-point string order, never locale order.
 */
import { SEVERITIES } from '../summary/model.js';
import type { ReportFinding, ReviewReport, Severity, SignOff } from './model.js';

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** Most severe first, then by id. */
export const byFinding = (a: ReportFinding, b: ReportFinding): number =>
  severityRank(a.severity) - severityRank(b.severity) || byString(a.id, b.id);

export const bySignOff = (a: SignOff, b: SignOff): number =>
  byString(a.date, b.date) || byString(a.reviewer, b.reviewer);

/**
 * The report with every collection whose order carries no meaning sorted: artifacts by path,
 * findings by severity then id, evidence files by name then digest, reviewer outcomes, scans and
 * sign-offs. Evidence items keep their recorded order; coverage keeps catalog order. Idempotent.
 */
export function orderReport(report: ReviewReport): ReviewReport {
  return {
    ...report,
    scope: {
      ...report.scope,
      artifacts: [...report.scope.artifacts].sort((a, b) => byString(a.path, b.path)),
    },
    findings: [...report.findings].sort(byFinding).map((f) => ({
      ...f,
      evidence: f.evidence.map((e) => ({
        ...e,
        files: [...e.files].sort((a, b) => byString(a.name, b.name) || byString(a.sha256, b.sha256)),
      })),
    })),
    reviewerOutcomes: [...report.reviewerOutcomes].sort(
      (a, b) =>
        byString(a.criterionId, b.criterionId) ||
        byString(a.reviewer, b.reviewer) ||
        byString(a.outcome, b.outcome) ||
        byString(a.note, b.note),
    ),
    scans: [...report.scans].sort((a, b) => byString(a.id, b.id)),
    signOffs: [...report.signOffs].sort(bySignOff),
  };
}
