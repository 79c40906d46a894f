/**
 * Findings: what a scan reports. Every finding quotes a rule from the registry (rules/registry.ts),
 * which fixes its default severity, the criterion it bears on, remediation and references.
 */
import { RULES, type RuleId } from './rules/registry.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Larger is worse. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};

export const atLeast = (s: Severity, threshold: Severity): boolean =>
  SEVERITY_RANK[s] >= SEVERITY_RANK[threshold];

export interface Reference {
  readonly type: 'cwe' | 'atlas' | 'cve' | 'ghsa' | 'doc';
  readonly id: string;
}

export interface FindingLocation {
  /** The artifact as the user named it (a path under a scanned root). */
  readonly artifact: string;
  /** Archive members from the outside in, e.g. ['model.tar.gz#gunzip', 'archive/data.pkl']. */
  readonly members?: readonly string[];
  /** Byte offset within the innermost stream. */
  readonly offset?: number;
  /** Index of the pickle opcode (0-based, counted per stream). */
  readonly opcodeIndex?: number;
  /** Index of the pickle stream within the member (0 for the first pickle). */
  readonly stream?: number;
}

export interface Evidence {
  /** The resolved callable, e.g. `posix.system`. */
  readonly callable?: string;
  /** The opcode that imports or calls it, e.g. `STACK_GLOBAL`, `REDUCE`. */
  readonly opcode?: string;
  /** Short, bounded excerpt (arguments, names); never the artifact's full content. */
  readonly excerpt?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export interface Finding {
  readonly ruleId: RuleId;
  readonly severity: Severity;
  readonly criterion: string;
  readonly title: string;
  readonly message: string;
  readonly location: FindingLocation;
  readonly evidence: Evidence;
  readonly remediation: string;
  readonly references: readonly Reference[];
}

export interface FindingInput {
  readonly message: string;
  readonly location: FindingLocation;
  readonly evidence?: Evidence;
  /** Overrides the rule's default severity (e.g. a denylisted callable raises it). */
  readonly severity?: Severity;
  /** Extra references (a CVE that applies to this instance). */
  readonly references?: readonly Reference[];
}

export function makeFinding(ruleId: RuleId, input: FindingInput): Finding {
  const rule = RULES[ruleId];
  const refs = [...rule.references, ...(input.references ?? [])];
  return {
    ruleId,
    severity: input.severity ?? rule.severity,
    criterion: rule.criterion,
    title: rule.title,
    message: input.message,
    location: input.location,
    evidence: input.evidence ?? {},
    remediation: rule.remediation,
    references: dedupeRefs(refs),
  };
}

function dedupeRefs(refs: readonly Reference[]): Reference[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.type}:${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Deterministic order: artifact, members, offset, rule. Reports and golden files depend on it. */
export function compareFindings(a: Finding, b: Finding): number {
  const ka = locationKey(a.location);
  const kb = locationKey(b.location);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const oa = a.location.offset ?? -1;
  const ob = b.location.offset ?? -1;
  if (oa !== ob) return oa - ob;
  if (a.ruleId !== b.ruleId) return a.ruleId < b.ruleId ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

export function locationKey(l: FindingLocation): string {
  return [l.artifact, ...(l.members ?? []), String(l.stream ?? '')].join('\u0000');
}

/** `artifact!member!member@offset`, the form used in text and SARIF output. */
export function formatLocation(l: FindingLocation): string {
  let s = [l.artifact, ...(l.members ?? [])].join('!');
  if (l.stream !== undefined && l.stream > 0) s += `#pickle${l.stream}`;
  if (l.offset !== undefined) s += `@${l.offset}`;
  return s;
}
