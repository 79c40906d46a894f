/**
 * Artifact uploads: streamed, resumable at the last durable offset, encrypted as they arrive, and
 * checked against the manifest's size and SHA-256 before the artifact counts as stored.
 */
import type { Readable } from 'node:stream';
import type { Actor } from '../domain/actor.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordEvent, recordRead } from './events.js';
import { queueScanIfReady } from './scans.js';
import { StorageError } from './storage.js';
import { type Artifact, toArtifact } from './submissions.js';

export interface UploadState {
  readonly artifact: Artifact;
  readonly received: number;
}

async function loadArtifact(ctx: Context, actor: Actor, artifactId: string) {
  requireSubmissionRole(actor);
  const artifact = await ctx.db
    .selectFrom('artifacts')
    .selectAll()
    .where('id', '=', artifactId)
    .executeTakeFirst();
  if (artifact === undefined) throw notFound('artifact');
  return { artifact, submission: await visibleSubmission(ctx.db, actor, artifact.submission_id, 'artifact') };
}

export async function uploadState(ctx: Context, actor: Actor, artifactId: string): Promise<UploadState> {
  const { artifact } = await loadArtifact(ctx, actor, artifactId);
  if (artifact.state !== 'pending')
    return {
      artifact: toArtifact(artifact),
      received: artifact.state === 'stored' ? Number(artifact.size) : 0,
    };
  const status = await ctx.storage.uploadStatus(artifact.id);
  return { artifact: toArtifact(artifact), received: status?.received ?? 0 };
}

/** Appends bytes at `offset`; completes and verifies the artifact when the last byte arrives. */
export async function appendUpload(
  ctx: Context,
  origin: Origin,
  artifactId: string,
  offset: number,
  body: Readable,
): Promise<UploadState> {
  const { artifact, submission } = await loadArtifact(ctx, origin.actor, artifactId);
  if (origin.actor.role !== 'submitter')
    throw new AppError('FORBIDDEN', 'only the submitting organisation uploads artifacts');
  if (artifact.state === 'digests-only') throw new AppError('CONFLICT', 'this revision lists digests only');
  if (artifact.state === 'stored') throw new AppError('CONFLICT', 'this artifact is already stored');
  const latest = await ctx.db
    .selectFrom('revisions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('submission_id', '=', submission.id)
    .executeTakeFirstOrThrow();
  const open =
    Number(latest.n) === artifact.revision &&
    (submission.state === 'draft' || submission.state === 'resubmitted' || submission.state === 'submitted');
  if (!open)
    throw new AppError(
      'CONFLICT',
      `artifacts cannot be uploaded while the submission is ${submission.state}`,
    );
  const size = Number(artifact.size);
  const key = { wrapped: submission.wrapped_key, submissionId: submission.id };
  try {
    if ((await ctx.storage.uploadStatus(artifact.id)) === undefined) {
      await ctx.storage.createUpload(artifact.id, { size, sha256: artifact.sha256, maxBytes: size });
    }
    const { received } = await ctx.storage.append(artifact.id, offset, body, key);
    if (received < size) return { artifact: toArtifact(artifact), received };
    const stored = await ctx.storage.complete(artifact.id, key);
    const now = nowIso(ctx.clock);
    await ctx.db
      .transaction()
      .execute(async (tx) => {
        await tx
          .updateTable('artifacts')
          .set({ state: 'stored', blob_key: stored.key, updated_at: now })
          .where('id', '=', artifact.id)
          .where('state', '=', 'pending')
          .execute();
        await recordEvent(
          tx,
          origin,
          now,
          'artifact.stored',
          { kind: 'artifact', id: artifact.id },
          {
            submissionId: submission.id,
            revision: artifact.revision,
            sha256: stored.sha256,
            size: stored.size,
          },
        );
        await queueScanIfReady(tx, submission.id, artifact.revision, now);
      })
      .finally(() => ctx.notifyJobs());
    const fresh = await ctx.db
      .selectFrom('artifacts')
      .selectAll()
      .where('id', '=', artifact.id)
      .executeTakeFirstOrThrow();
    return { artifact: toArtifact(fresh), received: size };
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    switch (error.code) {
      case 'OFFSET_MISMATCH':
        throw new AppError('CONFLICT', `the upload continues at byte ${error.received ?? 0}`, {
          reason: error.code,
          offset: error.received ?? 0,
        });
      case 'TOO_LARGE':
        // More bytes than the manifest declares: nothing of this upload can be right.
        await ctx.storage.abort(artifact.id);
        throw new AppError(
          'TOO_LARGE',
          `the artifact is declared as ${size} bytes; upload again from byte 0`,
          {
            reason: error.code,
          },
        );
      case 'DIGEST_MISMATCH':
      case 'SIZE_MISMATCH':
        await ctx.storage.abort(artifact.id);
        throw new AppError(
          'UNPROCESSABLE',
          'the uploaded bytes do not match the manifest; upload again from byte 0',
          {
            reason: error.code,
          },
        );
      case 'NOT_FOUND':
      case 'INCOMPLETE':
        throw new AppError('CONFLICT', error.message, { reason: error.code });
      default: {
        const never: never = error.code;
        throw new Error(`unknown storage error ${String(never)}`);
      }
    }
  }
}

/** Streams a stored artifact to someone entitled to it; the read is audited first. */
export async function readArtifact(
  ctx: Context,
  origin: Origin,
  artifactId: string,
): Promise<{ artifact: Artifact; body: Readable }> {
  const { artifact, submission } = await loadArtifact(ctx, origin.actor, artifactId);
  if (artifact.state !== 'stored' || artifact.blob_key === null)
    throw new AppError('CONFLICT', 'the artifact is not stored');
  await recordRead(
    ctx,
    origin,
    'artifact.read',
    { kind: 'artifact', id: artifact.id },
    {
      submissionId: submission.id,
    },
  );
  const body = await ctx.storage.read(artifact.blob_key, {
    wrapped: submission.wrapped_key,
    submissionId: submission.id,
  });
  return { artifact: toArtifact(artifact), body };
}
