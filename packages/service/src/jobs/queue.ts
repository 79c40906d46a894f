/**
 * The durable job queue in the service's own database (both dialects): jobs are rows, a worker
 * claims one by taking a lease, renews it while working, and records success or a retry with
 * exponential back-off. A killed worker's lease runs out and another worker takes the job over, so
 * nothing queued is lost; handlers are idempotent, so a job that ran twice leaves one result.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../app/context.js';
import type { Database, JobRow } from '../store/schema.js';

export interface NewJob {
  readonly kind: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** At most one job per key is ever queued (e.g. `scan:<scan id>`). */
  readonly dedupeKey: string;
  readonly maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;

export async function enqueueJob(
  tx: Transaction<Database> | Kysely<Database>,
  job: NewJob,
  now: string,
): Promise<void> {
  await tx
    .insertInto('jobs')
    .values({
      id: randomUUID(),
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      state: 'queued',
      run_at: now,
      attempts: 0,
      max_attempts: job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      locked_by: null,
      locked_until: null,
      last_error: null,
      dedupe_key: job.dedupeKey,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}

export interface JobContext {
  readonly jobId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly workerId: string;
  /** Aborted when the job's time limit passes or the worker stops. */
  readonly signal: AbortSignal;
}

export type JobHandler = (payload: Record<string, unknown>, job: JobContext) => Promise<void>;

export interface JobKind {
  readonly handler: JobHandler;
  /** Wall-clock limit of one attempt. */
  readonly timeoutMs: number;
}

export interface WorkerOptions {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  readonly clock: Clock;
  readonly kinds: Readonly<Record<string, JobKind>>;
  readonly workerId?: string;
  /** Jobs run at once by this worker. */
  readonly concurrency?: number;
  /** How long a claim lasts without renewal; a dead worker's jobs are retaken after this. */
  readonly leaseMs?: number;
  readonly pollMs?: number;
  /** First retry delay; each further attempt doubles it. */
  readonly backoffMs?: number;
  readonly onError?: (error: unknown, job: { id: string; kind: string; attempt: number }) => void;
}

export interface Worker {
  /** Looks for work now instead of at the next poll. */
  wake(): void;
  /** Stops claiming, aborts running jobs' signals and waits for them to settle. */
  stop(): Promise<void>;
  /** Resolves when no job is due or running (for tests and `vacsrp worker --drain`). */
  idle(): Promise<void>;
}

export function backoffDelay(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), 60 * 60_000);
}

/** Claims the next due job (queued and due, or running with an expired lease); undefined when none. */
export async function claimJob(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  workerId: string,
  now: Date,
  leaseMs: number,
  kinds: readonly string[],
): Promise<JobRow | undefined> {
  const nowIso = now.toISOString();
  const until = new Date(now.getTime() + leaseMs).toISOString();
  return db.transaction().execute(async (tx) => {
    let q = tx
      .selectFrom('jobs')
      .selectAll()
      .where('kind', 'in', kinds)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', nowIso)]),
          eb.and([eb('state', '=', 'running'), eb('locked_until', '<', nowIso)]),
        ]),
      )
      .orderBy('run_at')
      .limit(1);
    if (dialect === 'postgres') q = q.forUpdate().skipLocked();
    const job = await q.executeTakeFirst();
    if (job === undefined) return undefined;
    const updated = await tx
      .updateTable('jobs')
      .set({
        state: 'running',
        locked_by: workerId,
        locked_until: until,
        attempts: job.attempts + 1,
        updated_at: nowIso,
      })
      .where('id', '=', job.id)
      .where('attempts', '=', job.attempts)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return undefined;
    return { ...job, state: 'running', locked_by: workerId, locked_until: until, attempts: job.attempts + 1 };
  });
}

export function startWorker(options: WorkerOptions): Worker {
  const { db, dialect, clock, kinds } = options;
  const workerId = options.workerId ?? `worker:${randomUUID()}`;
  const concurrency = options.concurrency ?? 1;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1_000;
  const backoffMs = options.backoffMs ?? 5_000;
  const kindNames = Object.keys(kinds);
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;
  const idleWaiters: (() => void)[] = [];

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    // Not unref'd: a worker keeps its process alive until stop() (a `vacsrp worker` with SQLite has
    // no other open handle).
    timer = setTimeout(() => void look(), ms);
  };

  const settleIdle = async () => {
    if (running.size > 0 || idleWaiters.length === 0) return;
    const due = await db
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', kindNames)
      .where((eb) =>
        eb.or([
          eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', clock.now().toISOString())]),
          eb('state', '=', 'running'),
        ]),
      )
      .limit(1)
      .executeTakeFirst();
    if (due === undefined) for (const w of idleWaiters.splice(0)) w();
  };

  const look = (): Promise<void> => {
    looking ??= (async () => {
      try {
        while (!stopped && running.size < concurrency) {
          const job = await claimJob(db, dialect, workerId, clock.now(), leaseMs, kindNames);
          if (job === undefined) break;
          run(job);
        }
        await settleIdle();
      } catch (error) {
        options.onError?.(error, { id: '', kind: '', attempt: 0 });
      } finally {
        looking = undefined;
        schedule(pollMs);
      }
    })();
    return looking;
  };

  const run = (job: JobRow) => {
    const kind = kinds[job.kind];
    const abort = new AbortController();
    const timeout = setTimeout(
      () => abort.abort(new Error('the job ran out of time')),
      kind?.timeoutMs ?? 60_000,
    );
    const renew = setInterval(
      () => {
        void db
          .updateTable('jobs')
          .set({ locked_until: new Date(clock.now().getTime() + leaseMs).toISOString() })
          .where('id', '=', job.id)
          .where('locked_by', '=', workerId)
          .execute()
          .catch(() => undefined);
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    renew.unref();
    const done = (async () => {
      try {
        if (kind === undefined) throw new Error(`no handler for job kind ${job.kind}`);
        const payload = JSON.parse(job.payload) as Record<string, unknown>;
        await Promise.race([
          kind.handler(payload, {
            jobId: job.id,
            attempt: job.attempts,
            maxAttempts: job.max_attempts,
            workerId,
            signal: abort.signal,
          }),
          new Promise<never>((_, reject) =>
            abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true }),
          ),
        ]);
        await finish(job, 'done', null);
      } catch (error) {
        options.onError?.(error, { id: job.id, kind: job.kind, attempt: job.attempts });
        const message = error instanceof Error ? error.message : String(error);
        if (stopped) return; // the lease runs out and another worker retries
        if (job.attempts >= job.max_attempts) await finish(job, 'failed', message);
        else await finish(job, 'queued', message, backoffDelay(job.attempts, backoffMs));
      } finally {
        clearTimeout(timeout);
        clearInterval(renew);
        running.delete(job.id);
        if (!stopped) void look();
      }
    })();
    running.set(job.id, { abort, done });
  };

  const finish = async (
    job: JobRow,
    state: 'done' | 'failed' | 'queued',
    error: string | null,
    delayMs = 0,
  ) => {
    const now = clock.now();
    await db
      .updateTable('jobs')
      .set({
        state,
        locked_by: null,
        locked_until: null,
        last_error: error === null ? null : error.slice(0, 2000),
        run_at: new Date(now.getTime() + delayMs).toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
  };

  schedule(0);
  return {
    wake: () => void look(),
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const r of running.values()) r.abort.abort(new Error('the worker is stopping'));
      await Promise.allSettled([...running.values()].map((r) => r.done));
      await looking;
    },
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void look();
      });
    },
  };
}
