import { type Actor, actorId, type DomainEvent } from './actor.js';
import { err, ok, type Result } from './result.js';

/** FedRAMP-style cooling-off: an employment or advisory relationship that ended within this many years conflicts. */
export const COOLING_OFF_YEARS = 2;
export const REVIEWERS_PER_SUBMISSION = 2;

export type DeclarationKind = 'affiliation' | 'employment' | 'financial-interest' | 'advisory';

/** A reviewer's declared relationship with an organisation; `to` absent means ongoing. */
export interface Declaration {
  readonly kind: DeclarationKind;
  readonly organisationId: string;
  readonly from: string;
  readonly to?: string;
  readonly note?: string;
}

export interface Reviewer {
  readonly id: string;
  /** The reviewer's own employer, if any. */
  readonly organisationId?: string;
  readonly declarations: readonly Declaration[];
}

/** What the independence rules need to know of a submission. */
export interface SubmissionParties {
  readonly id: string;
  readonly organisationId: string;
  /** Parents, subsidiaries and partners the submitter declared as related. */
  readonly relatedOrganisationIds: readonly string[];
}

/** A relationship the submitter declared with a reviewer ("this person advised us"). */
export interface SubmitterDeclaration {
  readonly reviewerId: string;
  readonly reason: string;
}

export type ConflictKind =
  | 'same-organisation'
  | 'related-organisation'
  | 'affiliation'
  | 'employment'
  | 'advisory'
  | 'financial-interest'
  | 'declared-by-submitter';

export interface Conflict {
  readonly kind: ConflictKind;
  readonly reviewerId: string;
  /** The organisation the conflict is with; absent for a submitter's declaration. */
  readonly organisationId?: string;
  /** True when the organisation is one the submitter declared related rather than the submitter itself. */
  readonly viaRelated: boolean;
  readonly declaration?: Declaration;
  readonly reason: string;
}

/** `now` minus COOLING_OFF_YEARS calendar years (UTC). */
export function coolingOffStart(now: string): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - COOLING_OFF_YEARS);
  return d;
}

/**
 * Whether a declared relationship still counts: ongoing, ended on or after the start of the
 * cooling-off window (the boundary itself conflicts), or not yet started (a planned role).
 */
export function withinCoolingOff(declaration: Declaration, now: string): boolean {
  if (declaration.to === undefined) return true;
  return new Date(declaration.to).getTime() >= coolingOffStart(now).getTime();
}

/** Every conflict between a reviewer and a submission, each with its reason; empty means independent. */
export function conflicts(
  reviewer: Reviewer,
  submission: SubmissionParties,
  declaredBySubmitter: readonly SubmitterDeclaration[],
  now: string,
): Conflict[] {
  const found: Conflict[] = [];
  const related = new Set(submission.relatedOrganisationIds);
  const concerns = (org: string): 'own' | 'related' | undefined =>
    org === submission.organisationId ? 'own' : related.has(org) ? 'related' : undefined;

  if (reviewer.organisationId !== undefined) {
    const c = concerns(reviewer.organisationId);
    if (c !== undefined) {
      found.push({
        kind: c === 'own' ? 'same-organisation' : 'related-organisation',
        reviewerId: reviewer.id,
        organisationId: reviewer.organisationId,
        viaRelated: c === 'related',
        reason:
          c === 'own'
            ? 'the reviewer works for the submitting organisation'
            : 'the reviewer works for an organisation the submitter declared related',
      });
    }
  }
  for (const declaration of reviewer.declarations) {
    const c = concerns(declaration.organisationId);
    if (c === undefined || !withinCoolingOff(declaration, now)) continue;
    const whom = c === 'own' ? 'the submitting organisation' : 'a related organisation';
    const when =
      declaration.to === undefined ? 'ongoing' : `ended ${declaration.to}, within ${COOLING_OFF_YEARS} years`;
    found.push({
      kind: declaration.kind,
      reviewerId: reviewer.id,
      organisationId: declaration.organisationId,
      viaRelated: c === 'related',
      declaration,
      reason: `${declaration.kind} with ${whom} (${when})`,
    });
  }
  for (const d of declaredBySubmitter) {
    if (d.reviewerId !== reviewer.id) continue;
    found.push({
      kind: 'declared-by-submitter',
      reviewerId: reviewer.id,
      viaRelated: false,
      reason: `the submitter declared a relationship: ${d.reason}`,
    });
  }
  return found;
}

