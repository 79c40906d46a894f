/**
 * Reviewer independence: reviewers declare interests, administrators confirm conflict-checked
 * assignments (suggested automatically), reviewers recuse, submitters declare relationships, and the
 * whole assignment history is kept.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import {
  type AssignmentEvent,
  type AssignmentHistory,
  assign,
  type CannotAssign,
  type Declaration,
  type DeclarationKind,
  type Reviewer,
  recuse,
  type SubmissionParties,
  type SubmitterDeclaration,
  suggestAssignment,
} from '../domain/independence.js';
import type { Db } from '../store/audit.js';
import type { SubmissionRow } from '../store/schema.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordDomainEvent, recordEvent } from './events.js';
import { assignmentHistory } from './history.js';

export const MAX_DECLARATIONS = 500;

export interface DeclarationView extends Declaration {
  readonly id: string;
  readonly reviewerId: string;
  readonly createdAt: string;
}

export async function declare(
  ctx: Context,
  origin: Origin,
  input: { kind: DeclarationKind; organisationId: string; from: string; to?: string; note?: string },
): Promise<DeclarationView> {
  const actor = origin.actor;
  if (actor.role !== 'reviewer') throw new AppError('FORBIDDEN', 'only reviewers declare interests');
  if (input.to !== undefined && input.to < input.from)
    throw new AppError('INVALID', 'a relationship cannot end before it starts');
  const id = randomUUID();
  const now = nowIso(ctx.clock);
  await ctx.db.transaction().execute(async (tx) => {
    const org = await tx
      .selectFrom('organisations')
      .select('id')
      .where('id', '=', input.organisationId)
      .executeTakeFirst();
    if (org === undefined) throw new AppError('INVALID', 'no such organisation');
    const count = await tx
      .selectFrom('declarations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('reviewer_id', '=', actor.userId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_DECLARATIONS) throw new AppError('CONFLICT', 'too many declarations');
    await tx
      .insertInto('declarations')
      .values({
        id,
        reviewer_id: actor.userId,
        kind: input.kind,
        organisation_id: input.organisationId,
        from_date: input.from,
        to_date: input.to ?? null,
        note: input.note ?? null,
        created_at: now,
      })
      .execute();
    await recordEvent(
      tx,
      origin,
      now,
      'declaration.added',
      { kind: 'declaration', id },
      {
        kind: input.kind,
        organisationId: input.organisationId,
      },
    );
  });
  return {
    id,
    reviewerId: actor.userId,
    kind: input.kind,
    organisationId: input.organisationId,
    from: input.from,
    ...(input.to === undefined ? {} : { to: input.to }),
    ...(input.note === undefined ? {} : { note: input.note }),
    createdAt: now,
  };
}

/** A reviewer's own declarations; administrators may read any reviewer's. */
export async function listDeclarations(
  ctx: Context,
  actor: Actor,
  reviewerId?: string,
): Promise<DeclarationView[]> {
  let who: string;
  if (actor.role === 'reviewer') {
    if (reviewerId !== undefined && reviewerId !== actor.userId) throw notFound('reviewer');
    who = actor.userId;
  } else if (actor.role === 'administrator') {
    if (reviewerId === undefined) throw new AppError('INVALID', 'name the reviewer (?reviewer=<id>)');
    who = reviewerId;
  } else if (actor.role === 'public') {
    throw new AppError('UNAUTHENTICATED', 'sign in first');
  } else {
    throw new AppError('FORBIDDEN', 'only reviewers and administrators see declarations');
  }
  const rows = await ctx.db
    .selectFrom('declarations')
    .selectAll()
    .where('reviewer_id', '=', who)
    .orderBy('from_date')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    reviewerId: r.reviewer_id,
    kind: r.kind as DeclarationKind,
    organisationId: r.organisation_id,
    from: r.from_date,
    ...(r.to_date === null ? {} : { to: r.to_date }),
    ...(r.note === null ? {} : { note: r.note }),
    createdAt: r.created_at,
  }));
}

