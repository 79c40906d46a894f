import { type Actor, actorId, type DomainEvent } from './actor.js';
import { err, ok, type Result } from './result.js';

export type FindingState = 'open' | 'remediated' | 'risk-accepted' | 'false-positive';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export type Resolution =
  | {
      readonly kind: 'remediated';
      readonly by: string;
      readonly at: string;
      readonly confirmation:
        | { readonly method: 'rescan'; readonly revision: number }
        | { readonly method: 'reviewer'; readonly note: string };
    }
  | {
      readonly kind: 'risk-accepted';
      readonly by: string;
      readonly at: string;
      readonly justification: string;
    }
  | { readonly kind: 'false-positive'; readonly by: string; readonly at: string; readonly rationale: string };

export interface Comment {
  readonly author: string;
  readonly role: Actor['role'];
  readonly at: string;
  readonly body: string;
}

export interface Finding {
  readonly id: string;
  readonly submissionId: string;
  /** The organisation that owns the submission. */
  readonly organisationId: string;
  /** The revision the finding was raised against. */
  readonly revision: number;
  readonly source: 'automated' | 'manual';
  readonly criterionId: string;
  readonly severity: Severity;
  readonly state: FindingState;
  readonly resolution?: Resolution;
  /** Append-only: comments are added, never edited or removed. */
  readonly comments: readonly Comment[];
}

/** Facts about the submission that permissions depend on. */
export interface FindingContext {
  readonly assignedReviewers: readonly string[];
  /** Number of the newest revision of the submission. */
  readonly latestRevision: number;
}

export type FindingAction =
  | { readonly type: 'confirm-remediation-by-rescan'; readonly revision: number }
  | { readonly type: 'confirm-remediation-by-reviewer'; readonly note: string }
  | { readonly type: 'accept-risk'; readonly justification: string }
  | { readonly type: 'mark-false-positive'; readonly rationale: string };

export type FindingErrorCode =
  | 'FORBIDDEN_ROLE'
  | 'NOT_OWNER'
  | 'NOT_ASSIGNED'
  | 'NOT_OPEN'
  | 'JUSTIFICATION_REQUIRED'
  | 'RATIONALE_REQUIRED'
  | 'REVISION_NOT_NEWER'
  | 'EMPTY_COMMENT'
  | 'UNKNOWN_FINDING'
  | 'OPEN_FINDINGS_REMAIN'
  | 'NOT_RISK_ACCEPTED'
  | 'WRONG_STATE';

export interface FindingError {
  readonly code: FindingErrorCode;
  readonly message: string;
  readonly findingId?: string;
}

export interface FindingChange {
  readonly finding: Finding;
  readonly event: DomainEvent;
}

type Party = 'owner' | 'assigned-reviewer' | 'administrator';

/** Who may take each action on a finding. */
export const FINDING_PERMISSIONS: { readonly [A in FindingAction['type']]: readonly Party[] } = {
  'confirm-remediation-by-rescan': ['assigned-reviewer', 'administrator'],
  'confirm-remediation-by-reviewer': ['assigned-reviewer'],
  'accept-risk': ['owner'],
  'mark-false-positive': ['assigned-reviewer'],
};
/** Who may comment: the owning organisation, its assigned reviewers and administrators. */
export const COMMENT_PARTIES: readonly Party[] = ['owner', 'assigned-reviewer', 'administrator'];

/** The first failing party check, or undefined when `actor` is one of `parties`. */
function checkParty(
  actor: Actor,
  parties: readonly Party[],
  finding: Finding,
  ctx: FindingContext,
): FindingError | undefined {
  switch (actor.role) {
    case 'submitter':
      if (!parties.includes('owner')) return forbidden(actor);
      return actor.organisationId === finding.organisationId
        ? undefined
        : {
            code: 'NOT_OWNER',
            message: 'the finding belongs to another organisation',
            findingId: finding.id,
          };
    case 'reviewer':
      if (!parties.includes('assigned-reviewer')) return forbidden(actor);
      return ctx.assignedReviewers.includes(actor.userId)
        ? undefined
        : {
            code: 'NOT_ASSIGNED',
            message: 'the reviewer is not assigned to this submission',
            findingId: finding.id,
          };
    case 'administrator':
      return parties.includes('administrator') ? undefined : forbidden(actor);
    case 'procurement-officer':
    case 'public':
      return forbidden(actor);
    default: {
      const exhaustive: never = actor;
      throw new Error(`unknown actor ${JSON.stringify(exhaustive)}`);
    }
  }
}

