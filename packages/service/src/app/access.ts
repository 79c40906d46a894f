/**
 * Who may see a submission and everything under it: the owning organisation, its currently assigned
 * reviewers and administrators. Everyone else gets NOT_FOUND, exactly as for a missing one.
 */
import type { Actor } from '../domain/actor.js';
import { currentReviewers } from '../domain/independence.js';
import type { Db } from '../store/audit.js';
import type { SubmissionRow } from '../store/schema.js';
import { AppError, notFound } from './context.js';
import { assignmentHistory } from './history.js';

/**
 * Loads a submission the actor may see, or answers NOT_FOUND exactly as for a missing one. `what`
 * names the object asked for when it hangs off the submission (an artifact, a finding, a scan), so
 * its answer too is that of a missing object.
 */
export async function visibleSubmission(
  db: Db,
  actor: Actor,
  id: string,
  what = 'submission',
): Promise<SubmissionRow> {
  const row = await db.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined || !(await canSee(db, actor, row))) throw notFound(what);
  return row;
}

async function canSee(db: Db, actor: Actor, row: SubmissionRow): Promise<boolean> {
  switch (actor.role) {
    case 'administrator':
      return true;
    case 'submitter':
      return actor.organisationId === row.organisation_id;
    case 'reviewer':
      return currentReviewers(await assignmentHistory(db, row.id), row.id).includes(actor.userId);
    case 'procurement-officer':
    case 'public':
      return false;
    default: {
      const never: never = actor;
      throw new Error(`unknown actor ${JSON.stringify(never)}`);
    }
  }
}

/** Roles that may use submission routes at all; others get 403 before any lookup. */
export function requireSubmissionRole(actor: Actor): void {
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (actor.role === 'procurement-officer')
    throw new AppError('FORBIDDEN', 'this role has no access to submissions');
}
