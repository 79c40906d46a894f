/**
 * Automated scans of a revision: queued when every artifact is stored, run by a job worker with the
 * scanner library, results written in one transaction so a retried or duplicated job leaves exactly
 * one set of findings.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type ProgressEvent, type ScanReport, scan } from '@vacsrp/scanner';
import type { Transaction } from 'kysely';
import { resolveFinding } from '../domain/findings.js';
import { enqueueJob } from '../jobs/queue.js';
import type { Db } from '../store/audit.js';
import type { Database, ScanRow } from '../store/schema.js';
import { requireSubmissionRole, visibleSubmission } from './access.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordDomainEvent, recordEvent, recordRead } from './events.js';
import { findingFromRow } from './finding-rows.js';

export const SCAN_JOB = 'scan-revision';
export const SCAN_TIMEOUT_MS = 60 * 60_000;

export interface ScanView {
  readonly id: string;
  readonly submissionId: string;
  readonly revision: number;
  readonly state: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';
  readonly attempts: number;
  readonly progress: { readonly artifacts: number; readonly prepared: number; readonly scanned: number };
  readonly summary: unknown;
  readonly error: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export function toScanView(row: ScanRow): ScanView {
  return {
    id: row.id,
    submissionId: row.submission_id,
    revision: row.revision,
    state: row.state as ScanView['state'],
    attempts: row.attempts,
    progress: JSON.parse(row.progress) as ScanView['progress'],
    summary: row.summary === null ? null : (JSON.parse(row.summary) as unknown),
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Queues the scan of a revision once: when it has been submitted and every artifact is stored (or the
 * revision lists digests only). Called after submit, resubmit and every completed upload.
 */
