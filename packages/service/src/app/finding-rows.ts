/** Findings as the domain rules see them, read from their rows (shared by findings and scans). */
import type { Actor } from '../domain/actor.js';
import type { Comment, Finding, FindingState, Severity } from '../domain/findings.js';
import type { Db } from '../store/audit.js';
import type { FindingRow } from '../store/schema.js';

/** The comment thread of a finding, oldest first. */
export async function commentsOf(db: Db, findingId: string): Promise<Comment[]> {
  const rows = await db
    .selectFrom('comments')
    .selectAll()
    .where('finding_id', '=', findingId)
    .orderBy('ordinal')
    .execute();
  return rows.map((c) => ({ author: c.author, role: c.role as Actor['role'], at: c.at, body: c.body }));
}

export function findingFromRow(row: FindingRow, comments: readonly Comment[]): Finding {
  return {
    id: row.id,
    submissionId: row.submission_id,
    organisationId: row.organisation_id,
    revision: row.revision,
    source: row.source as Finding['source'],
    criterionId: row.criterion_id,
    severity: row.severity as Severity,
    state: row.state as FindingState,
    ...(row.resolution === null ? {} : { resolution: JSON.parse(row.resolution) as Finding['resolution'] }),
    comments,
  };
}
