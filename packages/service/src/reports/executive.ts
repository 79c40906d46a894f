/**
 * The executive summary, derived from the findings and the coverage table: counts by severity and
 * status, the outcome of each criterion family, and the overall result in plain words. There is
 * deliberately no single score: a score would hide which criteria failed and why.
 */

import { SEVERITIES } from '../summary/model.js';
import { familyOutcome } from '../summary/summarise.js';
import type {
  CoverageEntry,
  CriterionOutcome,
  ExecutiveSummary,
  FindingStatus,
  ReportFinding,
  Severity,
} from './model.js';

export const FINDING_STATUSES: readonly FindingStatus[] = [
  'open',
  'remediated',
  'risk-accepted',
  'false-positive',
];
export const CRITERION_OUTCOMES: readonly CriterionOutcome[] = [
  'met',
  'not-met',
  'risk-accepted',
  'not-applicable',
  'not-tested',
];

const zeroStatus = (): Record<FindingStatus, number> => ({
  open: 0,
  remediated: 0,
  'risk-accepted': 0,
  'false-positive': 0,
});
const zeroOutcome = (): Record<CriterionOutcome, number> => ({
  met: 0,
  'not-met': 0,
  'risk-accepted': 0,
  'not-applicable': 0,
  'not-tested': 0,
});

export function deriveExecutiveSummary(
  families: readonly { readonly id: string; readonly title: string }[],
  coverage: readonly CoverageEntry[],
  findings: readonly ReportFinding[],
  context: { readonly revision: number; readonly catalogTitle: string; readonly catalogVersion: string },
): ExecutiveSummary {
  const byStatus = zeroStatus();
  const rows = new Map<Severity, Record<FindingStatus, number>>(SEVERITIES.map((s) => [s, zeroStatus()]));
  for (const f of findings) {
    byStatus[f.status]++;
    const row = rows.get(f.severity);
    if (row !== undefined) row[f.status]++;
  }
  const bySeverity = SEVERITIES.map((severity) => {
    const counts = rows.get(severity) ?? zeroStatus();
    return { severity, total: sum(Object.values(counts)), byStatus: counts };
  });

  const byOutcome = zeroOutcome();
  for (const c of coverage) byOutcome[c.outcome]++;
  const familyRows = families.map((f) => {
    const own = coverage.filter((c) => c.familyId === f.id);
    const counts = zeroOutcome();
    for (const c of own) counts[c.outcome]++;
    return { id: f.id, title: f.title, outcome: familyOutcome(own.map((c) => c.outcome)), byOutcome: counts };
  });

  return {
    findings: { total: findings.length, byStatus, bySeverity },
    criteria: { total: coverage.length, byOutcome },
    families: familyRows,
    statement: statement(coverage, findings, bySeverity, context),
  };
}

function statement(
  coverage: readonly CoverageEntry[],
  findings: readonly ReportFinding[],
  bySeverity: ExecutiveSummary['findings']['bySeverity'],
  context: { readonly revision: number; readonly catalogTitle: string; readonly catalogVersion: string },
): string {
  const out = [
    `Revision ${context.revision} was reviewed against ${context.catalogTitle} version ${context.catalogVersion}.`,
  ];
  const open = findings.filter((f) => f.status === 'open').length;
  if (findings.length === 0) {
    out.push('The review raised no findings.');
  } else if (open > 0) {
    const severities = bySeverity
      .filter((r) => r.byStatus.open > 0)
      .map((r) => `${r.byStatus.open} ${r.severity}`)
      .join(', ');
    out.push(
      `${count(open, 'finding')} of ${findings.length} ${open === 1 ? 'remains' : 'remain'} open (${severities}); ` +
        'each must be remediated in a new revision or its risk accepted with a justification.',
    );
  } else {
    const s = (status: FindingStatus) => findings.filter((f) => f.status === status).length;
    const parts = [
      [s('remediated'), 'remediated'],
      [s('risk-accepted'), 'accepted as a risk by the developer'],
      [s('false-positive'), 'found to be false positives'],
    ] as const;
    out.push(
      `No finding is open: of ${count(findings.length, 'finding')}, ${parts
        .filter(([n]) => n > 0)
        .map(([n, what]) => `${n} ${what}`)
        .join('; ')}.`,
    );
  }

  const ids = (o: CriterionOutcome) => coverage.filter((c) => c.outcome === o).map((c) => c.criterionId);
  const phrase: Record<CriterionOutcome, string> = {
    met: 'met',
    'not-met': 'not met',
    'risk-accepted': 'met only with an accepted risk',
    'not-applicable': 'not applicable',
    'not-tested': 'not tested',
  };
  const listed: readonly CriterionOutcome[] = ['not-met', 'risk-accepted'];
  const parts = CRITERION_OUTCOMES.flatMap((o) => {
    const list = ids(o);
    if (list.length === 0) return [];
    return [`${list.length} ${phrase[o]}${listed.includes(o) ? ` (${list.join(', ')})` : ''}`];
  });
  if (parts.length > 0)
    out.push(`Of ${count(coverage.length, 'criterion', 'criteria')}: ${parts.join('; ')}.`);
  if (ids('not-tested').length > 0) {
    out.push('A criterion that was not tested is neither passed nor failed.');
  }
  return out.join(' ');
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
