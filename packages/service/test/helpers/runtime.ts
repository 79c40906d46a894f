/**
 * A service runtime for tests on either store: SQLite in a temporary directory, or PostgreSQL on
 * 127.0.0.1:5432 in a schema of its own (dropped afterwards). Every store test runs on both.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { dropSchema, TEST_DATABASE_URL, testSchemaName } from '../../../../test/helpers/postgres.js';
import type { Context, Origin } from '../../src/app/context.js';
import { createUser, type User, type UserRole } from '../../src/app/identity.js';
import { createOrganisation, type Organisation } from '../../src/app/organisations.js';
import { buildApp, type HttpOptions } from '../../src/http/app.js';
import type { ServiceConfig } from '../../src/runtime/config.js';
import { openRuntime } from '../../src/runtime/service.js';

export const STORES = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORES)[number];

export { dropSchema, TEST_DATABASE_URL };

export const SYSTEM: Origin = { actor: { role: 'administrator', userId: 'system' }, where: 'test' };

export interface TestService {
  readonly ctx: Context;
  readonly app: FastifyInstance;
  readonly config: ServiceConfig;
  readonly dataDir: string;
  /** Runs queued jobs until none is due (the in-process worker). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function testConfig(
  store: StoreKind,
  overrides: Partial<ServiceConfig> = {},
): Promise<ServiceConfig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vacsrp-svc-'));
  const schema = store === 'postgres' ? testSchemaName('t') : undefined;
  return {
    dataDir,
    ...(store === 'postgres' ? { databaseUrl: TEST_DATABASE_URL, pgSchema: schema } : {}),
    masterKey: { kind: 'env', value: randomBytes(32).toString('hex') },
    host: '127.0.0.1',
    port: 0,
    inProcessWorkers: true,
    rateLimit: 100_000,
    loginRateLimit: 1000,
    logger: false,
    trustProxy: false,
    jobPollMs: 50,
    jobBackoffMs: 10,
    ...overrides,
  };
}

export async function startTestService(
  store: StoreKind,
  overrides: Partial<ServiceConfig> = {},
  http: Partial<HttpOptions> = {},
): Promise<TestService> {
  const config = await testConfig(store, overrides);
  const runtime = await openRuntime(config, { workers: config.inProcessWorkers });
  const app = await buildApp(runtime.ctx, {
    rateLimit: config.rateLimit,
    loginRateLimit: config.loginRateLimit,
    ...http,
  });
  return {
    ctx: runtime.ctx,
    app,
    config,
    dataDir: config.dataDir,
    drain: async () => {
      await runtime.worker?.idle();
    },
    async close() {
      await app.close();
      await runtime.close();
      await dropSchema(config.pgSchema);
      rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}

export interface Cast {
  readonly admin: User;
  readonly orgA: Organisation;
  readonly orgB: Organisation;
  readonly submitterA: User;
  readonly submitterB: User;
  readonly reviewer1: User;
  readonly reviewer2: User;
  readonly reviewer3: User;
  readonly officer: User;
  /** Bearer tokens by user id. */
  readonly tokens: Readonly<Record<string, string>>;
}

export const PASSWORD = 'correct horse battery staple';

/** Two organisations, a submitter in each, three reviewers (one employed by org A), an administrator and a procurement officer. */
export async function seedCast(svc: TestService): Promise<Cast> {
  const { ctx } = svc;
  const orgA = await createOrganisation(ctx, SYSTEM, {
    name: 'Org A',
    type: 'small-business',
    sizeBand: '10-49',
    sector: 'health',
  });
  const orgB = await createOrganisation(ctx, SYSTEM, {
    name: 'Org B',
    type: 'large-company',
    sizeBand: '1000+',
    sector: 'finance',
  });
  const make = (email: string, role: UserRole, organisationId: string | null = null) =>
    createUser(ctx, SYSTEM, { email, name: email.split('@')[0]!, role, organisationId, password: PASSWORD });
  const admin = await make('admin@program.example', 'administrator');
  const submitterA = await make('dev@a.example', 'submitter', orgA.id);
  const submitterB = await make('dev@b.example', 'submitter', orgB.id);
  const reviewer1 = await make('r1@program.example', 'reviewer');
  const reviewer2 = await make('r2@program.example', 'reviewer');
  const reviewer3 = await make('r3@program.example', 'reviewer', orgA.id);
  const officer = await make('buyer@agency.example', 'procurement-officer');
  const tokens: Record<string, string> = {};
  const { createToken, actorOf } = await import('../../src/app/identity.js');
  for (const u of [admin, submitterA, submitterB, reviewer1, reviewer2, reviewer3, officer]) {
    tokens[u.id] = (await createToken(ctx, { actor: actorOf(u), where: 'test' }, { name: 'test' })).secret;
  }
  return { admin, orgA, orgB, submitterA, submitterB, reviewer1, reviewer2, reviewer3, officer, tokens };
}

export const bearer = (cast: Cast, user: User) => ({ authorization: `Bearer ${cast.tokens[user.id]}` });

/** API routes: everything under /api/, /.well-known/ and the health check; the rest are web pages and assets. */
export const isApiRoute = (url: string): boolean =>
  url.startsWith('/api/') || url.startsWith('/.well-known/') || url === '/healthz';
