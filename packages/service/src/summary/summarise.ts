import {
  type AcceptedRisk,
  type ConfidentialReview,
  type CriterionOutcome,
  type FamilyOutcome,
  type PublicCatalog,
  type PublicSummary,
  SEVERITIES,
  type Severity,
  type VulnerabilityClass,
} from './model.js';
import { publicName, scrubText } from './scrub.js';

/** Family outcome = the most serious outcome among its criteria, in this order. */
const OUTCOME_ORDER: readonly CriterionOutcome[] = [
  'not-met',
  'risk-accepted',
  'not-tested',
  'met',
  'not-applicable',
];
const rank = (s: Severity): number => SEVERITIES.indexOf(s);
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function familyOutcome(outcomes: readonly CriterionOutcome[]): CriterionOutcome {
  for (const o of OUTCOME_ORDER) if (outcomes.includes(o)) return o;
  return 'not-tested';
}

/**
 * The public summary of a review. Allowlist: every field of the output is built here from the
 * public catalog, counts, identifiers of published criteria, or scrubbed text; no confidential
 * field (title, message, evidence, remediation, notes) is read at all.
 */
export function summariseReview(review: ConfidentialReview, catalog: PublicCatalog): PublicSummary {
  const outcomeOf = new Map(review.criteria.map((c) => [c.criterionId, c.outcome]));
  const familyOf = new Map<string, { id: string; title: string }>();
  const criterionTitle = new Map<string, string>();
  const families: FamilyOutcome[] = catalog.families.map((f) => {
    const criteria = f.criteria.map((c) => {
      familyOf.set(c.id, f);
      criterionTitle.set(c.id, c.title);
      return { id: c.id, title: c.title, outcome: outcomeOf.get(c.id) ?? ('not-tested' as const) };
    });
    return { id: f.id, title: f.title, outcome: familyOutcome(criteria.map((c) => c.outcome)), criteria };
  });
  const rules = new Map(catalog.rules.map((r) => [r.id, r]));

  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byStatus = { open: 0, remediated: 0, 'risk-accepted': 0 };
  const byCriterion: Record<string, number> = {};
  const classes = new Map<string, VulnerabilityClass>();
  const acceptedRisks: AcceptedRisk[] = [];
  let total = 0;

  for (const f of review.findings) {
    if (f.status === 'false-positive') continue;
    // Only criteria in the published catalog may be named; anything else is counted as "other".
    const criterionId = criterionTitle.has(f.criterionId) ? f.criterionId : 'other';
    total++;
    bySeverity[f.severity]++;
    byStatus[f.status]++;
    byCriterion[criterionId] = (byCriterion[criterionId] ?? 0) + 1;

    const rule = f.ruleId === undefined ? undefined : rules.get(f.ruleId);
    const cls = rule
      ? { id: rule.id, title: rule.title, mitigation: rule.remediation }
      : {
          id: criterionId,
          title: criterionTitle.get(criterionId) ?? 'Other finding',
          mitigation: criterionTitle.has(criterionId)
            ? `Meet criterion ${criterionId} of the published review criteria.`
            : 'See the published review criteria.',
        };
    const key = `${cls.id}\u0000${criterionId}`;
    const seen = classes.get(key);
    classes.set(key, {
      id: cls.id,
      title: cls.title,
      criterionId,
      highestSeverity:
        seen && rank(seen.highestSeverity) < rank(f.severity) ? seen.highestSeverity : f.severity,
      findings: (seen?.findings ?? 0) + 1,
      mitigation: cls.mitigation,
    });
    if (f.status === 'risk-accepted') {
      const justification = scrubText(f.justification ?? '');
      acceptedRisks.push({
        class: cls.title,
        criterionId,
        severity: f.severity,
        justification: justification === '' ? 'No justification given.' : justification,
      });
    }
  }

  const sortedCriterion = Object.fromEntries(Object.entries(byCriterion).sort(([a], [b]) => byString(a, b)));
  return {
    model: { name: publicName(review.model.name), vendor: publicName(review.model.vendor) },
    criteriaVersion: publicName(review.criteriaVersion, 64),
    families,
    findingCounts: { total, bySeverity, byStatus, byCriterion: sortedCriterion },
    vulnerabilityClasses: [...classes.values()].sort(
      (a, b) =>
        rank(a.highestSeverity) - rank(b.highestSeverity) ||
        b.findings - a.findings ||
        byString(a.id, b.id) ||
        byString(a.criterionId, b.criterionId),
    ),
    acceptedRisks: acceptedRisks.sort(
      (a, b) =>
        rank(a.severity) - rank(b.severity) ||
        byString(a.criterionId, b.criterionId) ||
        byString(a.class, b.class) ||
        byString(a.justification, b.justification),
    ),
  };
}
