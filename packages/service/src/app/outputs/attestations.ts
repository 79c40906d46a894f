/**
 * Completion attestations: issued inside the completion's transaction (a DSSE envelope around an
 * in-toto Statement naming the final revision's artifact digests), listed in the public registry,
 * revoked by administrators through a re-signed revocation list served at a well-known URL.
 */
import { randomUUID } from 'node:crypto';
import {
  type AcceptedRisk as AttestedRisk,
  DEFAULT_ATTESTATION_LIMITS,
  issueAttestation,
  REVOCATION_REASONS,
  type RevocationReason,
  signRevocationList,
} from '@vacsrp/attest';
import type { Transaction } from 'kysely';
import { canonicalJson } from '../../domain/audit.js';
import type { JsonValue } from '../../domain/result.js';
import type { Db } from '../../store/audit.js';
import type { AttestationRow, Database } from '../../store/schema.js';
import type { PublicSummary } from '../../summary/model.js';
import { requireSubmissionRole, visibleSubmission } from '../access.js';
import { AppError, type Context, notFound, type Origin } from '../context.js';
import { recordEvent } from '../events.js';
import { buildConfidentialReview, latestRevision } from './confidential.js';
import { signingKeyAt, wholeSecond } from './keys.js';
import { modelSigningSubject } from './model-signing.js';
import { ATTESTATION_VALIDITY_DAYS, programIdentity, registryEntryUrl } from './settings.js';
import { approvedSummary } from './summary.js';

export { REVOCATION_REASONS, type RevocationReason };

/** Subject name of an artifact: its digest, so the attestation names no file (docs/program-outputs.md). */
/** The approved public summary as stored and published: canonical JSON, so its bytes never drift. */
export const canonicalSummary = (summary: PublicSummary): string =>
  canonicalJson(summary as unknown as JsonValue);

export const subjectName = (sha256: string): string => `sha256-${sha256}`;
/** Longest revocation note, in characters (it is published). */
export const MAX_REVOCATION_NOTE = 500;

export type AttestationStatus = 'valid' | 'revoked' | 'expired';

export interface AttestationView {
  readonly id: string;
  readonly submissionId: string;
  readonly revision: number;
  readonly registryEntryId: string;
  readonly kid: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly status: AttestationStatus;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
  /** The DSSE envelope exactly as signed: save it to a file and run `vacsrp verify`. */
  readonly envelope: string;
}

export function attestationStatus(row: AttestationRow, now: Date): AttestationStatus {
  if (row.revoked_at !== null && new Date(row.revoked_at) <= now) return 'revoked';
  if (new Date(row.expires_at) <= now) return 'expired';
  return 'valid';
}

export const toAttestationView = (row: AttestationRow, now: Date): AttestationView => ({
  id: row.id,
  submissionId: row.submission_id,
  revision: row.revision,
  registryEntryId: row.registry_entry_id,
  kid: row.kid,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  status: attestationStatus(row, now),
  revokedAt: row.revoked_at,
  revocationReason: row.revocation_reason,
  envelope: row.envelope,
});

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Issues the completion attestation of a submission and enters it in the registry, inside the
 * completion's transaction (so a completion without its attestation never commits). Subjects are the
 * final revision's artifact digests (digests-only revisions too); outcomes per criterion by the
 * coverage rule; accepted risks in the approved summary's scrubbed words.
 */
