/**
 * Assembles the service from its configuration: database (SQLite file or PostgreSQL), encrypted
 * blob store, master key, job workers and the HTTP server; and takes it down in order.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Context, systemClock } from '../app/context.js';
import {
  recordScanAttemptFailed,
  runScanJob,
  SCAN_JOB,
  SCAN_TIMEOUT_MS,
  sweepWorkDir,
} from '../app/scans.js';
import {
  FileBlobStore,
  generateMasterKeyFile,
  isBlobError,
  loadMasterKeyFile,
  type MasterKey,
  masterKeyFromEnvValue,
} from '../blobs/index.js';
import { buildApp } from '../http/app.js';
import { type JobKind, startWorker, type Worker } from '../jobs/queue.js';
import { openDatabase } from '../store/connect.js';
import type { ServiceConfig } from './config.js';
import { BlobArtifactStorage } from './storage.js';

export interface Runtime {
  readonly ctx: Context;
  readonly config: ServiceConfig;
  close(): Promise<void>;
}

export interface RunningService extends Runtime {
  readonly app: FastifyInstance;
  /** Where the server listens, e.g. http://127.0.0.1:8080 */
  readonly url: string;
}

async function masterKey(config: ServiceConfig): Promise<MasterKey> {
  const source = config.masterKey;
  switch (source.kind) {
    case 'env':
      return masterKeyFromEnvValue(source.value);
    case 'file':
      return loadMasterKeyFile(source.path);
    case 'data-dir': {
      const path = join(config.dataDir, 'master.key');
      try {
        return await loadMasterKeyFile(path);
      } catch (error) {
        if (isBlobError(error, 'NOT_FOUND') || (error as NodeJS.ErrnoException).code === 'ENOENT') {
          return generateMasterKeyFile(path);
        }
        throw error;
      }
    }
    default: {
      const never: never = source;
      throw new Error(`unknown master key source ${JSON.stringify(never)}`);
    }
  }
}

/** Opens the stores and, when asked, starts job workers in this process. */
export async function openRuntime(
  config: ServiceConfig,
  options: { workers: boolean },
): Promise<Runtime & { worker?: Worker }> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const key = await masterKey(config);
  const database = await openDatabase(
    config.databaseUrl === undefined
      ? { kind: 'sqlite', path: join(config.dataDir, 'vacsrp.sqlite') }
      : {
          kind: 'postgres',
          url: config.databaseUrl,
          ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
        },
  );
  const blobs = new FileBlobStore(join(config.dataDir, 'blobs'));
  let worker: Worker | undefined;
  const ctx: Context = {
    db: database.db,
    dialect: database.dialect,
    storage: new BlobArtifactStorage(blobs, key),
    clock: config.clock ?? systemClock,
    notifyJobs: () => worker?.wake(),
  };
  if (options.workers) {
    // Decrypted artifacts a killed worker left behind go before any new work starts.
    await sweepWorkDir(ctx, join(config.dataDir, 'work'));
    worker = startJobWorker(ctx, config);
  }
  return {
    ctx,
    config,
    ...(worker === undefined ? {} : { worker }),
    async close() {
      await worker?.stop();
      await database.close();
    },
  };
}

export function jobKinds(ctx: Context, config: ServiceConfig): Record<string, JobKind> {
  const workDir = join(config.dataDir, 'work');
  return {
    [SCAN_JOB]: {
      timeoutMs: config.scanTimeoutMs ?? SCAN_TIMEOUT_MS,
      handler: async (payload, job) => {
        const scanId = String(payload.scanId);
        try {
          await runScanJob(ctx, workDir, scanId, job);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          await recordScanAttemptFailed(
            ctx.db,
            scanId,
            message,
            ctx.clock.now().toISOString(),
            job.attempt >= job.maxAttempts,
          );
          throw error;
        }
      },
    },
  };
}

export function startJobWorker(ctx: Context, config: ServiceConfig): Worker {
  return startWorker({
    db: ctx.db,
    dialect: ctx.dialect,
    clock: ctx.clock,
    kinds: jobKinds(ctx, config),
    concurrency: config.workerConcurrency ?? 1,
    ...(config.jobLeaseMs === undefined ? {} : { leaseMs: config.jobLeaseMs }),
    ...(config.jobPollMs === undefined ? {} : { pollMs: config.jobPollMs }),
    ...(config.jobBackoffMs === undefined ? {} : { backoffMs: config.jobBackoffMs }),
    ...(config.onJobError === undefined ? {} : { onError: config.onJobError }),
  });
}

/** The whole service: runtime plus the HTTP server listening on the configured address. */
export async function startService(config: ServiceConfig): Promise<RunningService> {
  let ready = false;
  const runtime = await openRuntime(config, { workers: config.inProcessWorkers });
  let app: FastifyInstance;
  try {
    app = await buildApp(runtime.ctx, {
      ...(config.publicOrigin === undefined ? {} : { publicOrigin: config.publicOrigin }),
      rateLimit: config.rateLimit,
      loginRateLimit: config.loginRateLimit,
      ready: () => ready,
      logger: config.logger,
      trustProxy: config.trustProxy,
      ...(config.oidc === undefined ? {} : { oidc: config.oidc }),
    });
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  ready = true;
  return {
    ...runtime,
    app,
    url: `http://${host}:${port}`,
    async close() {
      ready = false;
      await app.close();
      await runtime.close();
    },
  };
}
