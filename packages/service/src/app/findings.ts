/**
 * Findings of a submission: automated ones from scans, manual ones from assigned reviewers (code
 * inspection, simulated attacks), each resolved once with its reason, with comment threads,
 * encrypted evidence files and the developer's decision per round.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { findCriterion } from '@vacsrp/scanner';
import type { Actor } from '../domain/actor.js';
import {
  addComment,
  type Decision,
  type DecisionInput,
  type Finding,
  type FindingAction,
  type FindingState,
  recordDecision,
  resolveFinding,
  type Severity,
} from '../domain/findings.js';
import { currentReviewers } from '../domain/independence.js';
import type { Db } from '../store/audit.js';
import type { FindingRow, SubmissionRow } from '../store/schema.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordDomainEvent, recordEvent, recordRead } from './events.js';
import { commentsOf, commentsOfAll, evidenceFilesOfAll, findingFromRow } from './finding-rows.js';
import { assignmentHistory } from './history.js';
import { domainRefusal } from './submissions.js';

export const MAX_EVIDENCE_BYTES = 100 * 1024 * 1024;
export const MAX_EVIDENCE_PER_FINDING = 50;
export const MAX_FINDINGS_LISTED = 5000;

export interface CommentView {
  readonly author: string;
  readonly role: string;
  readonly at: string;
  readonly body: string;
}

export interface EvidenceFileView {
  readonly id: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: string;
}

export interface FindingView {
  readonly id: string;
  readonly submissionId: string;
  readonly revision: number;
  readonly source: 'automated' | 'manual';
  readonly scanId: string | null;
  readonly ruleId: string | null;
  readonly criterionId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  readonly location: unknown;
  readonly evidence: unknown;
  readonly remediation: string;
  readonly state: FindingState;
  readonly resolution: unknown;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly comments: readonly CommentView[];
  readonly evidenceFiles: readonly EvidenceFileView[];
}

async function findingContext(db: Db, submission: SubmissionRow) {
  const latest = await db
    .selectFrom('revisions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('submission_id', '=', submission.id)
    .executeTakeFirstOrThrow();
  return {
    assignedReviewers: currentReviewers(await assignmentHistory(db, submission.id), submission.id),
    latestRevision: Number(latest.n),
  };
}

async function loadFinding(
  db: Db,
  actor: Actor,
  id: string,
): Promise<{ row: FindingRow; submission: SubmissionRow }> {
  requireSubmissionRole(actor);
  const row = await db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw notFound('finding');
  return { row, submission: await visibleSubmission(db, actor, row.submission_id, 'finding') };
}

async function toDomainFinding(db: Db, row: FindingRow): Promise<Finding> {
  return findingFromRow(row, await commentsOf(db, row.id));
}

async function toView(db: Db, row: FindingRow): Promise<FindingView> {
  return (await toViews(db, [row]))[0]!;
}

/** Findings as the API shows them, with their threads and evidence files read in a few queries. */
async function toViews(db: Db, rows: readonly FindingRow[]): Promise<FindingView[]> {
  const ids = rows.map((r) => r.id);
  const [threads, filesOf] = await Promise.all([commentsOfAll(db, ids), evidenceFilesOfAll(db, ids)]);
  return rows.map((row) => ({
    id: row.id,
    submissionId: row.submission_id,
    revision: row.revision,
    source: row.source as FindingView['source'],
    scanId: row.scan_id,
    ruleId: row.rule_id,
    criterionId: row.criterion_id,
    severity: row.severity as Severity,
    title: row.title,
    description: row.description,
    location: JSON.parse(row.location) as unknown,
    evidence: JSON.parse(row.evidence) as unknown,
    remediation: row.remediation,
    state: row.state as FindingState,
    resolution: row.resolution === null ? null : (JSON.parse(row.resolution) as unknown),
    createdBy: row.created_by,
    createdAt: row.created_at,
    comments: (threads.get(row.id) ?? []).map((c) => ({
      author: c.author,
      role: c.role,
      at: c.at,
      body: c.body,
    })),
    evidenceFiles: (filesOf.get(row.id) ?? []).map((f) => ({
      id: f.id,
      name: f.name,
      mediaType: f.media_type,
      size: Number(f.size),
      sha256: f.sha256,
      createdAt: f.created_at,
    })),
  }));
}

