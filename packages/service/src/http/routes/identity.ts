/** Sessions (sign in/out), the current user, personal API tokens, and user administration. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import { AppError } from '../../app/context.js';
import {
  createToken,
  createUser,
  listTokens,
  login,
  logout,
  revokeToken,
  SESSION_COOKIE,
  SESSION_HOURS,
  toUser,
  USER_ROLES,
} from '../../app/identity.js';
import { origin } from '../auth.js';
import { Id, IdParams, Nullable, problemResponses, Timestamp } from '../schemas.js';

export const UserSchema = Type.Object(
  {
    id: Type.String(),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union(USER_ROLES.map((r) => Type.Literal(r))),
    organisationId: Nullable(Type.String()),
  },
  { additionalProperties: false },
);

const TokenSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    createdAt: Timestamp,
    expiresAt: Nullable(Timestamp),
    lastUsedAt: Nullable(Timestamp),
    revokedAt: Nullable(Timestamp),
  },
  { additionalProperties: false },
);

export interface IdentityOptions {
  /** Per-client attempts per minute at the sign-in route. */
  readonly loginRateLimit: number;
}

export function identityRoutes(app: FastifyInstance, ctx: Context, options: IdentityOptions): void {
  app.post(
    '/api/v1/sessions',
    {
      config: {
        access: 'public',
        rateLimit: { max: options.loginRateLimit, timeWindow: '1 minute' },
      },
      schema: {
        tags: ['sessions'],
        summary: 'Sign in with e-mail and password; sets the session cookie',
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ user: UserSchema, expiresAt: Timestamp }, { additionalProperties: false }),
          ...problemResponses(400, 401, 429),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; password: string };
      const session = await login(ctx, body, request.ip);
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: '/',
        maxAge: SESSION_HOURS * 3600,
      });
      return reply.code(201).send({ user: session.user, expiresAt: session.expiresAt });
    },
  );

  app.delete(
    '/api/v1/sessions/current',
    {
      config: { access: 'user' },
      schema: {
        tags: ['sessions'],
        summary: 'Sign out',
        response: { 204: Type.Null(), ...problemResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie !== undefined) await logout(ctx, cookie, origin(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { access: 'user' },
      schema: {
        tags: ['sessions'],
        summary: 'The signed-in user',
        response: { 200: UserSchema, ...problemResponses(401) },
      },
    },
    async (request) => request.user,
  );

  app.get(
    '/api/v1/tokens',
    {
      config: { access: 'user' },
      schema: {
        tags: ['tokens'],
        summary: 'My personal API tokens (never the secrets)',
        response: { 200: Type.Array(TokenSchema), ...problemResponses(401) },
      },
    },
    async (request) => listTokens(ctx, request.actor),
  );

  app.post(
    '/api/v1/tokens',
    {
      config: { access: 'user' },
      schema: {
        tags: ['tokens'],
        summary: 'Create a personal API token; the secret is shown once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: TokenSchema, secret: Type.String() }, { additionalProperties: false }),
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; expiresInDays?: number };
      return reply.code(201).send(await createToken(ctx, origin(request), body));
    },
  );

  app.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a personal API token',
        params: IdParams,
        response: { 204: Type.Null(), ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeToken(ctx, origin(request), (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/users',
    {
      config: { access: 'user' },
      schema: {
        tags: ['users'],
        summary: 'All users (administrators)',
        response: { 200: Type.Array(UserSchema), ...problemResponses(401, 403) },
      },
    },
    async (request) => {
      if (request.actor.role !== 'administrator')
        throw new AppError('FORBIDDEN', 'only administrators list users');
      const rows = await ctx.db.selectFrom('users').selectAll().orderBy('email').limit(10_000).execute();
      return rows.map(toUser);
    },
  );

  app.post(
    '/api/v1/users',
    {
      config: { access: 'user' },
      schema: {
        tags: ['users'],
        summary: 'Create a user (administrators)',
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 254 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            role: Type.Union(USER_ROLES.map((r) => Type.Literal(r))),
            organisationId: Type.Optional(Nullable(Id)),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: UserSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body as Parameters<typeof createUser>[2];
      return reply.code(201).send(await createUser(ctx, origin(request), body));
    },
  );
}