export type AssignmentEventType = 'assigned' | 'recused' | 'unassigned';

/** One line of the assignment history; the history is append-only and never loses a line. */
export interface AssignmentEvent {
  readonly type: AssignmentEventType;
  readonly submissionId: string;
  readonly reviewerId: string;
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

export type AssignmentHistory = readonly AssignmentEvent[];

/** Reviewers currently assigned to a submission, in assignment order. */
export function currentReviewers(history: AssignmentHistory, submissionId: string): string[] {
  const current: string[] = [];
  for (const e of history) {
    if (e.submissionId !== submissionId) continue;
    const i = current.indexOf(e.reviewerId);
    if (e.type === 'assigned' && i < 0) current.push(e.reviewerId);
    if (e.type !== 'assigned' && i >= 0) current.splice(i, 1);
  }
  return current;
}

export const hasRecused = (history: AssignmentHistory, submissionId: string, reviewerId: string): boolean =>
  history.some((e) => e.type === 'recused' && e.submissionId === submissionId && e.reviewerId === reviewerId);

/** Active assignments per reviewer across all submissions (the load to balance). */
export function assignmentLoad(history: AssignmentHistory): Map<string, number> {
  const active = new Map<string, Set<string>>();
  for (const e of history) {
    const set = active.get(e.reviewerId) ?? new Set<string>();
    if (e.type === 'assigned') set.add(e.submissionId);
    else set.delete(e.submissionId);
    active.set(e.reviewerId, set);
  }
  return new Map([...active].map(([id, set]) => [id, set.size]));
}

export type RejectionReason =
  | { readonly kind: 'conflicted'; readonly conflicts: readonly Conflict[] }
  | { readonly kind: 'recused' }
  | { readonly kind: 'not-independent-of'; readonly reviewerId: string; readonly organisationId: string };

export interface AssignmentSuggestion {
  /** Already assigned reviewers first, then the new picks; two in all. */
  readonly reviewerIds: readonly string[];
  readonly newlyPicked: readonly string[];
}

export interface CannotAssign {
  readonly code: 'NOT_ENOUGH_REVIEWERS';
  readonly needed: number;
  readonly eligible: readonly string[];
  readonly rejected: readonly { readonly reviewerId: string; readonly reasons: readonly RejectionReason[] }[];
}

/**
 * Picks reviewers to bring a submission to two independent ones: not conflicted, never recused
 * from it, and not sharing an employer with each other. Order: fewest active assignments, then id.
 */
export function suggestAssignment(
  reviewers: readonly Reviewer[],
  submission: SubmissionParties,
  now: string,
  existing: AssignmentHistory,
  declaredBySubmitter: readonly SubmitterDeclaration[] = [],
): Result<AssignmentSuggestion, CannotAssign> {
  const byId = new Map(reviewers.map((r) => [r.id, r]));
  const chosen = currentReviewers(existing, submission.id).filter((id) => byId.has(id));
  const load = assignmentLoad(existing);
  const rejected: { reviewerId: string; reasons: RejectionReason[] }[] = [];
  const eligible: Reviewer[] = [];
  for (const r of [...reviewers].sort((a, b) => cmp(a.id, b.id))) {
    if (chosen.includes(r.id)) continue;
    const reasons: RejectionReason[] = [];
    const found = conflicts(r, submission, declaredBySubmitter, now);
    if (found.length > 0) reasons.push({ kind: 'conflicted', conflicts: found });
    if (hasRecused(existing, submission.id, r.id)) reasons.push({ kind: 'recused' });
    if (reasons.length > 0) rejected.push({ reviewerId: r.id, reasons });
    else eligible.push(r);
  }
  eligible.sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || cmp(a.id, b.id));

  const picked: string[] = [];
  for (const r of eligible) {
    if (chosen.length + picked.length >= REVIEWERS_PER_SUBMISSION) break;
    const peer = [...chosen, ...picked]
      .map((id) => byId.get(id))
      .find((p) => p?.organisationId !== undefined && p.organisationId === r.organisationId);
    if (peer !== undefined && r.organisationId !== undefined) {
      rejected.push({
        reviewerId: r.id,
        reasons: [{ kind: 'not-independent-of', reviewerId: peer.id, organisationId: r.organisationId }],
      });
      continue;
    }
    picked.push(r.id);
  }
  if (chosen.length + picked.length < REVIEWERS_PER_SUBMISSION) {
    return err({
      code: 'NOT_ENOUGH_REVIEWERS',
      needed: REVIEWERS_PER_SUBMISSION - chosen.length,
      eligible: picked,
      rejected: rejected.sort((a, b) => cmp(a.reviewerId, b.reviewerId)),
    });
  }
  return ok({ reviewerIds: [...chosen, ...picked], newlyPicked: picked });
}