export interface FindingFilter {
  readonly revision?: number;
  readonly state?: FindingState;
  readonly severity?: Severity;
}

/** Findings are confidential: listing them is an audited read. */
export async function listFindings(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  filter: FindingFilter = {},
): Promise<FindingView[]> {
  requireSubmissionRole(origin.actor);
  await visibleSubmission(ctx.db, origin.actor, submissionId);
  let q = ctx.db.selectFrom('findings').selectAll().where('submission_id', '=', submissionId);
  if (filter.revision !== undefined) q = q.where('revision', '=', filter.revision);
  if (filter.state !== undefined) q = q.where('state', '=', filter.state);
  if (filter.severity !== undefined) q = q.where('severity', '=', filter.severity);
  const rows = await q
    .orderBy('revision')
    .orderBy('created_at')
    .orderBy('id')
    .limit(MAX_FINDINGS_LISTED)
    .execute();
  await recordRead(
    ctx,
    origin,
    'findings.read',
    { kind: 'submission', id: submissionId },
    { count: rows.length },
  );
  return toViews(ctx.db, rows);
}

export async function getFinding(ctx: Context, origin: Origin, id: string): Promise<FindingView> {
  const { row } = await loadFinding(ctx.db, origin.actor, id);
  await recordRead(ctx, origin, 'finding.read', { kind: 'finding', id });
  return toView(ctx.db, row);
}

export interface NewManualFinding {
  readonly criterionId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  readonly remediation: string;
  readonly location?: {
    readonly artifact?: string;
    readonly member?: string;
    readonly offset?: number;
    readonly note?: string;
  };
  readonly method: 'code-inspection' | 'simulated-attack' | 'other';
}

/** An assigned reviewer records a manual finding while the review is open. */
export async function createManualFinding(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  input: NewManualFinding,
): Promise<FindingView> {
  const actor = origin.actor;
  requireSubmissionRole(actor);
  return ctx.db.transaction().execute(async (tx) => {
    const submission = await visibleSubmission(tx, actor, submissionId);
    if (actor.role !== 'reviewer')
      throw new AppError('FORBIDDEN', 'only assigned reviewers add manual findings');
    const fctx = await findingContext(tx, submission);
    if (!fctx.assignedReviewers.includes(actor.userId))
      throw new AppError('FORBIDDEN', 'the reviewer is not assigned');
    if (submission.state !== 'in-review' && submission.state !== 'findings-issued') {
      throw new AppError(
        'CONFLICT',
        `manual findings are added during the review, not while ${submission.state}`,
      );
    }
    if (findCriterion(input.criterionId) === undefined) {
      throw new AppError('UNPROCESSABLE', `no criterion ${input.criterionId} in the published catalog`);
    }
    const now = nowIso(ctx.clock);
    const row: FindingRow = {
      id: randomUUID(),
      submission_id: submissionId,
      organisation_id: submission.organisation_id,
      revision: fctx.latestRevision,
      source: 'manual',
      scan_id: null,
      rule_id: null,
      criterion_id: input.criterionId,
      severity: input.severity,
      title: input.title,
      description: input.description,
      location: JSON.stringify(input.location ?? {}),
      evidence: JSON.stringify({ method: input.method }),
      remediation: input.remediation,
      state: 'open',
      resolution: null,
      created_by: actor.userId,
      created_at: now,
    };
    await tx.insertInto('findings').values(row).execute();
    await recordEvent(
      tx,
      origin,
      now,
      'finding.created',
      { kind: 'finding', id: row.id },
      {
        submissionId,
        severity: input.severity,
        criterionId: input.criterionId,
      },
    );
    return toView(tx, row);
  });
}

