/**
 * A pool of worker threads computing SHA-256 of files. The main thread opens each file (so path
 * errors surface where the caller is), checks it is a regular file, and either hashes it inline (small
 * files: a worker round trip costs more than the hashing) or hands the descriptor to an idle worker.
 * Workers are unref'd while idle, so an open pool never keeps the process alive.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DigestError, osErrorCode, toDigestErrorCode } from './errors.js';
import { allocChunk, type Chunk, closeFd, hashFd, type OpenedFile, openForDigest } from './hash-file.js';
import type { WorkerConfig, WorkerMessage } from './protocol.js';

export interface DigestPoolOptions {
  /** Worker threads. 0 hashes everything on the calling thread. Default `min(2, os.availableParallelism())`. */
  readonly threads?: number;
  /** Files of fewer bytes are hashed on the calling thread. Default 256 KiB (see docs/benchmarks.md). */
  readonly inlineMaxBytes?: number;
  /** Size of each read; a worker holds two such buffers. Default 4 MiB (see docs/benchmarks.md). */
  readonly chunkBytes?: number;
}

/** Where hashing runs: worker threads, or the calling thread (`threads: 0`, or no worker entry usable). */
export type DigestMode = 'workers' | 'inline';

export interface DigestPool {
  /**
   * Lower-case hex SHA-256 of the file at `path`. `onProgress` receives the cumulative number of bytes
   * hashed (throttled; always called once with the final count). Rejects with a {@link DigestError}.
   */
  digestFile(path: string, onProgress?: (bytes: number) => void): Promise<string>;
  /** Rejects unfinished digests with `POOL_CLOSED`, stops the workers and releases every descriptor. */
  close(): Promise<void>;
  readonly threads: number;
  readonly mode: DigestMode;
}

const MIB = 1024 * 1024;
// Measured crossover (docs/benchmarks.md): below ~256 KiB a worker round trip costs more than it saves.
const DEFAULT_INLINE_MAX_BYTES = 256 * 1024;
const DEFAULT_CHUNK_BYTES = 4 * MIB;
const PROGRESS_EVERY = 32 * MIB;
// Files admitted (opened) at once beyond the busy workers: bounds open descriptors when a caller
// submits thousands of paths, while letting small files proceed inline next to large ones.
const EXTRA_ADMISSIONS = 4;

interface Job {
  readonly path: string;
  readonly onProgress: ((bytes: number) => void) | undefined;
  readonly resolve: (hex: string) => void;
  readonly reject: (err: unknown) => void;
  reported: number;
  settled: boolean;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Claimed by a job (set synchronously when handed out, so two jobs never share a worker). */
  busy: boolean;
  /** The job on this worker, with the descriptor it is reading. */
  current:
    | { readonly id: number; readonly job: Job; readonly file: OpenedFile; readonly done: () => void }
    | undefined;
  failure: unknown;
}

type WorkerEntry =
  | { readonly kind: 'file'; readonly url: URL }
  | { readonly kind: 'eval'; readonly code: string }
  | { readonly kind: 'none'; readonly reason: string };

/**
 * Compiled builds run dist/digest/worker.js. From TypeScript sources (vitest, `node --import tsx`)
 * Node 20 cannot start a worker from worker.ts, and the parent's loader hooks do not reach worker
 * threads, so a one-line eval entry loads worker.ts through tsx's `tsImport` (a dev dependency,
 * never touched by the compiled build). Without tsx, hashing falls back to the calling thread.
 */
