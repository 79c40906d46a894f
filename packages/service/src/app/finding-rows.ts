/** Findings as the domain rules see them, read from their rows (shared by findings and scans). */
import type { Actor } from '../domain/actor.js';
import type { Comment, Finding, FindingState, Severity } from '../domain/findings.js';
import type { Db } from '../store/audit.js';
import type { EvidenceFileRow, FindingRow } from '../store/schema.js';

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

/** Ids per query when reading the threads of many findings (well under every dialect's parameter limit). */
const IDS_PER_QUERY = 500;

/** The comment threads of many findings in a few queries, oldest first; findings without comments are absent. */
export async function commentsOfAll(db: Db, findingIds: readonly string[]): Promise<Map<string, Comment[]>> {
  const out = new Map<string, Comment[]>();
  for (let i = 0; i < findingIds.length; i += IDS_PER_QUERY) {
    const rows = await db
      .selectFrom('comments')
      .selectAll()
      .where('finding_id', 'in', findingIds.slice(i, i + IDS_PER_QUERY))
      .orderBy('finding_id')
      .orderBy('ordinal')
      .execute();
    for (const c of rows) {
      const thread = out.get(c.finding_id) ?? [];
      thread.push({ author: c.author, role: c.role as Actor['role'], at: c.at, body: c.body });
      out.set(c.finding_id, thread);
    }
  }
  return out;
}

/** The evidence files of many findings in a few queries, in the order they were added. */
export async function evidenceFilesOfAll(
  db: Db,
  findingIds: readonly string[],
): Promise<Map<string, EvidenceFileRow[]>> {
  const out = new Map<string, EvidenceFileRow[]>();
  for (let i = 0; i < findingIds.length; i += IDS_PER_QUERY) {
    const rows = await db
      .selectFrom('evidence_files')
      .selectAll()
      .where('finding_id', 'in', findingIds.slice(i, i + IDS_PER_QUERY))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const f of rows) out.set(f.finding_id, [...(out.get(f.finding_id) ?? []), f]);
  }
  return out;
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