/** Resolves an open finding (remediated, risk accepted, false positive); the domain decides who may. */
export async function resolve(
  ctx: Context,
  origin: Origin,
  id: string,
  action: FindingAction,
): Promise<FindingView> {
  return ctx.db.transaction().execute(async (tx) => {
    const { row, submission } = await loadFinding(tx, origin.actor, id);
    const finding = await toDomainFinding(tx, row);
    const result = resolveFinding(
      finding,
      action,
      origin.actor,
      await findingContext(tx, submission),
      nowIso(ctx.clock),
    );
    if (!result.ok) throw domainRefusal(result.error.code, result.error.message);
    const next = result.value.finding;
    const updated = await tx
      .updateTable('findings')
      .set({ state: next.state, resolution: JSON.stringify(next.resolution ?? null) })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'the finding changed meanwhile');
    await recordDomainEvent(tx, result.value.event, origin.where);
    return toView(tx, { ...row, state: next.state, resolution: JSON.stringify(next.resolution ?? null) });
  });
}

export const MAX_COMMENT = 10_000;

export async function comment(ctx: Context, origin: Origin, id: string, body: string): Promise<FindingView> {
  if (body.length > MAX_COMMENT)
    throw new AppError('INVALID', `a comment may have at most ${MAX_COMMENT} characters`);
  return ctx.db.transaction().execute(async (tx) => {
    const { row, submission } = await loadFinding(tx, origin.actor, id);
    const finding = await toDomainFinding(tx, row);
    const now = nowIso(ctx.clock);
    const result = addComment(finding, body, origin.actor, await findingContext(tx, submission), now);
    if (!result.ok) throw domainRefusal(result.error.code, result.error.message);
    const added = result.value.finding.comments.at(-1)!;
    await tx
      .insertInto('comments')
      .values({
        id: randomUUID(),
        finding_id: id,
        ordinal: finding.comments.length,
        author: added.author,
        role: added.role,
        body: added.body,
        at: added.at,
      })
      .execute();
    await recordDomainEvent(tx, result.value.event, origin.where);
    return toView(tx, row);
  });
}

/** An assigned reviewer attaches an evidence file; it is encrypted with the submission's data key. */
export async function addEvidence(
  ctx: Context,
  origin: Origin,
  findingId: string,
  file: { name: string; mediaType: string; body: Readable },
): Promise<EvidenceFileView> {
  const actor = origin.actor;
  const { row, submission } = await loadFinding(ctx.db, actor, findingId);
  if (actor.role !== 'reviewer') throw new AppError('FORBIDDEN', 'only assigned reviewers attach evidence');
  const fctx = await findingContext(ctx.db, submission);
  if (!fctx.assignedReviewers.includes(actor.userId))
    throw new AppError('FORBIDDEN', 'the reviewer is not assigned');
  const name = file.name.replace(/[\\/]/g, '_').slice(0, 200);
  if (name.trim() === '') throw new AppError('INVALID', 'an evidence file needs a name');
  const count = await ctx.db
    .selectFrom('evidence_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('finding_id', '=', findingId)
    .executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_EVIDENCE_PER_FINDING)
    throw new AppError('CONFLICT', 'too many evidence files on this finding');
  const stored = await ctx.storage.put(
    file.body,
    { wrapped: submission.wrapped_key, submissionId: submission.id },
    MAX_EVIDENCE_BYTES,
  );
  const id = randomUUID();
  const now = nowIso(ctx.clock);
  await ctx.db.transaction().execute(async (tx) => {
    await tx
      .insertInto('evidence_files')
      .values({
        id,
        finding_id: row.id,
        submission_id: submission.id,
        name,
        media_type: file.mediaType,
        size: stored.size,
        sha256: stored.sha256,
        blob_key: stored.key,
        created_by: actor.userId,
        created_at: now,
      })
      .execute();
    await recordEvent(
      tx,
      origin,
      now,
      'evidence.added',
      { kind: 'evidence', id },
      { findingId, sha256: stored.sha256 },
    );
  });
  return { id, name, mediaType: file.mediaType, size: stored.size, sha256: stored.sha256, createdAt: now };
}

