/**
 * One worker thread for the HDF5 library, started on the first HDF5 file. A corrupted file can make
 * the library loop (seen in fuzzing: a damaged global heap behind a variable-length string); WASM on
 * the main thread cannot be interrupted, a worker can be terminated. A worker that timed out or
 * crashed is discarded and the next file gets a fresh one. Idle workers do not keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { Hdf5Request, Hdf5Result } from './hdf5-inspect.js';

export const HDF5_TIME_LIMIT = {
  /** Wall time for the HDF5 library on one small file, worker start included (CWE-835: loops on corrupted structures). */
  baseMillis: 5_000,
  /** Added per 64 MiB of file: metadata walks grow with the file. */
  perChunkMillis: 1_000,
  /** Never more than this on one file. */
  maxMillis: 30_000,
};

/** The time limit for a file of `size` bytes. */
export function hdf5TimeLimit(size: number): number {
  const chunks = Math.ceil(size / (64 * 1024 * 1024));
  return Math.min(
    HDF5_TIME_LIMIT.maxMillis,
    HDF5_TIME_LIMIT.baseMillis + chunks * HDF5_TIME_LIMIT.perChunkMillis,
  );
}

export type Hdf5Outcome = { readonly result: Hdf5Result } | { readonly failure: string };

let worker: Worker | undefined;
let nextId = 0;

/** Compiled builds run dist/checks/hdf5-worker.js; from sources, tsx loads the .ts (as the digest pool does). */
function start(): Worker {
  if (import.meta.url.endsWith('.js')) return new Worker(new URL('./hdf5-worker.js', import.meta.url));
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./hdf5-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  return new Worker(code, { eval: true });
}

export function inspectInWorker(
  request: Hdf5Request,
  timeoutMs = HDF5_TIME_LIMIT.maxMillis,
): Promise<Hdf5Outcome> {
  worker ??= start();
  const w = worker;
  const id = ++nextId;
  w.ref();
  return new Promise<Hdf5Outcome>((resolve) => {
    const done = (outcome: Hdf5Outcome, discard: boolean) => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      if (discard) {
        if (worker === w) worker = undefined;
        void w.terminate();
      } else w.unref();
      resolve(outcome);
    };
    const onMessage = (m: { id: number; result?: Hdf5Result; error?: string }) => {
      if (m.id !== id) return;
      if (m.result) done({ result: m.result }, false);
      else done({ failure: `the HDF5 library failed: ${m.error ?? 'unknown error'}` }, true);
    };
    const onError = (e: Error) => done({ failure: `the HDF5 worker crashed: ${e.message}` }, true);
    const onExit = (code: number) => done({ failure: `the HDF5 worker exited (code ${code})` }, true);
    const timer = setTimeout(
      () => done({ failure: `the HDF5 library did not finish within ${timeoutMs} ms` }, true),
      timeoutMs,
    );
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
    const transfer = request.input.kind === 'bytes' ? [request.input.bytes.buffer as ArrayBuffer] : [];
    w.postMessage({ id, ...request }, transfer);
  });
}