export type AssignmentErrorCode =
  | 'FORBIDDEN_ROLE'
  | 'CONFLICTED'
  | 'RECUSED'
  | 'ALREADY_ASSIGNED'
  | 'NOT_ASSIGNED'
  | 'TOO_MANY_REVIEWERS'
  | 'REASON_REQUIRED';

export interface AssignmentError {
  readonly code: AssignmentErrorCode;
  readonly message: string;
  readonly conflicts?: readonly Conflict[];
}

export interface AssignmentChange {
  readonly history: AssignmentHistory;
  readonly entry: AssignmentEvent;
  readonly event: DomainEvent;
}

/** An administrator confirms one reviewer; conflicted or previously recused reviewers are refused. */
export function assign(
  history: AssignmentHistory,
  input: {
    readonly reviewer: Reviewer;
    readonly submission: SubmissionParties;
    readonly declaredBySubmitter?: readonly SubmitterDeclaration[];
  },
  actor: Actor,
  now: string,
): Result<AssignmentChange, AssignmentError> {
  const { reviewer, submission } = input;
  if (actor.role !== 'administrator') {
    return err({ code: 'FORBIDDEN_ROLE', message: `role ${actor.role} may not assign reviewers` });
  }
  const current = currentReviewers(history, submission.id);
  if (current.includes(reviewer.id)) return err({ code: 'ALREADY_ASSIGNED', message: 'already assigned' });
  if (hasRecused(history, submission.id, reviewer.id)) {
    return err({ code: 'RECUSED', message: 'the reviewer recused from this submission' });
  }
  const found = conflicts(reviewer, submission, input.declaredBySubmitter ?? [], now);
  if (found.length > 0)
    return err({ code: 'CONFLICTED', message: 'the reviewer is conflicted', conflicts: found });
  if (current.length >= REVIEWERS_PER_SUBMISSION) {
    return err({ code: 'TOO_MANY_REVIEWERS', message: 'the submission already has two reviewers' });
  }
  return ok(
    append(
      history,
      { type: 'assigned', submissionId: submission.id, reviewerId: reviewer.id, by: actorId(actor), at: now },
      actor,
    ),
  );
}

/** A reviewer recuses (or an administrator records a recusal); a reason is required and kept. */
export function recuse(
  history: AssignmentHistory,
  input: { readonly submissionId: string; readonly reviewerId: string; readonly reason: string },
  actor: Actor,
  now: string,
): Result<AssignmentChange, AssignmentError> {
  const self = actor.role === 'reviewer' && actor.userId === input.reviewerId;
  if (!self && actor.role !== 'administrator') {
    return err({
      code: 'FORBIDDEN_ROLE',
      message: 'only the reviewer or an administrator may record a recusal',
    });
  }
  if (input.reason.trim() === '')
    return err({ code: 'REASON_REQUIRED', message: 'a recusal needs a reason' });
  if (!currentReviewers(history, input.submissionId).includes(input.reviewerId)) {
    return err({ code: 'NOT_ASSIGNED', message: 'the reviewer is not assigned to this submission' });
  }
  return ok(
    append(
      history,
      {
        type: 'recused',
        submissionId: input.submissionId,
        reviewerId: input.reviewerId,
        by: actorId(actor),
        at: now,
        reason: input.reason,
      },
      actor,
    ),
  );
}

function append(history: AssignmentHistory, entry: AssignmentEvent, actor: Actor): AssignmentChange {
  const frozen = Object.freeze({ ...entry });
  const detail: Record<string, string> = {
    type: entry.type,
    submissionId: entry.submissionId,
    reviewerId: entry.reviewerId,
  };
  if (entry.reason !== undefined) detail.reason = entry.reason;
  return {
    history: Object.freeze([...history, frozen]),
    entry: frozen,
    event: {
      who: actorId(actor),
      role: actor.role,
      what: `assignment.${entry.type}`,
      when: entry.at,
      object: { kind: 'assignment', id: `${entry.submissionId}/${entry.reviewerId}` },
      detail,
    },
  };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