export async function readEvidence(
  ctx: Context,
  origin: Origin,
  findingId: string,
  evidenceId: string,
): Promise<{ file: EvidenceFileView; body: Readable }> {
  const { submission } = await loadFinding(ctx.db, origin.actor, findingId);
  const f = await ctx.db
    .selectFrom('evidence_files')
    .selectAll()
    .where('id', '=', evidenceId)
    .where('finding_id', '=', findingId)
    .executeTakeFirst();
  if (f === undefined) throw notFound('evidence file');
  await recordRead(ctx, origin, 'evidence.read', { kind: 'evidence', id: evidenceId }, { findingId });
  const body = await ctx.storage.read(f.blob_key, {
    wrapped: submission.wrapped_key,
    submissionId: submission.id,
  });
  return {
    file: {
      id: f.id,
      name: f.name,
      mediaType: f.media_type,
      size: Number(f.size),
      sha256: f.sha256,
      createdAt: f.created_at,
    },
    body,
  };
}

/** The developer's decision on the current round: remediate with a new revision, or proceed with the accepted risks. */
export async function decide(
  ctx: Context,
  origin: Origin,
  submissionId: string,
  input: DecisionInput,
): Promise<Decision> {
  requireSubmissionRole(origin.actor);
  return ctx.db.transaction().execute(async (tx) => {
    const submission = await visibleSubmission(tx, origin.actor, submissionId);
    const fctx = await findingContext(tx, submission);
    const rows = await tx
      .selectFrom('findings')
      .selectAll()
      .where('submission_id', '=', submissionId)
      .execute();
    const findings = await Promise.all(rows.map((r) => toDomainFinding(tx, r)));
    const now = nowIso(ctx.clock);
    const result = recordDecision(
      {
        submission: {
          id: submission.id,
          organisationId: submission.organisation_id,
          state: submission.state,
          revision: fctx.latestRevision,
        },
        findings,
        decision: input,
      },
      origin.actor,
      now,
    );
    if (!result.ok) throw domainRefusal(result.error.code, result.error.message);
    const d = result.value.decision;
    const exists = await tx
      .selectFrom('decisions')
      .select('id')
      .where('submission_id', '=', submissionId)
      .where('revision', '=', d.revision)
      .executeTakeFirst();
    if (exists !== undefined)
      throw new AppError('CONFLICT', 'a decision on this revision is already recorded');
    await tx
      .insertInto('decisions')
      .values({
        id: randomUUID(),
        submission_id: submissionId,
        revision: d.revision,
        kind: d.kind,
        accepted_finding_ids: JSON.stringify(d.acceptedFindingIds),
        justification: d.justification,
        by: d.by,
        at: d.at,
      })
      .execute();
    await recordDomainEvent(tx, result.value.event, origin.where);
    return d;
  });
}

export async function listDecisions(ctx: Context, actor: Actor, submissionId: string): Promise<Decision[]> {
  requireSubmissionRole(actor);
  await visibleSubmission(ctx.db, actor, submissionId);
  const rows = await ctx.db
    .selectFrom('decisions')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .orderBy('revision')
    .execute();
  return rows.map((r) => ({
    submissionId: r.submission_id,
    revision: r.revision,
    kind: r.kind as Decision['kind'],
    acceptedFindingIds: JSON.parse(r.accepted_finding_ids) as string[],
    justification: r.justification,
    by: r.by,
    at: r.at,
  }));
}
