/**
 * The plain records the store hands to the dashboard and the annual report. Everything here is
 * confidential microdata: only the protected aggregates built from it (metrics.ts) are published.
 * The store extracts these once, at `asOf`, and the functions over them are pure.
 */
import { CRITERIA_FAMILIES, type FamilyId, findCriterion } from '@vacsrp/scanner';
import type { FindingState, Severity } from '../domain/findings.js';
import { err, ok, type Result } from '../domain/result.js';
import { SUBMISSION_STATES, type SubmissionState } from '../domain/submission.js';

/**
 * Category lists are closed and every table always shows every category, so the shape of a
 * published table never depends on the data (a row appearing only when someone is in it would
 * itself disclose that someone is).
 */
export const ORGANISATION_TYPES = [
  'large-company',
  'small-business',
  'academic-lab',
  'open-source-community',
  'government',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

/** People working for the organisation (employees; active maintainers for a community). */
export const SIZE_BANDS = ['1-49', '50-249', '250-999', '1000+'] as const;
export type SizeBand = (typeof SIZE_BANDS)[number];

export const SECTORS = [
  'technology',
  'finance',
  'health',
  'defense',
  'education-research',
  'public-sector',
  'other',
] as const;
export type Sector = (typeof SECTORS)[number];

export const FINDING_STATES: readonly FindingState[] = [
  'open',
  'remediated',
  'risk-accepted',
  'false-positive',
];
export const FINDING_SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export interface OrganisationRecord {
  readonly id: string;
  readonly type: OrganisationType;
  readonly sizeBand: SizeBand;
  readonly sector: Sector;
}

/**
 * One submission. Dates are RFC 3339 timestamps (`2026-10-01T14:03:00Z`, an offset is allowed);
 * fiscal years, quarters and day counts use their UTC calendar date.
 */
export interface SubmissionRecord {
  readonly id: string;
  readonly organisationId: string;
  /** When the draft was opened. */
  readonly createdAt: string;
  /** When it was first submitted for review; absent while it is a draft. A never-submitted draft counts nowhere. */
  readonly submittedAt?: string;
  /** Present exactly when `state` is `completed`. */
  readonly completedAt?: string;
  /** Present exactly when `state` is `withdrawn`. */
  readonly withdrawnAt?: string;
  readonly state: SubmissionState;
  /** Completed with at least one disclosed, accepted risk. Only a completed submission may be true. */
  readonly acceptedRisks: boolean;
}

export interface FindingRecord {
  readonly id: string;
  readonly submissionId: string;
  /** Must be the submission's organisation. */
  readonly organisationId: string;
  /** A criterion of the scanner's catalog, e.g. `MI-1`. */
  readonly criterionId: string;
  /** The criterion's family (`MI`, `SC`, `AR`, `PS`, `DT`). */
  readonly family: FamilyId;
  readonly severity: Severity;
  readonly state: FindingState;
  /** Scanner rule id for automated findings (e.g. `VAC-PKL-001`); absent for manual findings. */
  readonly ruleId?: string;
  /** MITRE ATLAS technique ids the finding maps to (e.g. `AML.T0010.003`); may be empty. */
  readonly atlasTechniques: readonly string[];
}

export interface ProgramRecords {
  /** When the store extracted the records (RFC 3339); reports say "data as of". Never the clock. */
  readonly asOf: string;
  readonly organisations: readonly OrganisationRecord[];
  readonly submissions: readonly SubmissionRecord[];
  readonly findings: readonly FindingRecord[];
}

/**
 * Limits on the records. They come from our own store, not an attacker, but a runaway export must
 * not exhaust memory (CWE-770): the aggregation is linear in the records, the tables are fixed.
 */
export const RECORD_LIMITS = Object.freeze({
  organisations: 100_000,
  submissions: 1_000_000,
  findings: 10_000_000,
  /** ATLAS ids on one finding. */
  techniquesPerFinding: 64,
  /** Length of any id. */
  idLength: 200,
});

export type RecordIssueCode =
  | 'TOO_MANY'
  | 'BAD_ID'
  | 'DUPLICATE_ID'
  | 'UNKNOWN_VALUE'
  | 'BAD_DATE'
  | 'DATE_ORDER'
  | 'STATE_MISMATCH'
  | 'UNKNOWN_ORGANISATION'
  | 'UNKNOWN_SUBMISSION'
  | 'ORGANISATION_MISMATCH'
  | 'BAD_FISCAL_YEAR';

export interface RecordIssue {
  readonly code: RecordIssueCode;
  /** Which record and field, e.g. `submissions[3].completedAt`. */
  readonly where: string;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if ((mo as number) < 1 || (mo as number) > 12 || (d as number) < 1 || (h as number) > 23) return undefined;
  if ((mi as number) > 59 || (s as number) > 59) return undefined;
  const days = new Date(Date.UTC(y as number, mo as number, 0)).getUTCDate();
  if ((d as number) > days) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

const ID = /^[\x21-\x7e]+$/;

/**
 * Check the records once, where they enter the pure layer: closed vocabularies, references,
 * dates and the invariants the aggregates rely on (a completed submission has a completion date
 * after its submission date, a finding belongs to its submission's organisation).
 */
export function validateProgramRecords(
  records: ProgramRecords,
): Result<ProgramRecords, readonly RecordIssue[]> {
  const issues: RecordIssue[] = [];
  const push = (code: RecordIssueCode, where: string): void => {
    if (issues.length < 1000) issues.push({ code, where });
  };
  if (records.organisations.length > RECORD_LIMITS.organisations) push('TOO_MANY', 'organisations');
  if (records.submissions.length > RECORD_LIMITS.submissions) push('TOO_MANY', 'submissions');
  if (records.findings.length > RECORD_LIMITS.findings) push('TOO_MANY', 'findings');
  if (issues.length > 0) return err(issues);
  if (parseTimestamp(records.asOf) === undefined) push('BAD_DATE', 'asOf');

  const checkId = (id: string, where: string, seen: Set<string>): void => {
    if (typeof id !== 'string' || id.length === 0 || id.length > RECORD_LIMITS.idLength || !ID.test(id))
      push('BAD_ID', where);
    else if (seen.has(id)) push('DUPLICATE_ID', where);
    seen.add(id);
  };

  const orgs = new Map<string, OrganisationRecord>();
  const orgIds = new Set<string>();
  records.organisations.forEach((o, i) => {
    const at = `organisations[${i}]`;
    checkId(o.id, `${at}.id`, orgIds);
    if (!ORGANISATION_TYPES.includes(o.type)) push('UNKNOWN_VALUE', `${at}.type`);
    if (!SIZE_BANDS.includes(o.sizeBand)) push('UNKNOWN_VALUE', `${at}.sizeBand`);
    if (!SECTORS.includes(o.sector)) push('UNKNOWN_VALUE', `${at}.sector`);
    orgs.set(o.id, o);
  });

  const subs = new Map<string, SubmissionRecord>();
  const subIds = new Set<string>();
  records.submissions.forEach((s, i) => {
    const at = `submissions[${i}]`;
    checkId(s.id, `${at}.id`, subIds);
    subs.set(s.id, s);
    if (!orgs.has(s.organisationId)) push('UNKNOWN_ORGANISATION', `${at}.organisationId`);
    if (!SUBMISSION_STATES.includes(s.state)) push('UNKNOWN_VALUE', `${at}.state`);
    const created = parseTimestamp(s.createdAt);
    if (created === undefined) push('BAD_DATE', `${at}.createdAt`);
    const dated = (field: 'submittedAt' | 'completedAt' | 'withdrawnAt'): number | undefined => {
      const v = s[field];
      if (v === undefined) return undefined;
      const t = parseTimestamp(v);
      if (t === undefined) push('BAD_DATE', `${at}.${field}`);
      return t;
    };
    const submitted = dated('submittedAt');
    const completed = dated('completedAt');
    const withdrawn = dated('withdrawnAt');
    if (created !== undefined && submitted !== undefined && submitted < created)
      push('DATE_ORDER', `${at}.submittedAt`);
    if (completed !== undefined && (submitted === undefined || completed < submitted))
      push('DATE_ORDER', `${at}.completedAt`);
    if (withdrawn !== undefined && created !== undefined && withdrawn < created)
      push('DATE_ORDER', `${at}.withdrawnAt`);
    if ((s.state === 'completed') !== (s.completedAt !== undefined))
      push('STATE_MISMATCH', `${at}.completedAt`);
    if ((s.state === 'withdrawn') !== (s.withdrawnAt !== undefined))
      push('STATE_MISMATCH', `${at}.withdrawnAt`);
    if (s.state !== 'draft' && s.state !== 'withdrawn' && s.submittedAt === undefined)
      push('STATE_MISMATCH', `${at}.submittedAt`);
    if (s.state === 'draft' && s.submittedAt !== undefined) push('STATE_MISMATCH', `${at}.submittedAt`);
    if (typeof s.acceptedRisks !== 'boolean' || (s.acceptedRisks && s.state !== 'completed'))
      push('STATE_MISMATCH', `${at}.acceptedRisks`);
  });

  const findingIds = new Set<string>();
  records.findings.forEach((f, i) => {
    const at = `findings[${i}]`;
    checkId(f.id, `${at}.id`, findingIds);
    const sub = subs.get(f.submissionId);
    if (!sub) push('UNKNOWN_SUBMISSION', `${at}.submissionId`);
    else if (sub.organisationId !== f.organisationId) push('ORGANISATION_MISMATCH', `${at}.organisationId`);
    if (findCriterion(f.criterionId)?.family.id !== f.family) push('UNKNOWN_VALUE', `${at}.criterionId`);
    if (!CRITERIA_FAMILIES.includes(f.family)) push('UNKNOWN_VALUE', `${at}.family`);
    if (!FINDING_SEVERITIES.includes(f.severity)) push('UNKNOWN_VALUE', `${at}.severity`);
    if (!FINDING_STATES.includes(f.state)) push('UNKNOWN_VALUE', `${at}.state`);
    if (f.atlasTechniques.length > RECORD_LIMITS.techniquesPerFinding)
      push('TOO_MANY', `${at}.atlasTechniques`);
    else if (f.atlasTechniques.some((t) => !/^AML\.T\d{4}(\.\d{3})?$/.test(t)))
      push('UNKNOWN_VALUE', `${at}.atlasTechniques`);
  });
  return issues.length > 0 ? err(issues) : ok(records);
}