async function reviewers(db: Db): Promise<Reviewer[]> {
  const users = await db
    .selectFrom('users')
    .selectAll()
    .where('role', '=', 'reviewer')
    .where('disabled', '=', 0)
    .execute();
  const decls = await db.selectFrom('declarations').selectAll().execute();
  return users.map((u) => ({
    id: u.id,
    ...(u.organisation_id === null ? {} : { organisationId: u.organisation_id }),
    declarations: decls
      .filter((d) => d.reviewer_id === u.id)
      .map((d) => ({
        kind: d.kind as DeclarationKind,
        organisationId: d.organisation_id,
        from: d.from_date,
        ...(d.to_date === null ? {} : { to: d.to_date }),
      })),
  }));
}

async function parties(
  db: Db,
  submission: SubmissionRow,
): Promise<{ parties: SubmissionParties; declared: SubmitterDeclaration[] }> {
  const org = await db
    .selectFrom('organisations')
    .select('related_ids')
    .where('id', '=', submission.organisation_id)
    .executeTakeFirstOrThrow();
  const declared = await db
    .selectFrom('submitter_declarations')
    .selectAll()
    .where('submission_id', '=', submission.id)
    .execute();
  return {
    parties: {
      id: submission.id,
      organisationId: submission.organisation_id,
      relatedOrganisationIds: JSON.parse(org.related_ids) as string[],
    },
    declared: declared.map((d) => ({ reviewerId: d.reviewer_id, reason: d.reason })),
  };
}

function requireAdmin(actor: Actor): void {
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators manage assignments');
}

export type Suggestion =
  | { readonly ok: true; readonly reviewerIds: readonly string[]; readonly newlyPicked: readonly string[] }
  | ({ readonly ok: false } & CannotAssign);

export async function suggest(ctx: Context, actor: Actor, submissionId: string): Promise<Suggestion> {
  requireAdmin(actor);
  const submission = await visibleSubmission(ctx.db, actor, submissionId);
  const { parties: p, declared } = await parties(ctx.db, submission);
  const result = suggestAssignment(
    await reviewers(ctx.db),
    p,
    nowIso(ctx.clock),
    await assignmentHistory(ctx.db, submissionId),
    declared,
  );
  return result.ok ? { ok: true, ...result.value } : { ok: false, ...result.error };
}

async function appendHistory(db: Db, entry: AssignmentEvent): Promise<void> {
  const last = await db
    .selectFrom('assignment_events')
    .select((eb) => eb.fn.max('ordinal').as('n'))
    .where('submission_id', '=', entry.submissionId)
    .executeTakeFirst();
  await db
    .insertInto('assignment_events')
    .values({
      submission_id: entry.submissionId,
      ordinal: last?.n === null || last?.n === undefined ? 0 : Number(last.n) + 1,
      type: entry.type,
      reviewer_id: entry.reviewerId,
      by: entry.by,
      at: entry.at,
      reason: entry.reason ?? null,
    })
    .execute();
}

/** An administrator confirms one reviewer; conflicted or previously recused reviewers are refused. */
export async function assignReviewer(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  reviewerId: string,
): Promise<AssignmentHistory> {
  requireAdmin(origin.actor);
  return ctx.db.transaction().execute(async (tx) => {
    const submission = await visibleSubmission(tx, origin.actor, submissionId);
    const reviewer = (await reviewers(tx)).find((r) => r.id === reviewerId);
    if (reviewer === undefined) throw new AppError('UNPROCESSABLE', 'no such reviewer');
    const { parties: p, declared } = await parties(tx, submission);
    const history = await assignmentHistory(tx, submissionId);
    const result = assign(
      history,
      { reviewer, submission: p, declaredBySubmitter: declared },
      origin.actor,
      nowIso(ctx.clock),
    );
    if (!result.ok) {
      const code = result.error.code === 'FORBIDDEN_ROLE' ? 'FORBIDDEN' : 'CONFLICT';
      throw new AppError(code, result.error.message, {
        reason: result.error.code,
        ...(result.error.conflicts === undefined
          ? {}
          : { conflicts: result.error.conflicts.map((c) => ({ kind: c.kind, reason: c.reason })) }),
      });
    }
    await appendHistory(tx, result.value.entry);
    await recordDomainEvent(tx, result.value.event, origin.where);
    return result.value.history;
  });
}

