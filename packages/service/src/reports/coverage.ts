/**
 * Criteria coverage: the outcome of every criterion of the catalog for one revision, and the
 * evidence behind it. The rule, first match wins:
 *
 * 1. `not-met`        an open finding is raised under the criterion, or a reviewer recorded not-met;
 * 2. `risk-accepted`  otherwise, a finding under it is risk-accepted;
 * 3. `not-applicable` otherwise, a reviewer recorded not-applicable;
 * 4. `met`            otherwise, if the criterion was tested: its automated rules ran (the catalog
 *                     lists rules for it and at least one scan of the revision is recorded), a
 *                     reviewer recorded met, or a finding under it was remediated (a remediation is
 *                     always confirmed by a re-scan or a reviewer);
 * 5. `not-tested`     otherwise. False positives alone do not show that a criterion holds.
 */
import type { CriterionEntry } from '@vacsrp/scanner';
import type { CoverageEntry, CriterionOutcome, ReportFinding, ReviewerOutcome, ScanRecord } from './model.js';
import { byString } from './order.js';

/** The part of a finding the coverage rule reads. */
export type CoverageFinding = Pick<ReportFinding, 'id' | 'criterionId' | 'status'>;

/** The part of a catalog criterion the coverage rule reads (scanner's CriterionEntry fits). */
export interface CoverageCriterion {
  readonly family: Pick<CriterionEntry['family'], 'id'>;
  readonly criterion: {
    readonly id: string;
    readonly title: string;
    readonly testing: { readonly automated: readonly string[] };
  };
}

/**
 * One coverage entry per catalog criterion, in catalog order. Findings, outcomes and scans that
 * name a criterion outside the catalog are ignored here (buildReviewReport refuses them).
 */
export function buildCoverage(
  catalogCriteria: readonly CoverageCriterion[],
  findings: readonly CoverageFinding[],
  manualOutcomes: readonly ReviewerOutcome[],
  scans: readonly ScanRecord[] = [],
): CoverageEntry[] {
  const findingsOf = groupBy(findings, (f) => f.criterionId);
  const outcomesOf = groupBy(manualOutcomes, (o) => o.criterionId);
  const scanIds = scans.map((s) => s.id).sort(byString);

  return catalogCriteria.map(({ family, criterion }) => {
    const own = findingsOf.get(criterion.id) ?? [];
    const reviewed = outcomesOf.get(criterion.id) ?? [];
    const automated = criterion.testing.automated.length > 0 && scanIds.length > 0;
    return {
      criterionId: criterion.id,
      title: criterion.title,
      familyId: family.id,
      outcome: outcomeOf(own, reviewed, automated),
      evidence: {
        findingIds: own.map((f) => f.id).sort(byString),
        scanIds: automated ? scanIds : [],
        reviewerNotes: reviewed
          .map((o) => ({ reviewer: o.reviewer, outcome: o.outcome, note: o.note }))
          .sort(
            (a, b) =>
              byString(a.reviewer, b.reviewer) || byString(a.outcome, b.outcome) || byString(a.note, b.note),
          ),
      },
    };
  });
}

function outcomeOf(
  findings: readonly CoverageFinding[],
  reviewed: readonly ReviewerOutcome[],
  automated: boolean,
): CriterionOutcome {
  const has = (s: CoverageFinding['status']) => findings.some((f) => f.status === s);
  const recorded = (o: ReviewerOutcome['outcome']) => reviewed.some((r) => r.outcome === o);
  if (has('open') || recorded('not-met')) return 'not-met';
  if (has('risk-accepted')) return 'risk-accepted';
  if (recorded('not-applicable')) return 'not-applicable';
  if (automated || recorded('met') || has('remediated')) return 'met';
  return 'not-tested';
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}
