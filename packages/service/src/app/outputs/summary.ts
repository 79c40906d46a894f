/**
 * The public summary of a submission's final revision: previewed by the owning organisation, its
 * assigned reviewers and administrators (an audited read; the preview is kept as a draft), approved
 * by an administrator once the final report is issued, and public only through the registry after
 * completion. Approval freezes the summary: what was approved is what the registry publishes.
 */
import { canonicalJson } from '../../domain/audit.js';
import type { JsonValue } from '../../domain/result.js';
import type { Db } from '../../store/audit.js';
import type { PublicSummaryRow } from '../../store/schema.js';
import type { PublicSummary } from '../../summary/model.js';
import { summariseReview } from '../../summary/summarise.js';
import { requireSubmissionRole, visibleSubmission } from '../access.js';
import { AppError, type Context, nowIso, type Origin } from '../context.js';
import { recordEvent } from '../events.js';
import { buildConfidentialReview, latestRevision, publicCatalog } from './confidential.js';
import { programIdentity } from './settings.js';

/** States in which an administrator may approve the summary. */
export const APPROVABLE_STATES: readonly string[] = ['final-report', 'completed'];

export interface PublicSummaryView {
  readonly submissionId: string;
  readonly revision: number;
  readonly state: 'draft' | 'approved';
  readonly approvedAt: string | null;
  readonly summary: PublicSummary;
}

const toView = (row: PublicSummaryRow): PublicSummaryView => ({
  submissionId: row.submission_id,
  revision: row.revision,
  state: row.state === 'approved' ? 'approved' : 'draft',
  approvedAt: row.approved_at,
  summary: JSON.parse(row.summary) as PublicSummary,
});

/** The summary as the redaction rules derive it from the store now. */
export async function deriveSummary(
  ctx: Context,
  db: Db,
  submissionId: string,
  revision: number,
): Promise<PublicSummary> {
  const data = await buildConfidentialReview(db, submissionId, revision, {
    program: programIdentity(ctx),
    generatedAt: nowIso(ctx.clock),
  });
  return summariseReview(data.review, publicCatalog());
}

async function storedSummary(
  db: Db,
  submissionId: string,
  revision: number,
): Promise<PublicSummaryRow | undefined> {
  return db
    .selectFrom('public_summaries')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .executeTakeFirst();
}

/** The approved summary of a revision, or undefined. */
export async function approvedSummary(
  db: Db,
  submissionId: string,
  revision: number,
): Promise<PublicSummary | undefined> {
  const row = await storedSummary(db, submissionId, revision);
  return row?.state === 'approved' ? (JSON.parse(row.summary) as PublicSummary) : undefined;
}

/** The preview of the final revision's summary (the approved one once approved). Audited. */
export async function previewPublicSummary(
  ctx: Context,
  origin: Origin,
  submissionId: string,
): Promise<PublicSummaryView> {
  requireSubmissionRole(origin.actor);
  return ctx.db.transaction().execute(async (tx) => {
    await visibleSubmission(tx, origin.actor, submissionId);
    const revision = await latestRevision(tx, submissionId);
    const now = nowIso(ctx.clock);
    let row = await storedSummary(tx, submissionId, revision);
    if (row?.state !== 'approved') {
      const summary = canonicalJson(
        (await deriveSummary(ctx, tx, submissionId, revision)) as unknown as JsonValue,
      );
      if (row === undefined) {
        row = {
          submission_id: submissionId,
          revision,
          state: 'draft',
          summary,
          updated_at: now,
          approved_by: null,
          approved_at: null,
        };
        await tx.insertInto('public_summaries').values(row).execute();
      } else if (row.summary !== summary) {
        await tx
          .updateTable('public_summaries')
          .set({ summary, updated_at: now })
          .where('submission_id', '=', submissionId)
          .where('revision', '=', revision)
          .where('state', '=', 'draft')
          .execute();
        row = { ...row, summary, updated_at: now };
      }
    }
    await recordEvent(
      tx,
      origin,
      now,
      'public-summary.previewed',
      { kind: 'submission', id: submissionId },
      { revision, state: row.state },
    );
    return toView(row);
  });
}

/** An administrator approves the final revision's summary as derived now; it is frozen from here on. */
export async function approvePublicSummary(
  ctx: Context,
  origin: Origin,
  submissionId: string,
): Promise<PublicSummaryView> {
  requireSubmissionRole(origin.actor);
  const actor = origin.actor;
  return ctx.db.transaction().execute(async (tx) => {
    const submission = await visibleSubmission(tx, actor, submissionId);
    if (actor.role !== 'administrator')
      throw new AppError('FORBIDDEN', 'only administrators approve public summaries');
    if (!APPROVABLE_STATES.includes(submission.state)) {
      throw new AppError(
        'CONFLICT',
        `a public summary is approved once the final report is issued, not while ${submission.state}`,
        { reason: 'WRONG_STATE' },
      );
    }
    const revision = await latestRevision(tx, submissionId);
    const existing = await storedSummary(tx, submissionId, revision);
    if (existing?.state === 'approved') {
      throw new AppError('CONFLICT', 'the public summary is already approved', {
        reason: 'ALREADY_APPROVED',
      });
    }
    const now = nowIso(ctx.clock);
    const summary = canonicalJson(
      (await deriveSummary(ctx, tx, submissionId, revision)) as unknown as JsonValue,
    );
    const row: PublicSummaryRow = {
      submission_id: submissionId,
      revision,
      state: 'approved',
      summary,
      updated_at: now,
      approved_by: actor.userId,
      approved_at: now,
    };
    if (existing === undefined) {
      await tx.insertInto('public_summaries').values(row).execute();
    } else {
      const updated = await tx
        .updateTable('public_summaries')
        .set({ state: 'approved', summary, updated_at: now, approved_by: actor.userId, approved_at: now })
        .where('submission_id', '=', submissionId)
        .where('revision', '=', revision)
        .where('state', '=', 'draft')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new AppError('CONFLICT', 'the public summary changed meanwhile; retry');
    }
    await recordEvent(
      tx,
      origin,
      now,
      'public-summary.approved',
      { kind: 'submission', id: submissionId },
      { revision },
    );
    return toView(row);
  });
}

/** Completion needs the final revision's summary approved (called inside the completion). */
export async function requireApprovedSummary(db: Db, submissionId: string, revision: number): Promise<void> {
  if ((await approvedSummary(db, submissionId, revision)) === undefined) {
    throw new AppError('CONFLICT', 'approve the public summary of the final revision before completing', {
      reason: 'SUMMARY_NOT_APPROVED',
    });
  }
}