const forbidden = (actor: Actor): FindingError => ({
  code: 'FORBIDDEN_ROLE',
  message: `role ${actor.role} may not do this`,
});

/** Moves an open finding to its resolution; every resolution is final and carries its reason. */
export function resolveFinding(
  finding: Finding,
  action: FindingAction,
  actor: Actor,
  ctx: FindingContext,
  now: string,
): Result<FindingChange, FindingError> {
  const denied = checkParty(actor, FINDING_PERMISSIONS[action.type], finding, ctx);
  if (denied !== undefined) return err(denied);
  if (finding.state !== 'open') {
    return err({
      code: 'NOT_OPEN',
      message: `the finding is already ${finding.state}`,
      findingId: finding.id,
    });
  }
  const by = actorId(actor);
  let resolution: Resolution;
  switch (action.type) {
    case 'confirm-remediation-by-rescan':
      if (action.revision <= finding.revision || action.revision > ctx.latestRevision) {
        return err({
          code: 'REVISION_NOT_NEWER',
          message: 'a re-scan must be of a newer existing revision',
          findingId: finding.id,
        });
      }
      resolution = {
        kind: 'remediated',
        by,
        at: now,
        confirmation: { method: 'rescan', revision: action.revision },
      };
      break;
    case 'confirm-remediation-by-reviewer':
      if (action.note.trim() === '')
        return err({
          code: 'RATIONALE_REQUIRED',
          message: 'say how the fix was verified',
          findingId: finding.id,
        });
      resolution = {
        kind: 'remediated',
        by,
        at: now,
        confirmation: { method: 'reviewer', note: action.note },
      };
      break;
    case 'accept-risk':
      if (action.justification.trim() === '') {
        return err({
          code: 'JUSTIFICATION_REQUIRED',
          message: 'accepting a risk needs a justification',
          findingId: finding.id,
        });
      }
      resolution = { kind: 'risk-accepted', by, at: now, justification: action.justification };
      break;
    case 'mark-false-positive':
      if (action.rationale.trim() === '') {
        return err({
          code: 'RATIONALE_REQUIRED',
          message: 'a false positive needs a rationale',
          findingId: finding.id,
        });
      }
      resolution = { kind: 'false-positive', by, at: now, rationale: action.rationale };
      break;
    default: {
      const exhaustive: never = action;
      throw new Error(`unknown action ${JSON.stringify(exhaustive)}`);
    }
  }
  const next: Finding = Object.freeze({
    ...finding,
    state: resolution.kind,
    resolution: Object.freeze(resolution),
  });
  return ok({
    finding: next,
    event: findingEvent(actor, `finding.${resolution.kind}`, finding.id, now, {
      from: 'open',
      to: resolution.kind,
    }),
  });
}

/** Appends a comment; earlier comments are carried over untouched. */
export function addComment(
  finding: Finding,
  body: string,
  actor: Actor,
  ctx: FindingContext,
  now: string,
): Result<FindingChange, FindingError> {
  const denied = checkParty(actor, COMMENT_PARTIES, finding, ctx);
  if (denied !== undefined) return err(denied);
  if (body.trim() === '')
    return err({ code: 'EMPTY_COMMENT', message: 'a comment needs text', findingId: finding.id });
  const comment: Comment = Object.freeze({ author: actorId(actor), role: actor.role, at: now, body });
  return ok({
    finding: Object.freeze({ ...finding, comments: Object.freeze([...finding.comments, comment]) }),
    event: findingEvent(actor, 'finding.commented', finding.id, now, { comment: finding.comments.length }),
  });
}

