/** What a rule is; the registry (registry.ts) assembles every area's rules. */
import type { Reference, Severity } from '../findings.js';

export interface RuleDefinition {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Criterion in the vacsrp-criteria-v1 catalog. */
  readonly criterion: string;
  readonly description: string;
  readonly remediation: string;
  readonly references: readonly Reference[];
  readonly retired?: boolean;
}

/** A rule as an area file declares it (the ID is the key). */
export type RuleSpec = Omit<RuleDefinition, 'id'>;
