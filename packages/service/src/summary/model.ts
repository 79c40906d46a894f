/** The confidential review (input) and the public summary (output) of the redaction rules. */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type FindingStatus = 'open' | 'remediated' | 'risk-accepted' | 'false-positive';

export type CriterionOutcome = 'met' | 'not-met' | 'risk-accepted' | 'not-applicable' | 'not-tested';

/** Everything here may be proprietary except where the summary's rules say otherwise. */
export interface Evidence {
  readonly callable?: string;
  readonly excerpt?: string;
  readonly path?: string;
  readonly member?: string;
  readonly offset?: number;
  readonly configuration?: string;
  readonly note?: string;
}

export interface ConfidentialFinding {
  readonly id: string;
  /** Scanner rule id (e.g. VAC-PKL-001); absent for manual findings. */
  readonly ruleId?: string;
  readonly criterionId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly message: string;
  readonly evidence: readonly Evidence[];
  readonly remediation: string;
  readonly status: FindingStatus;
  /** The developer's justification when status is risk-accepted. */
  readonly justification?: string;
}

export interface CriterionResult {
  readonly criterionId: string;
  readonly outcome: CriterionOutcome;
  readonly evidence?: string;
  readonly notes?: string;
}

export interface ConfidentialReview {
  readonly model: { readonly name: string; readonly vendor: string };
  readonly criteriaVersion: string;
  readonly criteria: readonly CriterionResult[];
  readonly findings: readonly ConfidentialFinding[];
}

/**
 * Public reference text the summary may quote verbatim: the published criteria catalog
 * (structurally compatible with the scanner's CriteriaCatalog) and the scanner's rule titles and
 * generic remediations. Confidential finding text is never quoted.
 */
export interface PublicCatalog {
  readonly families: readonly {
    readonly id: string;
    readonly title: string;
    readonly criteria: readonly { readonly id: string; readonly title: string }[];
  }[];
  readonly rules: readonly { readonly id: string; readonly title: string; readonly remediation: string }[];
}

export interface FamilyOutcome {
  readonly id: string;
  readonly title: string;
  readonly outcome: CriterionOutcome;
  readonly criteria: readonly {
    readonly id: string;
    readonly title: string;
    readonly outcome: CriterionOutcome;
  }[];
}

export interface VulnerabilityClass {
  /** Rule id for automated findings, criterion id for manual ones. */
  readonly id: string;
  readonly title: string;
  readonly criterionId: string;
  readonly highestSeverity: Severity;
  readonly findings: number;
  readonly mitigation: string;
}

export interface AcceptedRisk {
  readonly class: string;
  readonly criterionId: string;
  readonly severity: Severity;
  /** The developer's justification, scrubbed of proprietary detail. */
  readonly justification: string;
}

export interface PublicSummary {
  readonly model: { readonly name: string; readonly vendor: string };
  readonly criteriaVersion: string;
  readonly families: readonly FamilyOutcome[];
  readonly findingCounts: {
    readonly total: number;
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly byStatus: Readonly<Record<Exclude<FindingStatus, 'false-positive'>, number>>;
    readonly byCriterion: Readonly<Record<string, number>>;
  };
  readonly vulnerabilityClasses: readonly VulnerabilityClass[];
  readonly acceptedRisks: readonly AcceptedRisk[];
}