function resolveWorkerEntry(): WorkerEntry {
  if (import.meta.url.endsWith('.js')) return { kind: 'file', url: new URL('./worker.js', import.meta.url) };
  try {
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const worker = new URL('./worker.ts', import.meta.url).href;
    const code = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(worker)}, ${JSON.stringify(import.meta.url)}));`;
    return { kind: 'eval', code };
  } catch (cause) {
    return { kind: 'none', reason: `running from TypeScript sources without tsx: ${String(cause)}` };
  }
}

/** The parent's flags minus `--input-type`, which Node 20 applies to a worker's file entry and then refuses. */
function workerExecArgv(): string[] {
  const args: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (arg === '--input-type') i++;
    else if (!arg.startsWith('--input-type=')) args.push(arg);
  }
  return args;
}

function startWorker(entry: WorkerEntry, workerData: WorkerConfig): Worker {
  const options = { workerData, execArgv: workerExecArgv() };
  switch (entry.kind) {
    case 'file':
      return new Worker(entry.url, options);
    case 'eval':
      return new Worker(entry.code, { ...options, eval: true });
    case 'none':
      throw new Error(`no worker entry: ${entry.reason}`);
    default: {
      const unexpected: never = entry;
      throw new Error(`unexpected worker entry ${JSON.stringify(unexpected)}`);
    }
  }
}

export function createDigestPool(options: DigestPoolOptions = {}): DigestPool {
  const threads = options.threads ?? Math.min(2, os.availableParallelism());
  const inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(threads) || threads < 0)
    throw new RangeError(`threads must be an integer >= 0: ${threads}`);
  if (!Number.isInteger(chunkBytes) || chunkBytes < 4096) throw new RangeError(`chunkBytes must be >= 4096`);
  if (!(inlineMaxBytes >= 0)) throw new RangeError(`inlineMaxBytes must be >= 0`);

  const entry: WorkerEntry = threads > 0 ? resolveWorkerEntry() : { kind: 'none', reason: 'threads: 0' };
  let mode: DigestMode = entry.kind === 'none' ? 'inline' : 'workers';
  const workerConfig: WorkerConfig = { chunkBytes, progressEvery: PROGRESS_EVERY };

  const waiting: Job[] = [];
  const slots: Slot[] = [];
  const slotWaiters: Array<(slot: Slot | undefined) => void> = [];
  const admitted = new Set<Promise<void>>();
  let closed = false;
  let nextId = 1;

  const report = (job: Job, bytes: number): void => {
    if (job.settled || !job.onProgress || bytes === job.reported) return;
    job.reported = bytes;
    try {
      job.onProgress(bytes);
    } catch (err) {
      settle(job, err);
    }
  };

  function settle(job: Job, outcome: unknown, hex?: string): void {
    if (job.settled) return;
    job.settled = true;
    if (hex !== undefined) job.resolve(hex);
    else job.reject(outcome);
  }

  const fail = (job: Job, err: unknown): void =>
    settle(
      job,
      err instanceof DigestError
        ? err
        : new DigestError(toDigestErrorCode(osErrorCode(err)), job.path, { cause: err }),
    );

  async function hashInline(job: Job, file: OpenedFile): Promise<void> {
    // A small file comes back in one read; a large one (threads: 0) gets two buffers to overlap reads.
    const buffers: [Chunk] | [Chunk, Chunk] =
      file.size < chunkBytes
        ? [allocChunk(Math.max(file.size + 1, 4096))]
        : [allocChunk(chunkBytes), allocChunk(chunkBytes)];
    const result = await hashFd(file.fd, buffers, {
      progressEvery: PROGRESS_EVERY,
      onProgress: (bytes) => report(job, bytes),
      isAborted: () => closed || job.settled,
    });
    if (!result) return fail(job, new DigestError('POOL_CLOSED', job.path));
    report(job, result.bytes);
    settle(job, undefined, result.hex);
  }

  function spawn(): Slot {
    const worker = startWorker(entry, workerConfig);
    const slot: Slot = { worker, ready: false, busy: true, current: undefined, failure: undefined };
    worker.on('message', (message: WorkerMessage) => onWorkerMessage(slot, message));
    worker.on('error', (err) => {
      slot.failure = err;
    });
    worker.on('exit', () => onWorkerExit(slot));
    slots.push(slot);
    return slot;
  }

  function onWorkerMessage(slot: Slot, message: WorkerMessage): void {
    if (message.kind === 'ready') {
      slot.ready = true;
      return;
    }
    const current = slot.current;
    if (!current || current.id !== message.id) return;
    switch (message.kind) {
      case 'progress':
        report(current.job, message.bytes);
        return;
      case 'done':
        report(current.job, message.bytes);
        settle(current.job, undefined, message.hex);
        break;
      case 'error':
        fail(
          current.job,
          new DigestError(toDigestErrorCode(message.code), current.job.path, { cause: message.message }),
        );
        break;
      default: {
        const unexpected: never = message;
        throw new Error(`unexpected worker message ${JSON.stringify(unexpected)}`);
      }
    }
    slot.current = undefined;
    current.done();
    release(slot);
  }

  /** The thread is gone, so its descriptor can be closed safely. */
  function onWorkerExit(slot: Slot): void {
    slots.splice(slots.indexOf(slot), 1);
    const current = slot.current;
    slot.current = undefined;
    if (current) {
      if (!slot.ready && !closed) {
        // The entry never loaded (e.g. a broken tsx setup): hash on this thread from now on.
        mode = 'inline';
        hashInline(current.job, current.file).then(current.done, (err) => {
          fail(current.job, err);
          current.done();
        });
      } else {
        const code = closed ? 'POOL_CLOSED' : 'WORKER_FAILED';
        fail(current.job, new DigestError(code, current.job.path, { cause: slot.failure }));
        current.done();
      }
    }
    if (mode === 'inline') for (const waiter of slotWaiters.splice(0)) waiter(undefined);
    else if (!closed && slotWaiters.length > 0) slotWaiters.shift()!(spawn());
  }

  function release(slot: Slot): void {
    const waiter = slotWaiters.shift();
    if (waiter) {
      waiter(slot);
    } else {
      slot.busy = false;
      slot.worker.unref();
    }
  }

  /** An idle worker (spawned if below `threads`), or undefined when hashing must run inline. */
  function acquire(): Promise<Slot | undefined> {
    if (mode === 'inline') return Promise.resolve(undefined);
    const idle = slots.find((slot) => !slot.busy);
    if (idle) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (slots.length < threads) return Promise.resolve(spawn());
    return new Promise((resolve) => slotWaiters.push(resolve));
  }

  function hashOnWorker(slot: Slot, job: Job, file: OpenedFile): Promise<void> {
    return new Promise((done) => {
      const id = nextId++;
      slot.current = { id, job, file, done };
      slot.worker.ref();
      slot.worker.postMessage({ id, fd: file.fd });
    });
  }

  async function run(job: Job): Promise<void> {
    let file: OpenedFile | undefined;
    try {
      file = await openForDigest(job.path);
      if (closed) return fail(job, new DigestError('POOL_CLOSED', job.path));
      const slot = file.size < inlineMaxBytes ? undefined : await acquire();
      if (closed) return fail(job, new DigestError('POOL_CLOSED', job.path));
      if (slot) await hashOnWorker(slot, job, file);
      else await hashInline(job, file);
    } catch (err) {
      fail(job, err);
    } finally {
      if (file) await closeFd(file.fd);
    }
  }

  function pump(): void {
    const limit = Math.max(threads, 1) + EXTRA_ADMISSIONS;
    while (!closed && admitted.size < limit && waiting.length > 0) {
      const job = waiting.shift()!;
      const running: Promise<void> = run(job).finally(() => {
        admitted.delete(running);
        pump();
      });
      admitted.add(running);
    }
  }

  return {
    threads,
    get mode() {
      return mode;
    },
    digestFile(path, onProgress) {
      return new Promise<string>((resolve, reject) => {
        const job: Job = { path, onProgress, resolve, reject, reported: -1, settled: false };
        if (closed) return fail(job, new DigestError('POOL_CLOSED', path));
        waiting.push(job);
        pump();
      });
    },
    async close() {
      if (!closed) {
        closed = true;
        for (const job of waiting.splice(0)) fail(job, new DigestError('POOL_CLOSED', job.path));
        for (const waiter of slotWaiters.splice(0)) waiter(undefined);
        await Promise.all(slots.map((slot) => slot.worker.terminate()));
      }
      await Promise.allSettled([...admitted]);
    },
  };
}
