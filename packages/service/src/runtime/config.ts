/**
 * The service's configuration, parsed once at start-up from flags and the environment and checked
 * loudly. Secrets (the master key, database passwords) come from the environment or files only.
 */
import { resolve } from 'node:path';
import type { Clock } from '../app/context.js';

export type MasterKeySource =
  | { readonly kind: 'env'; readonly value: string }
  | { readonly kind: 'file'; readonly path: string }
  /** Embedded default: `<data dir>/master.key`, generated (mode 0600) on first start. */
  | { readonly kind: 'data-dir' };

export interface ServiceConfig {
  readonly dataDir: string;
  /** postgres://… switches the store to PostgreSQL; absent means SQLite in the data directory. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema (tests use one per run). */
  readonly pgSchema?: string;
  readonly masterKey: MasterKeySource;
  readonly host: string;
  readonly port: number;
  readonly publicOrigin?: string;
  /** Run job workers inside the server process (embedded default). */
  readonly inProcessWorkers: boolean;
  readonly workerConcurrency?: number;
  readonly rateLimit: number;
  readonly loginRateLimit: number;
  readonly logger: boolean;
  readonly trustProxy: boolean;
  readonly scanTimeoutMs?: number;
  readonly jobLeaseMs?: number;
  readonly jobPollMs?: number;
  readonly jobBackoffMs?: number;
  readonly onJobError?: (error: unknown, job: { id: string; kind: string; attempt: number }) => void;
  readonly clock?: Clock;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigFlags {
  readonly data?: string;
  readonly host?: string;
  readonly port?: string | number;
  readonly publicOrigin?: string;
  readonly workers?: boolean;
}

/** Flags win over the environment; everything unknown or malformed is an error, not a default. */
export function configFrom(flags: ConfigFlags, env: NodeJS.ProcessEnv): ServiceConfig {
  const dataDir = resolve(flags.data ?? env.VACSRP_DATA ?? '.vacsrp');
  const databaseUrl =
    env.DATABASE_URL === undefined || env.DATABASE_URL === '' ? undefined : env.DATABASE_URL;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite store)',
    );
  }
  let masterKey: MasterKeySource = { kind: 'data-dir' };
  if (env.VACSRP_MASTER_KEY !== undefined && env.VACSRP_MASTER_KEY !== '') {
    masterKey = { kind: 'env', value: env.VACSRP_MASTER_KEY };
  } else if (env.VACSRP_MASTER_KEY_FILE !== undefined && env.VACSRP_MASTER_KEY_FILE !== '') {
    masterKey = { kind: 'file', path: resolve(env.VACSRP_MASTER_KEY_FILE) };
  }
  const portText = String(flags.port ?? env.PORT ?? '8080');
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    throw new ConfigError(`invalid port ${portText}`);
  const publicOrigin = flags.publicOrigin ?? env.VACSRP_PUBLIC_ORIGIN;
  if (publicOrigin !== undefined && !/^https?:\/\/[^/]+$/.test(publicOrigin)) {
    throw new ConfigError(
      'the public origin is scheme://host[:port] with no path, e.g. https://review.example.gov',
    );
  }
  const pgSchema = env.VACSRP_DATABASE_SCHEMA === '' ? undefined : env.VACSRP_DATABASE_SCHEMA;
  if (pgSchema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(pgSchema)) {
    throw new ConfigError('VACSRP_DATABASE_SCHEMA must be a lowercase PostgreSQL identifier');
  }
  const lease = optionalInt(env.VACSRP_JOB_LEASE_MS, 'VACSRP_JOB_LEASE_MS', 500, 3_600_000);
  const poll = optionalInt(env.VACSRP_JOB_POLL_MS, 'VACSRP_JOB_POLL_MS', 10, 60_000);
  return {
    dataDir,
    ...(lease === undefined ? {} : { jobLeaseMs: lease }),
    ...(poll === undefined ? {} : { jobPollMs: poll }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(pgSchema === undefined ? {} : { pgSchema }),
    masterKey,
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    port: Number(portText),
    ...(publicOrigin === undefined ? {} : { publicOrigin }),
    inProcessWorkers: flags.workers ?? true,
    rateLimit: 600,
    loginRateLimit: 10,
    logger: false,
    trustProxy: env.VACSRP_TRUST_PROXY === '1',
  };
}

function optionalInt(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,10}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(value);
}
