/**
 * Users, passwords, web sessions and personal API tokens. Passwords are argon2id hashes; session and
 * API tokens are 256-bit random secrets of which only the SHA-256 is stored, so a database leak yields
 * nothing that logs in.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Transaction } from 'kysely';
import type { Actor } from '../domain/actor.js';
import type { JsonValue } from '../domain/result.js';
import type { Db } from '../store/audit.js';
import type { Database, UserRow } from '../store/schema.js';
import { AppError, type Clock, type Context, nowIso, type Origin } from './context.js';
import { recordEvent } from './events.js';

export const USER_ROLES = ['submitter', 'reviewer', 'administrator', 'procurement-officer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const SESSION_COOKIE = '__Host-vacsrp_session';
export const SESSION_HOURS = 12;
export const TOKEN_PREFIX = 'vacsrp_pat_';
export const MIN_PASSWORD = 12;
export const MAX_PASSWORD_BYTES = 1024;
export const LOCKOUT_FAILURES = 10;
export const LOCKOUT_MINUTES = 15;
export const MAX_TOKENS_PER_USER = 50;

/** OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane). */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: UserRole;
  readonly organisationId: string | null;
}

export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as UserRole,
    organisationId: row.organisation_id,
  };
}

export function actorOf(user: User): Actor {
  switch (user.role) {
    case 'submitter':
      if (user.organisationId === null) throw new Error(`submitter ${user.id} has no organisation`);
      return { role: 'submitter', userId: user.id, organisationId: user.organisationId };
    case 'reviewer':
    case 'administrator':
    case 'procurement-officer':
      return { role: user.role, userId: user.id };
    default: {
      const never: never = user.role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD) {
    throw new AppError('INVALID', `a password needs at least ${MIN_PASSWORD} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    throw new AppError('INVALID', `a password may be at most ${MAX_PASSWORD_BYTES} bytes`);
  }
}

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

// Verifying against this when the account does not exist keeps the timing of "no such user" and
// "wrong password" alike.
let dummyHash: Promise<string> | undefined;

export interface NewUser {
  readonly email: string;
  readonly name: string;
  readonly role: UserRole;
  readonly organisationId?: string | null;
  readonly password?: string;
}

/** Administrators create accounts (the CLI bootstraps the first administrator the same way). */
export async function createUser(ctx: Context, origin: Origin, input: NewUser): Promise<User> {
  if (origin.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators create users');
  const email = normaliseEmail(input.email);
  const name = input.name.trim();
  if (name === '' || name.length > 200)
    throw new AppError('INVALID', 'a name of 1 to 200 characters is required');
  const org = input.organisationId ?? null;
  if (input.role === 'submitter' && org === null) {
    throw new AppError('INVALID', 'a submitter belongs to an organisation');
  }
  if (input.password !== undefined) checkPassword(input.password);
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password);
  const now = nowIso(ctx.clock);
  const id = randomUUID();
  return ctx.db.transaction().execute(async (tx) => {
    if (org !== null) {
      const exists = await tx
        .selectFrom('organisations')
        .select('id')
        .where('id', '=', org)
        .executeTakeFirst();
      if (exists === undefined) throw new AppError('INVALID', 'no such organisation');
    }
    const taken = await tx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
    if (taken !== undefined) throw new AppError('CONFLICT', 'a user with this e-mail address exists');
    const row: UserRow = {
      id,
      email,
      name,
      role: input.role,
      organisation_id: org,
      password_hash: passwordHash,
      oidc_subject: null,
      disabled: 0,
      failed_logins: 0,
      locked_until: null,
      created_at: now,
    };
    await tx.insertInto('users').values(row).execute();
    await recordEvent(
      tx,
      origin,
      now,
      'user.created',
      { kind: 'user', id },
      { role: input.role, organisationId: org },
    );
    return toUser(row);
  });
}

export function normaliseEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) {
    throw new AppError('INVALID', 'a valid e-mail address is required');
  }
  return e;
}

/**
 * Checks a password and opens a session. Every failure answers the same UNAUTHENTICATED (no hint
 * whether the account exists); LOCKOUT_FAILURES consecutive failures lock the account for a while.
 */
export async function login(
  ctx: Context,
  input: { email: string; password: string },
  where: string,
): Promise<{ token: string; user: User; expiresAt: string }> {
  const refused = new AppError('UNAUTHENTICATED', 'wrong e-mail address or password');
  if (Buffer.byteLength(input.password, 'utf8') > MAX_PASSWORD_BYTES) throw refused;
  const email = input.email.trim().toLowerCase();
  const row = await ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const now = ctx.clock.now();
  if (row === undefined || row.password_hash === null || row.disabled === 1) {
    dummyHash ??= hashPassword('not a real password, only for timing');
    await verify(await dummyHash, input.password).catch(() => false);
    throw refused;
  }
  if (row.locked_until !== null && new Date(row.locked_until) > now) {
    throw new AppError('RATE_LIMITED', 'too many failed sign-ins; try again later');
  }
  const good = await verify(row.password_hash, input.password).catch(() => false);
  if (!good) {
    const failures = row.failed_logins + 1;
    const lock =
      failures >= LOCKOUT_FAILURES ? new Date(now.getTime() + LOCKOUT_MINUTES * 60_000).toISOString() : null;
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('users')
        .set({ failed_logins: lock === null ? failures : 0, locked_until: lock })
        .where('id', '=', row.id)
        .execute();
      await recordEvent(
        tx,
        { actor: { role: 'public' }, where },
        now.toISOString(),
        'session.refused',
        { kind: 'user', id: row.id },
        { locked: lock !== null },
      );
    });
    throw refused;
  }
  return ctx.db.transaction().execute(async (tx) => {
    await tx
      .updateTable('users')
      .set({ failed_logins: 0, locked_until: null })
      .where('id', '=', row.id)
      .execute();
    return openSession(tx, toUser(row), now, where);
  });
}

/** A new web session for `user` (the secret is returned once; only its SHA-256 is stored), audited. */
export async function openSession(
  tx: Transaction<Database>,
  user: User,
  now: Date,
  where: string,
  detail: { readonly [key: string]: JsonValue } = {},
): Promise<{ token: string; user: User; expiresAt: string }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString();
  await tx
    .insertInto('sessions')
    .values({
      token_hash: sha256Hex(token),
      user_id: user.id,
      created_at: now.toISOString(),
      expires_at: expiresAt,
    })
    .execute();
  await recordEvent(
    tx,
    { actor: actorOf(user), where },
    now.toISOString(),
    'session.created',
    { kind: 'user', id: user.id },
    detail,
  );
  return { token, user, expiresAt };
}

export async function logout(ctx: Context, token: string, origin: Origin): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('sessions').where('token_hash', '=', sha256Hex(token)).execute();
    if (origin.actor.role !== 'public') {
      await recordEvent(tx, origin, nowIso(ctx.clock), 'session.ended', {
        kind: 'user',
        id: origin.actor.userId,
      });
    }
  });
}

/** The user behind a session cookie or a bearer token, or undefined when it is unknown, expired or revoked. */
export async function authenticate(
  db: Db,
  clock: Clock,
  credential: { kind: 'session' | 'token'; secret: string },
): Promise<User | undefined> {
  const now = clock.now().toISOString();
  const digest = sha256Hex(credential.secret);
  let userId: string | undefined;
  if (credential.kind === 'session') {
    const s = await db.selectFrom('sessions').selectAll().where('token_hash', '=', digest).executeTakeFirst();
    if (s !== undefined && s.expires_at > now) userId = s.user_id;
  } else {
    if (!credential.secret.startsWith(TOKEN_PREFIX)) return undefined;
    const t = await db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', digest)
      .executeTakeFirst();
    if (t !== undefined && t.revoked_at === null && (t.expires_at === null || t.expires_at > now)) {
      userId = t.user_id;
      await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', t.id).execute();
    }
  }
  if (userId === undefined) return undefined;
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  return row === undefined || row.disabled === 1 ? undefined : toUser(row);
}

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** A new personal token; the secret is returned once and never stored. */
export async function createToken(
  ctx: Context,
  origin: Origin,
  input: { name: string; expiresInDays?: number },
): Promise<{ token: ApiToken; secret: string }> {
  const actor = origin.actor;
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  const name = input.name.trim();
  if (name === '' || name.length > 100)
    throw new AppError('INVALID', 'a token name of 1 to 100 characters is required');
  const now = ctx.clock.now();
  const expiresAt =
    input.expiresInDays === undefined
      ? null
      : new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString();
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await ctx.db.transaction().execute(async (tx) => {
    const count = await tx
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', actor.userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_TOKENS_PER_USER)
      throw new AppError('CONFLICT', 'too many active tokens; revoke one first');
    await tx
      .insertInto('api_tokens')
      .values({
        id,
        user_id: actor.userId,
        name,
        token_hash: sha256Hex(secret),
        created_at: now.toISOString(),
        expires_at: expiresAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await recordEvent(tx, origin, now.toISOString(), 'token.created', { kind: 'token', id });
  });
  return {
    token: { id, name, createdAt: now.toISOString(), expiresAt, lastUsedAt: null, revokedAt: null },
    secret,
  };
}

export async function listTokens(ctx: Context, actor: Actor): Promise<ApiToken[]> {
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  const rows = await ctx.db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', actor.userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeToken(ctx: Context, origin: Origin, id: string): Promise<void> {
  const actor = origin.actor;
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  await ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('api_tokens')
      .select(['id', 'revoked_at'])
      .where('id', '=', id)
      .where('user_id', '=', actor.userId)
      .executeTakeFirst();
    if (row === undefined) throw new AppError('NOT_FOUND', 'no such token');
    if (row.revoked_at !== null) return;
    await tx
      .updateTable('api_tokens')
      .set({ revoked_at: nowIso(ctx.clock) })
      .where('id', '=', id)
      .execute();
    await recordEvent(tx, origin, nowIso(ctx.clock), 'token.revoked', { kind: 'token', id });
  });
}
