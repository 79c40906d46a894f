/**
 * Reviewers' outcomes per criterion: what an assigned reviewer concluded for a criterion of the
 * current revision (met, not met, not applicable) and why. The coverage rule of the confidential
 * report and the attestation takes them into account; the latest word per criterion counts, and
 * every recording stays in the audit log.
 */
import { findCriterion } from '@vacsrp/scanner';
import { currentReviewers } from '../domain/independence.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, nowIso, type Origin } from './context.js';
import { recordEvent } from './events.js';
import { assignmentHistory } from './history.js';

export const REVIEWER_OUTCOMES = ['met', 'not-met', 'not-applicable'] as const;
export type ReviewerOutcomeValue = (typeof REVIEWER_OUTCOMES)[number];
export const MAX_OUTCOME_NOTE = 2000;

export interface CriterionOutcomeView {
  readonly revision: number;
  readonly criterionId: string;
  readonly outcome: ReviewerOutcomeValue;
  readonly reviewerId: string;
  readonly note: string;
  readonly at: string;
}

export async function recordCriterionOutcome(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  input: { readonly criterionId: string; readonly outcome: ReviewerOutcomeValue; readonly note: string },
): Promise<CriterionOutcomeView> {
  const actor = origin.actor;
  requireSubmissionRole(actor);
  return ctx.db.transaction().execute(async (tx) => {
    const submission = await visibleSubmission(tx, actor, submissionId);
    if (actor.role !== 'reviewer')
      throw new AppError('FORBIDDEN', 'only assigned reviewers record criterion outcomes');
    if (!currentReviewers(await assignmentHistory(tx, submissionId), submissionId).includes(actor.userId)) {
      throw new AppError('FORBIDDEN', 'the reviewer is not assigned');
    }
    if (submission.state !== 'in-review' && submission.state !== 'findings-issued') {
      throw new AppError(
        'CONFLICT',
        `outcomes are recorded during the review, not while ${submission.state}`,
      );
    }
    if (findCriterion(input.criterionId) === undefined) {
      throw new AppError('UNPROCESSABLE', `no criterion ${input.criterionId} in the published catalog`);
    }
    const note = input.note.trim();
    if (note === '' || note.length > MAX_OUTCOME_NOTE) {
      throw new AppError('UNPROCESSABLE', `say why, in 1 to ${MAX_OUTCOME_NOTE} characters`);
    }
    const latest = await tx
      .selectFrom('revisions')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('submission_id', '=', submissionId)
      .executeTakeFirstOrThrow();
    const now = nowIso(ctx.clock);
    const row = {
      submission_id: submissionId,
      revision: Number(latest.n),
      criterion_id: input.criterionId,
      outcome: input.outcome,
      reviewer_id: actor.userId,
      note,
      at: now,
    };
    await tx
      .insertInto('criterion_outcomes')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['submission_id', 'revision', 'criterion_id'])
          .doUpdateSet({ outcome: row.outcome, reviewer_id: row.reviewer_id, note: row.note, at: row.at }),
      )
      .execute();
    await recordEvent(
      tx,
      origin,
      now,
      'criterion.outcome',
      { kind: 'submission', id: submissionId },
      {
        revision: row.revision,
        criterionId: row.criterion_id,
        outcome: row.outcome,
      },
    );
    return toView(row);
  });
}

export async function listCriterionOutcomes(
  ctx: Context,
  origin: Origin,
  submissionId: string,
): Promise<CriterionOutcomeView[]> {
  requireSubmissionRole(origin.actor);
  await visibleSubmission(ctx.db, origin.actor, submissionId);
  const rows = await ctx.db
    .selectFrom('criterion_outcomes')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .orderBy('revision')
    .orderBy('criterion_id')
    .execute();
  return rows.map(toView);
}

function toView(row: {
  revision: number;
  criterion_id: string;
  outcome: string;
  reviewer_id: string;
  note: string;
  at: string;
}): CriterionOutcomeView {
  return {
    revision: row.revision,
    criterionId: row.criterion_id,
    outcome: row.outcome as ReviewerOutcomeValue,
    reviewerId: row.reviewer_id,
    note: row.note,
    at: row.at,
  };
}