export async function issueCompletionAttestation(
  tx: Transaction<Database>,
  ctx: Context,
  origin: Origin,
  submissionId: string,
  when: string,
): Promise<AttestationView> {
  const revision = await latestRevision(tx, submissionId);
  const summary = await approvedSummary(tx, submissionId, revision);
  if (summary === undefined) {
    throw new AppError('CONFLICT', 'approve the public summary of the final revision before completing', {
      reason: 'SUMMARY_NOT_APPROVED',
    });
  }
  const program = programIdentity(ctx);
  const data = await buildConfidentialReview(tx, submissionId, revision, { program, generatedAt: when });
  if (data.digests.length === 0) {
    throw new AppError('CONFLICT', 'the final revision lists no artifacts to attest', {
      reason: 'NO_ARTIFACTS',
    });
  }
  const issuedAt = wholeSecond(new Date(when));
  const expiresAt = new Date(issuedAt.getTime() + ATTESTATION_VALIDITY_DAYS * 86_400_000);
  const id = randomUUID();
  const entryId = randomUUID();
  const criteria = data.coverage.map((c) => ({ id: c.criterionId, outcome: c.outcome }));
  const key = await signingKeyAt(ctx, tx, issuedAt);
  const signed = await modelSigningSubject(tx, ctx, submissionId, revision);
  const issued = issueAttestation(
    {
      attestationId: id,
      program,
      criteriaVersion: summary.criteriaVersion,
      submission: { id: submissionId, revision },
      artifacts: data.digests.map((sha256) => ({ name: subjectName(sha256), sha256 })),
      ...(signed === undefined ? {} : { modelSigning: signed }),
      criteria,
      acceptedRisks: attestedRisks(summary, criteria),
      issuedAt,
      expiresAt,
      publicSummaryUrl: registryEntryUrl(program, entryId),
    },
    key,
  );
  if (!issued.ok)
    throw new Error(`the attestation does not build: ${issued.message} (${issued.field ?? ''})`);
  const row: AttestationRow = {
    id,
    submission_id: submissionId,
    revision,
    registry_entry_id: entryId,
    kid: key.kid,
    envelope: issued.envelope,
    issued_at: iso(issuedAt),
    expires_at: iso(expiresAt),
    revoked_at: null,
    revocation_reason: null,
    revocation_note: null,
    created_at: when,
  };
  await tx.insertInto('attestations').values(row).execute();
  await tx
    .insertInto('registry_entries')
    .values({
      id: entryId,
      submission_id: submissionId,
      revision,
      vendor: summary.model.vendor,
      vendor_search: summary.model.vendor.toLowerCase(),
      model_name: summary.model.name,
      model_search: summary.model.name.toLowerCase(),
      model_version: data.submission.modelVersion,
      summary: canonicalSummary(summary),
      attestation_id: id,
      completed_at: when,
    })
    .execute();
  for (const sha256 of data.digests) {
    await tx.insertInto('registry_digests').values({ entry_id: entryId, sha256 }).execute();
  }
  await recordEvent(
    tx,
    origin,
    when,
    'attestation.issued',
    { kind: 'submission', id: submissionId },
    { attestationId: id, revision, kid: key.kid, registryEntryId: entryId, subjects: data.digests.length },
  );
  return toAttestationView(row, new Date(when));
}

/**
 * The accepted risks as attested: the summary's (scrubbed) ones whose criterion's outcome is
 * risk-accepted. A risk accepted under a criterion that is not met for another reason stays in the
 * public summary; the attestation records the stronger outcome, not-met, for that criterion.
 */
function attestedRisks(
  summary: PublicSummary,
  criteria: readonly { id: string; outcome: string }[],
): AttestedRisk[] {
  const accepted = new Set(criteria.filter((c) => c.outcome === 'risk-accepted').map((c) => c.id));
  const seen = new Set<string>();
  const out: AttestedRisk[] = [];
  for (const r of summary.acceptedRisks) {
    if (!accepted.has(r.criterionId)) continue;
    const risk = { criterion: r.criterionId, severity: r.severity, justification: r.justification };
    const key = JSON.stringify(risk);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(risk);
  }
  return out;
}

/** The attestation of a submission the actor may see. */
export async function getAttestation(
  ctx: Context,
  origin: Origin,
  submissionId: string,
): Promise<AttestationView> {
  requireSubmissionRole(origin.actor);
  await visibleSubmission(ctx.db, origin.actor, submissionId);
  const row = await ctx.db
    .selectFrom('attestations')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  if (row === undefined) throw notFound('attestation');
  return toAttestationView(row, ctx.clock.now());
}