export async function recuseReviewer(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  input: { reviewerId?: string; reason: string },
): Promise<AssignmentHistory> {
  requireSubmissionRole(origin.actor);
  const actor = origin.actor;
  const reviewerId = input.reviewerId ?? (actor.role === 'reviewer' ? actor.userId : undefined);
  if (reviewerId === undefined) throw new AppError('INVALID', 'name the reviewer who recuses');
  return ctx.db.transaction().execute(async (tx) => {
    await visibleSubmission(tx, actor, submissionId);
    const history = await assignmentHistory(tx, submissionId);
    const result = recuse(
      history,
      { submissionId, reviewerId, reason: input.reason },
      actor,
      nowIso(ctx.clock),
    );
    if (!result.ok) {
      const code =
        result.error.code === 'FORBIDDEN_ROLE'
          ? 'FORBIDDEN'
          : result.error.code === 'REASON_REQUIRED'
            ? 'UNPROCESSABLE'
            : 'CONFLICT';
      throw new AppError(code, result.error.message, { reason: result.error.code });
    }
    await appendHistory(tx, result.value.entry);
    await recordDomainEvent(tx, result.value.event, origin.where);
    return result.value.history;
  });
}

export async function history(ctx: Context, actor: Actor, submissionId: string): Promise<AssignmentHistory> {
  requireSubmissionRole(actor);
  await visibleSubmission(ctx.db, actor, submissionId);
  return assignmentHistory(ctx.db, submissionId);
}

/** The submitting organisation declares a relationship with a reviewer ("this person advised us"). */
export async function declareRelationship(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  input: { reviewerId: string; reason: string },
): Promise<void> {
  const actor = origin.actor;
  requireSubmissionRole(actor);
  await ctx.db.transaction().execute(async (tx) => {
    await visibleSubmission(tx, actor, submissionId);
    if (actor.role !== 'submitter')
      throw new AppError('FORBIDDEN', 'only the submitting organisation declares relationships');
    if (input.reason.trim() === '')
      throw new AppError('UNPROCESSABLE', 'a declared relationship needs a reason');
    const reviewer = await tx
      .selectFrom('users')
      .select('id')
      .where('id', '=', input.reviewerId)
      .where('role', '=', 'reviewer')
      .executeTakeFirst();
    if (reviewer === undefined) throw new AppError('UNPROCESSABLE', 'no such reviewer');
    const id = randomUUID();
    const now = nowIso(ctx.clock);
    await tx
      .insertInto('submitter_declarations')
      .values({
        id,
        submission_id: submissionId,
        reviewer_id: input.reviewerId,
        reason: input.reason,
        created_by: actor.userId,
        created_at: now,
      })
      .execute();
    await recordEvent(
      tx,
      origin,
      now,
      'relationship.declared',
      { kind: 'submission', id: submissionId },
      { reviewerId: input.reviewerId },
    );
  });
}

/** Reviewers, for administrators choosing assignments (no declarations' notes). */
export async function listReviewers(
  ctx: Context,
  actor: Actor,
): Promise<{ id: string; name: string; organisationId: string | null }[]> {
  requireAdmin(actor);
  const rows = await ctx.db
    .selectFrom('users')
    .select(['id', 'name', 'organisation_id'])
    .where('role', '=', 'reviewer')
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, organisationId: r.organisation_id }));
}
