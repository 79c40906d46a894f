/** The assignment history of a submission, read in order from the store. */
import type { AssignmentEvent, AssignmentHistory } from '../domain/independence.js';
import type { Db } from '../store/audit.js';

export async function assignmentHistory(db: Db, submissionId: string): Promise<AssignmentHistory> {
  const rows = await db
    .selectFrom('assignment_events')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .orderBy('ordinal')
    .execute();
  return rows.map(
    (r): AssignmentEvent => ({
      type: r.type as AssignmentEvent['type'],
      submissionId: r.submission_id,
      reviewerId: r.reviewer_id,
      by: r.by,
      at: r.at,
      ...(r.reason === null ? {} : { reason: r.reason }),
    }),
  );
}
