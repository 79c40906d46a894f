/**
 * Submissions and their revisions: created from a validated vacsrp.yaml, moved through the domain's
 * state machine, visible only to the owning organisation, its assigned reviewers and administrators.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Manifest, parseManifest } from '@vacsrp/scanner';
import type { Transaction } from 'kysely';
import type { Actor } from '../domain/actor.js';
import { canonicalJson } from '../domain/audit.js';
import { type AssignmentEvent, currentReviewers } from '../domain/independence.js';
import type { JsonValue } from '../domain/result.js';
import {
  createSubmission as createDomainSubmission,
  type Submission as DomainSubmission,
  type SubmissionAction,
  type SubmissionState,
  transition,
} from '../domain/submission.js';
import type { Db } from '../store/audit.js';
import type { ArtifactRow, Database, SubmissionRow } from '../store/schema.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordDomainEvent, recordRead } from './events.js';
import { assignmentHistory } from './history.js';
import { issueCompletionAttestation } from './outputs/attestations.js';
import { requireApprovedSummary } from './outputs/summary.js';
import { queueScanIfReady } from './scans.js';

export interface Artifact {
  readonly id: string;
  readonly revision: number;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly state: 'pending' | 'stored' | 'digests-only';
}

export interface RevisionView {
  readonly number: number;
  readonly manifestDigest: string;
  readonly digestsOnly: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface SubmissionView {
  readonly id: string;
  readonly organisationId: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly state: SubmissionState;
  readonly reviewers: readonly string[];
  readonly signOffs: readonly string[];
  readonly currentRevision: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const MAX_ARTIFACTS_PER_REVISION = 10_000;

export function toArtifact(row: ArtifactRow): Artifact {
  return {
    id: row.id,
    revision: row.revision,
    path: row.path,
    sha256: row.sha256,
    size: Number(row.size),
    state: row.state as Artifact['state'],
  };
}

export async function toDomain(db: Db, row: SubmissionRow): Promise<DomainSubmission> {
  const revisions = await db
    .selectFrom('revisions')
    .selectAll()
    .where('submission_id', '=', row.id)
    .orderBy('number')
    .execute();
  return {
    id: row.id,
    organisationId: row.organisation_id,
    state: row.state as SubmissionState,
    revisions: revisions.map((r) => ({
      number: r.number,
      manifestDigest: r.manifest_digest,
      createdAt: r.created_at,
      createdBy: r.created_by,
    })),
    reviewers: JSON.parse(row.reviewers) as string[],
    signOffs: JSON.parse(row.sign_offs) as string[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function toView(db: Db, row: SubmissionRow): Promise<SubmissionView> {
  return (await toViews(db, [row]))[0]!;
}

/** Submissions as the API shows them; the current revision of all of them in one query. */
async function toViews(db: Db, rows: readonly SubmissionRow[]): Promise<SubmissionView[]> {
  if (rows.length === 0) return [];
  const latest = await db
    .selectFrom('revisions')
    .select((eb) => ['submission_id', eb.fn.max('number').as('n')])
    .where(
      'submission_id',
      'in',
      rows.map((r) => r.id),
    )
    .groupBy('submission_id')
    .execute();
  const current = new Map(latest.map((l) => [l.submission_id, Number(l.n)]));
  return rows.map((row) => ({
    id: row.id,
    organisationId: row.organisation_id,
    modelName: row.model_name,
    modelVersion: row.model_version,
    state: row.state as SubmissionState,
    reviewers: JSON.parse(row.reviewers) as string[],
    signOffs: JSON.parse(row.sign_offs) as string[],
    currentRevision: current.get(row.id) ?? 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/** Parses and validates a manifest with the scanner's schema; problems become one UNPROCESSABLE answer. */
export function validManifest(text: string): { manifest: Manifest; canonical: string; digest: string } {
  const result = parseManifest(text, 'vacsrp.yaml');
  if (result.manifest === undefined || result.problems.length > 0) {
    throw new AppError('UNPROCESSABLE', 'the manifest is not valid', {
      problems: result.problems.map((p) => ({
        code: p.code,
        message: p.message,
        pointer: p.path,
        line: p.line,
        hint: p.hint,
      })),
    });
  }
  if (result.manifest.artifacts.length > MAX_ARTIFACTS_PER_REVISION) {
    throw new AppError(
      'UNPROCESSABLE',
      `a revision may list at most ${MAX_ARTIFACTS_PER_REVISION} artifacts`,
    );
  }
  const canonical = canonicalJson(result.manifest as unknown as JsonValue);
  return {
    manifest: result.manifest,
    canonical,
    digest: createHash('sha256').update(canonical, 'utf8').digest('hex'),
  };
}

export async function createSubmission(
  ctx: Context,
  origin: Origin,
  input: { manifest: string },
): Promise<SubmissionView> {
  const actor = origin.actor;
  requireSubmissionRole(actor);
  if (actor.role !== 'submitter') throw new AppError('FORBIDDEN', 'only submitters create submissions');
  const { manifest, canonical, digest } = validManifest(input.manifest);
  const id = randomUUID();
  const now = nowIso(ctx.clock);
  const created = createDomainSubmission({ id, manifestDigest: digest }, actor, now);
  if (!created.ok) throw new AppError('FORBIDDEN', created.error.message);
  const row: SubmissionRow = {
    id,
    organisation_id: actor.organisationId,
    model_name: manifest.model.name,
    model_version: manifest.model.version,
    state: created.value.submission.state,
    reviewers: '[]',
    sign_offs: '[]',
    wrapped_key: ctx.storage.newWrappedKey(id),
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
    version: 1,
  };
  await ctx.db.transaction().execute(async (tx) => {
    await tx.insertInto('submissions').values(row).execute();
    await insertRevision(tx, id, 1, manifest, canonical, digest, actor.userId, now);
    await recordDomainEvent(tx, created.value.event, origin.where);
  });
  return toView(ctx.db, row);
}

async function insertRevision(
  tx: Transaction<Database>,
  submissionId: string,
  number: number,
  manifest: Manifest,
  canonical: string,
  digest: string,
  by: string,
  now: string,
): Promise<void> {
  const digestsOnly = manifest.confidentiality === 'digests-only';
  await tx
    .insertInto('revisions')
    .values({
      submission_id: submissionId,
      number,
      manifest_digest: digest,
      manifest: canonical,
      digests_only: digestsOnly ? 1 : 0,
      created_by: by,
      created_at: now,
    })
    .execute();
  const seen = new Set<string>();
  for (const a of manifest.artifacts) {
    if (seen.has(a.path)) throw new AppError('UNPROCESSABLE', `artifact ${a.path} is listed twice`);
    seen.add(a.path);
    await tx
      .insertInto('artifacts')
      .values({
        id: randomUUID(),
        submission_id: submissionId,
        revision: number,
        path: a.path,
        sha256: a.sha256,
        size: a.size,
        state: digestsOnly ? 'digests-only' : 'pending',
        blob_key: null,
        updated_at: now,
      })
      .execute();
  }
}

export async function listSubmissions(ctx: Context, actor: Actor): Promise<SubmissionView[]> {
  requireSubmissionRole(actor);
  let q = ctx.db.selectFrom('submissions').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (actor.role === 'submitter') q = q.where('organisation_id', '=', actor.organisationId);
  if (actor.role === 'reviewer') {
    // Every assignment line of every submission this reviewer was ever on, in one query.
    const events = await ctx.db
      .selectFrom('assignment_events')
      .selectAll()
      .where('submission_id', 'in', (eb) =>
        eb.selectFrom('assignment_events').select('submission_id').where('reviewer_id', '=', actor.userId),
      )
      .orderBy('submission_id')
      .orderBy('ordinal')
      .execute();
    const history = events.map((e) => ({
      type: e.type as AssignmentEvent['type'],
      submissionId: e.submission_id,
      reviewerId: e.reviewer_id,
      by: e.by,
      at: e.at,
    }));
    const visible = [...new Set(history.map((e) => e.submissionId))].filter((id) =>
      currentReviewers(history, id).includes(actor.userId),
    );
    if (visible.length === 0) return [];
    q = q.where('id', 'in', visible);
  }
  return toViews(ctx.db, await q.limit(1000).execute());
}

export async function getSubmission(ctx: Context, origin: Origin, id: string): Promise<SubmissionView> {
  requireSubmissionRole(origin.actor);
  const row = await visibleSubmission(ctx.db, origin.actor, id);
  await recordRead(ctx, origin, 'submission.read', { kind: 'submission', id });
  return toView(ctx.db, row);
}

export async function listRevisions(ctx: Context, actor: Actor, id: string): Promise<RevisionView[]> {
  requireSubmissionRole(actor);
  await visibleSubmission(ctx.db, actor, id);
  const rows = await ctx.db
    .selectFrom('revisions')
    .selectAll()
    .where('submission_id', '=', id)
    .orderBy('number')
    .execute();
  return rows.map((r) => ({
    number: r.number,
    manifestDigest: r.manifest_digest,
    digestsOnly: r.digests_only === 1,
    createdAt: r.created_at,
    createdBy: r.created_by,
  }));
}

/** The manifest of one revision: confidential, so the read is audited. */
export async function readManifest(
  ctx: Context,
  origin: Origin,
  id: string,
  revision: number,
): Promise<unknown> {
  requireSubmissionRole(origin.actor);
  await visibleSubmission(ctx.db, origin.actor, id);
  const row = await ctx.db
    .selectFrom('revisions')
    .select('manifest')
    .where('submission_id', '=', id)
    .where('number', '=', revision)
    .executeTakeFirst();
  if (row === undefined) throw notFound('revision');
  await recordRead(ctx, origin, 'manifest.read', { kind: 'submission', id }, { revision });
  return JSON.parse(row.manifest) as unknown;
}

export async function listArtifacts(
  ctx: Context,
  actor: Actor,
  id: string,
  revision: number,
): Promise<Artifact[]> {
  requireSubmissionRole(actor);
  await visibleSubmission(ctx.db, actor, id);
  const rows = await ctx.db
    .selectFrom('artifacts')
    .selectAll()
    .where('submission_id', '=', id)
    .where('revision', '=', revision)
    .orderBy('path')
    .execute();
  return rows.map(toArtifact);
}

export type TransitionRequest =
  | { readonly type: 'submit' | 'issue-findings' | 'sign-off' | 'start-remediation' }
  | { readonly type: 'issue-final-report' | 'complete' | 'withdraw' | 'start-review' };

/**
 * One state change. The domain decides who may do what from which state; this adds the facts only
 * the store knows (every artifact uploaded before submitting, reviewers from the assignment history)
 * and queues the scan a submission needs.
 */
export async function changeState(
  ctx: Context,
  origin: Origin,
  id: string,
  request: TransitionRequest,
): Promise<SubmissionView> {
  requireSubmissionRole(origin.actor);
  return ctx.db
    .transaction()
    .execute(async (tx) => {
      const row = await visibleSubmission(tx, origin.actor, id);
      const submission = await toDomain(tx, row);
      let action: SubmissionAction;
      if (request.type === 'start-review') {
        action = { type: 'start-review', reviewers: currentReviewers(await assignmentHistory(tx, id), id) };
      } else {
        action = { type: request.type };
      }
      const now = nowIso(ctx.clock);
      const result = transition(submission, action, origin.actor, now);
      if (!result.ok) throw domainRefusal(result.error.code, result.error.message);
      if (request.type === 'submit') await requireUploaded(tx, id, submission.revisions.length);
      if (request.type === 'complete') await requireApprovedSummary(tx, id, submission.revisions.length);
      const next = result.value.submission;
      await saveState(tx, row, next, now);
      await recordDomainEvent(tx, result.value.event, origin.where);
      if (request.type === 'submit') await queueScanIfReady(tx, id, next.revisions.length, now);
      // Completion and its attestation commit together or not at all.
      if (request.type === 'complete') await issueCompletionAttestation(tx, ctx, origin, id, now);
      return toView(
        tx,
        await tx.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      );
    })
    .finally(() => ctx.notifyJobs());
}

/** A new immutable revision after remediation (the domain's `resubmit`). */
export async function createRevision(
  ctx: Context,
  origin: Origin,
  id: string,
  input: { manifest: string },
): Promise<SubmissionView> {
  requireSubmissionRole(origin.actor);
  const { manifest, canonical, digest } = validManifest(input.manifest);
  return ctx.db
    .transaction()
    .execute(async (tx) => {
      const row = await visibleSubmission(tx, origin.actor, id);
      const submission = await toDomain(tx, row);
      const now = nowIso(ctx.clock);
      const result = transition(submission, { type: 'resubmit', manifestDigest: digest }, origin.actor, now);
      if (!result.ok) throw domainRefusal(result.error.code, result.error.message);
      const next = result.value.submission;
      const number = next.revisions.length;
      await saveState(tx, row, next, now);
      await insertRevision(
        tx,
        id,
        number,
        manifest,
        canonical,
        digest,
        origin.actor.role === 'public' ? '' : origin.actor.userId,
        now,
      );
      await recordDomainEvent(tx, result.value.event, origin.where);
      await queueScanIfReady(tx, id, number, now);
      return toView(
        tx,
        await tx.selectFrom('submissions').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
      );
    })
    .finally(() => ctx.notifyJobs());
}

/**
 * Writes the domain's new state of a submission, refusing (CONFLICT) when another request changed
 * the row since it was read: the version column is the optimistic lock.
 */
async function saveState(tx: Db, row: SubmissionRow, next: DomainSubmission, now: string): Promise<void> {
  const updated = await tx
    .updateTable('submissions')
    .set({
      state: next.state,
      reviewers: JSON.stringify(next.reviewers),
      sign_offs: JSON.stringify(next.signOffs),
      updated_at: now,
      version: row.version + 1,
    })
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1)
    throw new AppError('CONFLICT', 'the submission changed meanwhile; retry');
}

async function requireUploaded(tx: Db, id: string, revision: number): Promise<void> {
  const pending = await tx
    .selectFrom('artifacts')
    .select('path')
    .where('submission_id', '=', id)
    .where('revision', '=', revision)
    .where('state', '=', 'pending')
    .orderBy('path')
    .execute();
  if (pending.length > 0) {
    throw new AppError('CONFLICT', 'upload every artifact before submitting', {
      pending: pending.slice(0, 100).map((p) => p.path),
    });
  }
}

/** Domain refusal codes as API errors: role problems are 403, state problems 409, bad input 422. */
export function domainRefusal(code: string, message: string): AppError {
  switch (code) {
    case 'FORBIDDEN_ROLE':
    case 'NOT_OWNER':
    case 'NOT_ASSIGNED':
      return new AppError('FORBIDDEN', message, { reason: code });
    case 'INVALID_DIGEST':
    case 'JUSTIFICATION_REQUIRED':
    case 'RATIONALE_REQUIRED':
    case 'EMPTY_COMMENT':
    case 'REASON_REQUIRED':
    case 'UNKNOWN_FINDING':
      return new AppError('UNPROCESSABLE', message, { reason: code });
    default:
      return new AppError('CONFLICT', message, { reason: code });
  }
}