/** Accepted risks as the public summary shows them (criterion, severity, the developer's justification). */
export function acceptedRisks(
  findings: readonly Finding[],
): { findingId: string; criterionId: string; severity: Severity; justification: string }[] {
  const out: { findingId: string; criterionId: string; severity: Severity; justification: string }[] = [];
  for (const f of findings) {
    if (f.resolution?.kind === 'risk-accepted') {
      out.push({
        findingId: f.id,
        criterionId: f.criterionId,
        severity: f.severity,
        justification: f.resolution.justification,
      });
    }
  }
  return out.sort((a, b) => (a.findingId < b.findingId ? -1 : a.findingId > b.findingId ? 1 : 0));
}

export type DecisionInput =
  | { readonly kind: 'remediate'; readonly justification: string }
  | {
      readonly kind: 'proceed';
      readonly acceptedFindingIds: readonly string[];
      readonly justification: string;
    };

/** The developer's decision on a round of findings, recorded once and never changed. */
export interface Decision {
  readonly submissionId: string;
  readonly revision: number;
  readonly kind: DecisionInput['kind'];
  /** For `proceed`: the findings whose risk the developer accepted (sorted). */
  readonly acceptedFindingIds: readonly string[];
  readonly justification: string;
  readonly by: string;
  readonly at: string;
}

/**
 * Records the developer's decision while findings are issued. `proceed` requires that no
 * finding is still open and that the listed findings are exactly the risk-accepted ones, so the
 * public summary cannot omit one.
 */
export function recordDecision(
  input: {
    readonly submission: {
      readonly id: string;
      readonly organisationId: string;
      readonly state: string;
      readonly revision: number;
    };
    readonly findings: readonly Finding[];
    readonly decision: DecisionInput;
  },
  actor: Actor,
  now: string,
): Result<{ readonly decision: Decision; readonly event: DomainEvent }, FindingError> {
  const { submission, findings, decision } = input;
  if (actor.role !== 'submitter') return err(forbidden(actor));
  if (actor.organisationId !== submission.organisationId) {
    return err({ code: 'NOT_OWNER', message: 'the submission belongs to another organisation' });
  }
  if (submission.state !== 'findings-issued') {
    return err({ code: 'WRONG_STATE', message: 'a decision is taken once findings are issued' });
  }
  if (decision.justification.trim() === '') {
    return err({ code: 'JUSTIFICATION_REQUIRED', message: 'a decision needs a justification' });
  }
  let accepted: string[] = [];
  if (decision.kind === 'proceed') {
    const byId = new Map(findings.map((f) => [f.id, f]));
    for (const id of decision.acceptedFindingIds) {
      const f = byId.get(id);
      if (f === undefined) return err({ code: 'UNKNOWN_FINDING', message: 'no such finding', findingId: id });
      if (f.state !== 'risk-accepted')
        return err({
          code: 'NOT_RISK_ACCEPTED',
          message: 'listed finding is not risk-accepted',
          findingId: id,
        });
    }
    const open = findings.find((f) => f.state === 'open');
    if (open !== undefined)
      return err({
        code: 'OPEN_FINDINGS_REMAIN',
        message: 'resolve every finding first',
        findingId: open.id,
      });
    const missing = findings.find(
      (f) => f.state === 'risk-accepted' && !decision.acceptedFindingIds.includes(f.id),
    );
    if (missing !== undefined) {
      return err({
        code: 'NOT_RISK_ACCEPTED',
        message: 'every accepted risk must be listed',
        findingId: missing.id,
      });
    }
    accepted = [...new Set(decision.acceptedFindingIds)].sort();
  }
  const recorded: Decision = Object.freeze({
    submissionId: submission.id,
    revision: submission.revision,
    kind: decision.kind,
    acceptedFindingIds: Object.freeze(accepted),
    justification: decision.justification,
    by: actor.userId,
    at: now,
  });
  return ok({
    decision: recorded,
    event: {
      who: actor.userId,
      role: actor.role,
      what: `decision.${decision.kind}`,
      when: now,
      object: { kind: 'submission', id: submission.id },
      detail: { revision: submission.revision, acceptedFindingIds: accepted },
    },
  });
}

function findingEvent(
  actor: Actor,
  what: string,
  id: string,
  when: string,
  detail: Record<string, string | number>,
): DomainEvent {
  return { who: actorId(actor), role: actor.role, what, when, object: { kind: 'finding', id }, detail };
}