export async function queueScanIfReady(
  tx: Transaction<Database>,
  submissionId: string,
  revision: number,
  now: string,
): Promise<void> {
  const sub = await tx
    .selectFrom('submissions')
    .select('state')
    .where('id', '=', submissionId)
    .executeTakeFirstOrThrow();
  if (sub.state !== 'submitted' && sub.state !== 'resubmitted') return;
  const pending = await tx
    .selectFrom('artifacts')
    .select('id')
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .where('state', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  if (pending !== undefined) return;
  const existing = await tx
    .selectFrom('scans')
    .select('id')
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .executeTakeFirst();
  if (existing !== undefined) return;
  const count = await tx
    .selectFrom('artifacts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .executeTakeFirstOrThrow();
  const id = randomUUID();
  await tx
    .insertInto('scans')
    .values({
      id,
      submission_id: submissionId,
      revision,
      state: 'queued',
      attempts: 0,
      progress: JSON.stringify({ artifacts: Number(count.n), prepared: 0, scanned: 0 }),
      summary: null,
      error: null,
      created_at: now,
      started_at: null,
      finished_at: null,
    })
    .execute();
  await enqueueJob(tx, { kind: SCAN_JOB, payload: { scanId: id }, dedupeKey: `scan:${id}` }, now);
  await recordEvent(
    tx,
    { actor: { role: 'administrator', userId: 'system' }, where: 'service' },
    now,
    'scan.queued',
    { kind: 'scan', id },
    { submissionId, revision },
  );
}

/** Scan summaries name artifact paths (skipped files), so reading them is an audited read. */
export async function listScans(ctx: Context, origin: Origin, submissionId: string): Promise<ScanView[]> {
  requireSubmissionRole(origin.actor);
  await visibleSubmission(ctx.db, origin.actor, submissionId);
  await recordRead(ctx, origin, 'scans.read', { kind: 'submission', id: submissionId });
  const rows = await ctx.db
    .selectFrom('scans')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .orderBy('revision')
    .execute();
  return rows.map(toScanView);
}

export async function getScan(ctx: Context, origin: Origin, id: string): Promise<ScanView> {
  const actor = origin.actor;
  requireSubmissionRole(actor);
  const row = await ctx.db.selectFrom('scans').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw notFound('scan');
  await visibleSubmission(ctx.db, actor, row.submission_id, 'scan');
  await recordRead(ctx, origin, 'scan.read', { kind: 'scan', id });
  return toScanView(row);
}

/** Resolves an artifact path of a manifest inside `root`, refusing anything that would leave it. */
export function safeJoin(root: string, path: string): string {
  if (path === '' || path.includes('\0') || path.includes('\\') || path.startsWith('/')) {
    throw new AppError('INVALID', `unsafe artifact path ${JSON.stringify(path)}`);
  }
  const target = resolve(root, path);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) {
    throw new AppError('INVALID', `unsafe artifact path ${JSON.stringify(path)}`);
  }
  return target;
}

/**
 * The scan job. The artifacts are decrypted into a private working directory (mode 0700) only for
 * the scanner to read — the scanner never executes them — and removed afterwards, whatever happens.
 */
export async function runScanJob(
  ctx: Context,
  workDir: string,
  scanId: string,
  job: { workerId: string; signal: AbortSignal },
): Promise<void> {
  const scanRow = await ctx.db.selectFrom('scans').selectAll().where('id', '=', scanId).executeTakeFirst();
  if (scanRow === undefined || scanRow.state === 'succeeded' || scanRow.state === 'skipped') return;
  const sub = await ctx.db
    .selectFrom('submissions')
    .selectAll()
    .where('id', '=', scanRow.submission_id)
    .executeTakeFirstOrThrow();
  const started = nowIso(ctx.clock);
  await ctx.db
    .updateTable('scans')
    .set({ state: 'running', attempts: scanRow.attempts + 1, started_at: started, error: null })
    .where('id', '=', scanId)
    .execute();
  const artifacts = await ctx.db
    .selectFrom('artifacts')
    .selectAll()
    .where('submission_id', '=', sub.id)
    .where('revision', '=', scanRow.revision)
    .orderBy('path')
    .execute();
  const origin = { actor: { role: 'administrator' as const, userId: 'system' }, where: job.workerId };

  if (artifacts.every((a) => a.state === 'digests-only')) {
    const now = nowIso(ctx.clock);
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('scans')
        .set({
          state: 'skipped',
          finished_at: now,
          summary: JSON.stringify({ reason: 'digests-only: the developer kept the artifacts' }),
        })
        .where('id', '=', scanId)
        .execute();
      await recordEvent(
        tx,
        origin,
        now,
        'scan.skipped',
        { kind: 'scan', id: scanId },
        { reason: 'digests-only' },
      );
    });
    return;
  }

  // This worker holds the job's lease: any other working directory of this scan belongs to an
  // attempt that died (killed worker), and holds decrypted artifacts, so it goes first.
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(workDir)) {
    if (entry.startsWith(`${scanId}-`)) await rm(join(workDir, entry), { recursive: true, force: true });
  }
  const dir = join(workDir, `${scanId}-${randomUUID()}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  let prepared = 0;
  let scanned = 0;
  let report: ScanReport;
  // The decrypted copies go before the results are committed: once a scan counts as done, nothing
  // of it is left on disk even if the process dies the next moment.
  try {
    const progress = () =>
      ctx.db
        .updateTable('scans')
        .set({ progress: JSON.stringify({ artifacts: artifacts.length, prepared, scanned }) })
        .where('id', '=', scanId)
        .execute();
    for (const a of artifacts) {
      job.signal.throwIfAborted();
      if (a.state !== 'stored' || a.blob_key === null) continue;
      const target = safeJoin(dir, a.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      const plain = await ctx.storage.read(a.blob_key, { wrapped: sub.wrapped_key, submissionId: sub.id });
      await pipeline(plain, createWriteStream(target, { mode: 0o600 }), { signal: job.signal });
      prepared++;
      await progress();
    }
    let lastWrite = 0;
    const onProgress = (e: ProgressEvent) => {
      if (e.kind !== 'artifact-done') return;
      scanned++;
      const t = Date.now();
      if (t - lastWrite >= 1000) {
        lastWrite = t;
        void progress().catch(() => undefined);
      }
    };
    report = await scan([dir], { digest: false, onProgress });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  job.signal.throwIfAborted();
  await storeResults(ctx, scanRow, sub.organisation_id, dir, report, origin, {
    artifacts: artifacts.length,
    prepared,
    scanned,
  });
}

/**
 * Removes what killed workers left in the working directory: decrypted artifacts of scans that are
 * no longer running (a running scan's own directory stays; a retried one clears its own). Run when
 * job workers start.
 */
export async function sweepWorkDir(ctx: Context, workDir: string): Promise<number> {
  let entries: string[];
  try {
    entries = await readdir(workDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const scanId = entry.slice(0, 36);
    const row = await ctx.db.selectFrom('scans').select('state').where('id', '=', scanId).executeTakeFirst();
    if (row?.state === 'running') continue;
    await rm(join(workDir, entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function storeResults(
  ctx: Context,
  scanRow: ScanRow,
  organisationId: string,
  root: string,
  report: ScanReport,
  origin: { actor: { role: 'administrator'; userId: string }; where: string },
  progress: { artifacts: number; prepared: number; scanned: number },
): Promise<void> {
  const now = nowIso(ctx.clock);
  const rel = (p: string) => relative(root, p).split(sep).join('/');
  await ctx.db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('scans')
      .select('state')
      .where('id', '=', scanRow.id)
      .executeTakeFirstOrThrow();
    if (current.state === 'succeeded') return; // another attempt already stored them
    await tx.deleteFrom('findings').where('scan_id', '=', scanRow.id).execute();
    for (const f of report.findings) {
      const location = { ...f.location, artifact: rel(f.location.artifact) };
      await tx
        .insertInto('findings')
        .values({
          id: randomUUID(),
          submission_id: scanRow.submission_id,
          organisation_id: organisationId,
          revision: scanRow.revision,
          source: 'automated',
          scan_id: scanRow.id,
          rule_id: f.ruleId,
          criterion_id: f.criterion,
          severity: f.severity,
          title: f.title,
          description: f.message,
          location: JSON.stringify(location),
          evidence: JSON.stringify(f.evidence),
          remediation: f.remediation,
          state: 'open',
          resolution: null,
          created_by: 'scanner',
          created_at: now,
        })
        .execute();
    }
    const summary = {
      artifacts: report.summary.artifacts,
      findings: report.summary.findings,
      highest: report.summary.highest,
      tool: report.tool,
      skipped: report.artifacts
        .filter((a) => a.status !== 'scanned')
        .map((a) => ({
          path: rel(a.path),
          status: a.status,
          reason: a.reason ?? null,
        })),
    };
    await tx
      .updateTable('scans')
      .set({
        state: 'succeeded',
        finished_at: now,
        summary: JSON.stringify(summary),
        progress: JSON.stringify(progress),
      })
      .where('id', '=', scanRow.id)
      .execute();
    await recordEvent(
      tx,
      origin,
      now,
      'scan.completed',
      { kind: 'scan', id: scanRow.id },
      {
        findings: report.findings.length,
      },
    );
    if (scanRow.revision > 1) await confirmByRescan(tx, scanRow, origin, now);
  });
}

/** After a failed attempt: `failed` when no retry follows, otherwise back to `queued` with the error shown. */
export async function recordScanAttemptFailed(
  db: Db,
  scanId: string,
  message: string,
  now: string,
  final: boolean,
): Promise<void> {
  await db
    .updateTable('scans')
    .set({
      state: final ? 'failed' : 'queued',
      error: message.slice(0, 2000),
      finished_at: final ? now : null,
    })
    .where('id', '=', scanId)
    .where('state', 'not in', ['succeeded', 'skipped'])
    .execute();
}

/**
 * A re-scan confirms remediation: an open automated finding of an earlier revision whose rule no
 * longer fires on the same artifact in this revision's scan is resolved as remediated, confirmed by
 * this re-scan (the domain's `confirm-remediation-by-rescan`, taken by the system administrator).
 */
async function confirmByRescan(
  tx: Transaction<Database>,
  scanRow: ScanRow,
  origin: { actor: { role: 'administrator'; userId: string }; where: string },
  now: string,
): Promise<void> {
  const key = (ruleId: string | null, location: string) =>
    `${ruleId ?? ''}\u0000${(JSON.parse(location) as { artifact?: string }).artifact ?? ''}`;
  const current = await tx
    .selectFrom('findings')
    .select(['rule_id', 'location'])
    .where('scan_id', '=', scanRow.id)
    .execute();
  const stillThere = new Set(current.map((f) => key(f.rule_id, f.location)));
  const open = await tx
    .selectFrom('findings')
    .selectAll()
    .where('submission_id', '=', scanRow.submission_id)
    .where('source', '=', 'automated')
    .where('state', '=', 'open')
    .where('revision', '<', scanRow.revision)
    .execute();
  for (const row of open) {
    if (stillThere.has(key(row.rule_id, row.location))) continue;
    const finding = findingFromRow(row, []);
    const result = resolveFinding(
      finding,
      { type: 'confirm-remediation-by-rescan', revision: scanRow.revision },
      origin.actor,
      { assignedReviewers: [], latestRevision: scanRow.revision },
      now,
    );
    if (!result.ok) continue;
    await tx
      .updateTable('findings')
      .set({
        state: result.value.finding.state,
        resolution: JSON.stringify(result.value.finding.resolution ?? null),
      })
      .where('id', '=', row.id)
      .where('state', '=', 'open')
      .execute();
    await recordDomainEvent(tx, result.value.event, origin.where);
  }
}
