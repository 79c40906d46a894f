/** The words the HTML and PDF reports share, so both say the same thing the same way. */
import type {
  CriterionOutcome,
  EvidenceLocation,
  FindingStatus,
  Resolution,
  ReviewReport,
  Severity,
} from './model.js';

export const OUTCOME_LABEL: Readonly<Record<CriterionOutcome, string>> = {
  met: 'Met',
  'not-met': 'Not met',
  'risk-accepted': 'Risk accepted',
  'not-applicable': 'Not applicable',
  'not-tested': 'Not tested',
};

export const STATUS_LABEL: Readonly<Record<FindingStatus, string>> = {
  open: 'Open',
  remediated: 'Remediated',
  'risk-accepted': 'Risk accepted',
  'false-positive': 'False positive',
};

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

export const SOURCE_LABEL = { automated: 'Automated', manual: 'Manual' } as const;

export const CONFIDENTIAL_NOTICE =
  'CONFIDENTIAL: for the submitting organisation, its assigned reviewers and program administrators only.';

export function reportTitle(report: ReviewReport): string {
  const s = report.submission;
  return `Confidential review report: ${s.modelName} (submission ${s.id}, revision ${s.revision})`;
}

/** "path › member @ offset 1234 (0x4d2)" */
export function formatLocation(l: EvidenceLocation): string {
  const member = l.member === undefined ? '' : ` › ${l.member}`;
  const offset = l.offset === undefined ? '' : ` @ offset ${l.offset} (0x${l.offset.toString(16)})`;
  return `${l.path}${member}${offset}`;
}

/** Who resolved a finding, when, how, and why, as one sentence and the reason itself. */
export function describeResolution(r: Resolution): { readonly summary: string; readonly reason: string } {
  switch (r.kind) {
    case 'remediated':
      return r.confirmation.method === 'rescan'
        ? {
            summary: `Remediated; confirmed by a re-scan of revision ${r.confirmation.revision}, recorded by ${r.by} on ${r.at}.`,
            reason: '',
          }
        : {
            summary: `Remediated; confirmed by reviewer ${r.by} on ${r.at}.`,
            reason: r.confirmation.note,
          };
    case 'risk-accepted':
      return { summary: `Risk accepted by ${r.by} on ${r.at}. Justification:`, reason: r.justification };
    case 'false-positive':
      return { summary: `Marked a false positive by ${r.by} on ${r.at}. Rationale:`, reason: r.rationale };
    default: {
      const exhaustive: never = r;
      throw new Error(`unknown resolution ${JSON.stringify(exhaustive)}`);
    }
  }
}

/** A byte count for people: exact bytes, and a binary-unit figure when that is shorter to read. */
export function formatSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = '';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  return unit === '' ? `${bytes} B` : `${value.toFixed(1)} ${unit} (${bytes} B)`;
}
