/**
 * The service's configuration, parsed once at start-up from flags and the environment and checked
 * loudly. Secrets (the master key, database passwords) come from the environment or files only.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../app/context.js';
import type { OidcSettings } from '../http/routes/sso.js';

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
  /** Single sign-on; from VACSRP_OIDC_* (see docs/service.md). */
  readonly oidc?: OidcSettings;
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
  const oidc = oidcFrom(env, publicOrigin);
  const lease = optionalInt(env.VACSRP_JOB_LEASE_MS, 'VACSRP_JOB_LEASE_MS', 500, 3_600_000);
  const poll = optionalInt(env.VACSRP_JOB_POLL_MS, 'VACSRP_JOB_POLL_MS', 10, 60_000);
  return {
    dataDir,
    ...(lease === undefined ? {} : { jobLeaseMs: lease }),
    ...(poll === undefined ? {} : { jobPollMs: poll }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(pgSchema === undefined ? {} : { pgSchema }),
    ...(oidc === undefined ? {} : { oidc }),
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

/** VACSRP_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET (or _CLIENT_SECRET_FILE): all or none. */
function oidcFrom(env: NodeJS.ProcessEnv, publicOrigin: string | undefined): OidcSettings | undefined {
  const issuer = env.VACSRP_OIDC_ISSUER;
  if (issuer === undefined || issuer === '') return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError("VACSRP_OIDC_ISSUER must be the provider's issuer URL");
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('VACSRP_OIDC_ISSUER must use https (plain http only on this machine)');
  }
  const clientId = env.VACSRP_OIDC_CLIENT_ID;
  if (clientId === undefined || clientId === '')
    throw new ConfigError('VACSRP_OIDC_CLIENT_ID is required with VACSRP_OIDC_ISSUER');
  let clientSecret = env.VACSRP_OIDC_CLIENT_SECRET;
  if ((clientSecret === undefined || clientSecret === '') && env.VACSRP_OIDC_CLIENT_SECRET_FILE) {
    clientSecret = readFileSync(env.VACSRP_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
  }
  if (clientSecret === undefined || clientSecret === '') {
    throw new ConfigError(
      'VACSRP_OIDC_CLIENT_SECRET or VACSRP_OIDC_CLIENT_SECRET_FILE is required with VACSRP_OIDC_ISSUER',
    );
  }
  if (publicOrigin === undefined) {
    throw new ConfigError(
      'single sign-on needs the public origin (--public-origin or VACSRP_PUBLIC_ORIGIN) for its callback URL',
    );
  }
  return { issuer, clientId, clientSecret, redirectUri: `${publicOrigin}/auth/oidc/callback` };
}