/** An administrator revokes an attestation; the revocation list is re-signed in the same transaction. */
export async function revokeAttestation(
  ctx: Context,
  origin: Origin,
  attestationId: string,
  input: { readonly reason: RevocationReason; readonly note?: string },
): Promise<AttestationView> {
  if (origin.actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (origin.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators revoke attestations');
  if (!REVOCATION_REASONS.includes(input.reason))
    throw new AppError('INVALID', `unknown revocation reason ${input.reason}`);
  const note = input.note?.trim();
  if (note !== undefined && note.length > MAX_REVOCATION_NOTE)
    throw new AppError('INVALID', `a revocation note has at most ${MAX_REVOCATION_NOTE} characters`);
  return ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('attestations')
      .selectAll()
      .where('id', '=', attestationId)
      .executeTakeFirst();
    if (row === undefined) throw notFound('attestation');
    if (row.revoked_at !== null)
      throw new AppError('CONFLICT', 'the attestation is already revoked', { reason: 'ALREADY_REVOKED' });
    const now = ctx.clock.now();
    const revokedAt = iso(wholeSecond(now));
    const revoked: AttestationRow = {
      ...row,
      revoked_at: revokedAt,
      revocation_reason: input.reason,
      revocation_note: note === undefined || note === '' ? null : note,
    };
    await tx
      .updateTable('attestations')
      .set({
        revoked_at: revoked.revoked_at,
        revocation_reason: revoked.revocation_reason,
        revocation_note: revoked.revocation_note,
      })
      .where('id', '=', attestationId)
      .execute();
    await signRevocations(ctx, tx, now);
    await recordEvent(
      tx,
      origin,
      now.toISOString(),
      'attestation.revoked',
      { kind: 'submission', id: row.submission_id },
      { attestationId, reason: input.reason, revokedAt },
    );
    return toAttestationView(revoked, now);
  });
}

/** Re-signs the revocation list from every revoked attestation and stores it as served. */
async function signRevocations(ctx: Context, db: Db, now: Date): Promise<string> {
  const issuedAt = wholeSecond(now);
  const revoked = await db
    .selectFrom('attestations')
    .select(['id', 'revoked_at', 'revocation_reason', 'revocation_note'])
    .where('revoked_at', 'is not', null)
    .orderBy('id')
    .execute();
  const key = await signingKeyAt(ctx, db, issuedAt);
  const signed = signRevocationList(
    {
      program: programIdentity(ctx),
      issuedAt,
      revoked: revoked.map((r) => ({
        attestationId: r.id,
        revokedAt: new Date(r.revoked_at!),
        reason: r.revocation_reason as RevocationReason,
        ...(r.revocation_note === null ? {} : { note: r.revocation_note }),
      })),
    },
    key,
    DEFAULT_ATTESTATION_LIMITS,
  );
  if (!signed.ok) throw new Error(`the revocation list does not build: ${signed.message}`);
  const envelope = signed.envelope;
  await db.deleteFrom('revocation_lists').where('id', '=', 1).execute();
  await db
    .insertInto('revocation_lists')
    .values({ id: 1, issued_at: iso(issuedAt), envelope })
    .execute();
  return envelope;
}

/** The signed revocation list as served (an empty one is signed on first request). */
export async function revocationListDocument(ctx: Context): Promise<string> {
  const row = await ctx.db
    .selectFrom('revocation_lists')
    .select('envelope')
    .where('id', '=', 1)
    .executeTakeFirst();
  if (row !== undefined) return row.envelope;
  return ctx.db.transaction().execute(async (tx) => {
    const again = await tx
      .selectFrom('revocation_lists')
      .select('envelope')
      .where('id', '=', 1)
      .executeTakeFirst();
    return again?.envelope ?? signRevocations(ctx, tx, ctx.clock.now());
  });
}
