import { type Actor, actorId, type DomainEvent, type Role } from './actor.js';
import { err, ok, type Result } from './result.js';

export type SubmissionState =
  | 'draft'
  | 'submitted'
  | 'in-review'
  | 'findings-issued'
  | 'remediating'
  | 'resubmitted'
  | 'final-report'
  | 'completed'
  | 'withdrawn';

export const SUBMISSION_STATES: readonly SubmissionState[] = [
  'draft',
  'submitted',
  'in-review',
  'findings-issued',
  'remediating',
  'resubmitted',
  'final-report',
  'completed',
  'withdrawn',
];

export const TERMINAL_STATES: readonly SubmissionState[] = ['completed', 'withdrawn'];

/** One immutable revision of the submission package; number n+1 follows n. */
export interface Revision {
  readonly number: number;
  /** SHA-256 (hex) of the canonical manifest of this revision. */
  readonly manifestDigest: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface Submission {
  readonly id: string;
  readonly organisationId: string;
  readonly state: SubmissionState;
  readonly revisions: readonly Revision[];
  /** The two reviewers fixed when the review starts (see independence.ts for the assignment history). */
  readonly reviewers: readonly string[];
  /** Reviewers who signed off the current round of findings. */
  readonly signOffs: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type SubmissionAction =
  | { readonly type: 'submit' }
  | { readonly type: 'start-review'; readonly reviewers: readonly string[] }
  | { readonly type: 'issue-findings' }
  | { readonly type: 'sign-off' }
  | { readonly type: 'start-remediation' }
  | { readonly type: 'resubmit'; readonly manifestDigest: string }
  | { readonly type: 'issue-final-report' }
  | { readonly type: 'complete' }
  | { readonly type: 'withdraw' };

export type SubmissionActionType = SubmissionAction['type'];

export type SubmissionErrorCode =
  | 'ILLEGAL_TRANSITION'
  | 'FORBIDDEN_ROLE'
  | 'NOT_OWNER'
  | 'NOT_ASSIGNED'
  | 'REVIEWERS_REQUIRED'
  | 'SIGN_OFF_REQUIRED'
  | 'ALREADY_SIGNED_OFF'
  | 'INVALID_DIGEST';

export interface DomainError {
  readonly code: SubmissionErrorCode;
  readonly message: string;
  readonly state?: SubmissionState;
  readonly action?: SubmissionActionType;
}

export interface Transitioned {
  readonly submission: Submission;
  readonly event: DomainEvent;
}

/**
 * The rule table: which role may take each action, from which states, to which state. The
 * tests enumerate it against every state × action × role, so it is the single source of truth.
 */
export const TRANSITIONS: {
  readonly [A in SubmissionActionType]: {
    readonly role: Role;
    readonly from: readonly SubmissionState[];
    /** `undefined`: the state does not change (a sign-off is recorded in place). */
    readonly to: SubmissionState | undefined;
  };
} = {
  submit: { role: 'submitter', from: ['draft'], to: 'submitted' },
  'start-review': { role: 'administrator', from: ['submitted', 'resubmitted'], to: 'in-review' },
  'issue-findings': { role: 'reviewer', from: ['in-review'], to: 'findings-issued' },
  'sign-off': { role: 'reviewer', from: ['findings-issued'], to: undefined },
  'start-remediation': { role: 'submitter', from: ['findings-issued'], to: 'remediating' },
  resubmit: { role: 'submitter', from: ['remediating'], to: 'resubmitted' },
  'issue-final-report': { role: 'administrator', from: ['findings-issued'], to: 'final-report' },
  complete: { role: 'administrator', from: ['final-report'], to: 'completed' },
  withdraw: {
    role: 'submitter',
    from: SUBMISSION_STATES.filter((s) => !TERMINAL_STATES.includes(s)),
    to: 'withdrawn',
  },
};

export const SUBMISSION_ACTION_TYPES = Object.keys(TRANSITIONS) as SubmissionActionType[];

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A new submission in draft with its first revision. */
export function createSubmission(
  input: { readonly id: string; readonly manifestDigest: string },
  actor: Actor,
  now: string,
): Result<Transitioned, DomainError> {
  if (actor.role !== 'submitter') {
    return err({ code: 'FORBIDDEN_ROLE', message: `role ${actor.role} may not create a submission` });
  }
  if (!SHA256_HEX.test(input.manifestDigest)) {
    return err({ code: 'INVALID_DIGEST', message: 'manifest digest must be 64 lowercase hex digits' });
  }
  const submission: Submission = {
    id: input.id,
    organisationId: actor.organisationId,
    state: 'draft',
    revisions: [
      Object.freeze({
        number: 1,
        manifestDigest: input.manifestDigest,
        createdAt: now,
        createdBy: actor.userId,
      }),
    ],
    reviewers: [],
    signOffs: [],
    createdAt: now,
    updatedAt: now,
  };
  return ok({
    submission: freeze(submission),
    event: event(actor, 'submission.created', submission.id, now, { to: 'draft', revision: 1 }),
  });
}

/** Takes one action on a submission; checks role, then ownership or assignment, then state, then preconditions. */
export function transition(
  submission: Submission,
  action: SubmissionAction,
  actor: Actor,
  now: string,
): Result<Transitioned, DomainError> {
  const rule = TRANSITIONS[action.type];
  const fail = (code: SubmissionErrorCode, message: string) =>
    err<DomainError>({ code, message, state: submission.state, action: action.type });

  if (actor.role !== rule.role) return fail('FORBIDDEN_ROLE', `role ${actor.role} may not ${action.type}`);
  if (actor.role === 'submitter' && actor.organisationId !== submission.organisationId) {
    return fail('NOT_OWNER', 'the submission belongs to another organisation');
  }
  if (actor.role === 'reviewer' && !submission.reviewers.includes(actor.userId)) {
    return fail('NOT_ASSIGNED', 'the reviewer is not assigned to this submission');
  }
  if (!rule.from.includes(submission.state)) {
    return fail('ILLEGAL_TRANSITION', `cannot ${action.type} a submission in state ${submission.state}`);
  }

  const to = rule.to ?? submission.state;
  let next: Submission = { ...submission, state: to, updatedAt: now };
  const detail: Record<string, string | number | string[]> = { from: submission.state, to };

  switch (action.type) {
    case 'start-review': {
      const reviewers = [...new Set(action.reviewers)].sort();
      if (reviewers.length !== 2) {
        return fail('REVIEWERS_REQUIRED', 'a review needs exactly two distinct independent reviewers');
      }
      next = { ...next, reviewers, signOffs: [] };
      detail.reviewers = reviewers;
      break;
    }
    case 'issue-findings':
      next = { ...next, signOffs: [] };
      break;
    case 'sign-off': {
      const userId = actorId(actor);
      if (submission.signOffs.includes(userId))
        return fail('ALREADY_SIGNED_OFF', 'this reviewer already signed off');
      next = { ...next, signOffs: [...submission.signOffs, userId].sort() };
      break;
    }
    case 'resubmit': {
      if (!SHA256_HEX.test(action.manifestDigest)) {
        return fail('INVALID_DIGEST', 'manifest digest must be 64 lowercase hex digits');
      }
      const number = submission.revisions.length + 1;
      const revision: Revision = Object.freeze({
        number,
        manifestDigest: action.manifestDigest,
        createdAt: now,
        createdBy: actorId(actor),
      });
      next = { ...next, revisions: [...submission.revisions, revision] };
      detail.revision = number;
      break;
    }
    case 'issue-final-report': {
      const missing = submission.reviewers.filter((r) => !submission.signOffs.includes(r));
      if (submission.reviewers.length !== 2 || missing.length > 0) {
        return fail(
          'SIGN_OFF_REQUIRED',
          `both reviewers must sign off first (missing: ${missing.join(', ')})`,
        );
      }
      break;
    }
    case 'submit':
    case 'start-remediation':
    case 'complete':
    case 'withdraw':
      break;
    default: {
      const exhaustive: never = action;
      throw new Error(`unknown action ${JSON.stringify(exhaustive)}`);
    }
  }
  return ok({
    submission: freeze(next),
    event: event(actor, `submission.${action.type}`, submission.id, now, detail),
  });
}

export const currentRevision = (submission: Submission): Revision => {
  const last = submission.revisions[submission.revisions.length - 1];
  if (last === undefined) throw new Error(`submission ${submission.id} has no revision`);
  return last;
};

function event(
  actor: Actor,
  what: string,
  id: string,
  when: string,
  detail: Record<string, string | number | string[]>,
): DomainEvent {
  return { who: actorId(actor), role: actor.role, what, when, object: { kind: 'submission', id }, detail };
}

/** Shallow freeze of the submission and its arrays; revisions are frozen when created. */
function freeze(s: Submission): Submission {
  return Object.freeze({
    ...s,
    revisions: Object.freeze([...s.revisions]),
    reviewers: Object.freeze([...s.reviewers]),
    signOffs: Object.freeze([...s.signOffs]),
  });
}
