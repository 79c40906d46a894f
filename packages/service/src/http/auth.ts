/**
 * Who is asking: a bearer API token (CLI) or a session cookie (web), resolved once per request. Every
 * route declares its access (`public` or `user`) and the server refuses to start with a route that
 * does not; object-level checks (own organisation, assignment) live in the use cases.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../app/context.js';
import { actorOf, authenticate, SESSION_COOKIE, type User } from '../app/identity.js';
import type { Actor } from '../domain/actor.js';

export type Access = 'public' | 'user';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor;
    user: User | undefined;
    /** How the caller authenticated: CSRF checks apply to cookies only. */
    credential: 'none' | 'session' | 'token';
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function origin(request: FastifyRequest): { actor: Actor; where: string } {
  return { actor: request.actor, where: request.ip };
}

export function installAuth(app: FastifyInstance, ctx: Context, options: { publicOrigin?: string }): void {
  // Declared up front (null, as fastify requires for objects) so every request has the same shape.
  const decorate = app.decorateRequest.bind(app) as (name: string, value: unknown) => void;
  decorate('actor', null);
  decorate('user', null);
  decorate('credential', 'none');

  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: Access } | undefined)?.access;
    if (access !== 'public' && access !== 'user') {
      throw new Error(`route ${route.method} ${route.url} declares no access (public | user)`);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.actor = { role: 'public' };
    const header = request.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9_\-.]{1,200})$/.exec(header);
      const user =
        m === null ? undefined : await authenticate(ctx.db, ctx.clock, { kind: 'token', secret: m[1]! });
      if (user === undefined) throw new AppError('UNAUTHENTICATED', 'the API token is not valid');
      request.user = user;
      request.actor = actorOf(user);
      request.credential = 'token';
    } else {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie !== undefined && cookie.length <= 200) {
        const user = await authenticate(ctx.db, ctx.clock, { kind: 'session', secret: cookie });
        if (user !== undefined) {
          request.user = user;
          request.actor = actorOf(user);
          request.credential = 'session';
        }
      }
    }
    if (
      request.credential === 'session' &&
      UNSAFE.has(request.method) &&
      !sameOrigin(request, options.publicOrigin)
    ) {
      throw new AppError('FORBIDDEN', 'cross-site request refused', { reason: 'CSRF' });
    }
    const access = request.routeOptions.config.access;
    if (access === 'user' && request.actor.role === 'public')
      throw new AppError('UNAUTHENTICATED', 'sign in first');
  });
}

/** A cookie-authenticated change must come from our own pages (Origin, or Sec-Fetch-Site from modern browsers). */
function sameOrigin(request: FastifyRequest, publicOrigin: string | undefined): boolean {
  const o = request.headers.origin;
  if (typeof o === 'string') {
    if (publicOrigin !== undefined && o === publicOrigin) return true;
    const host = request.headers.host;
    return host !== undefined && (o === `http://${host}` || o === `https://${host}`);
  }
  return request.headers['sec-fetch-site'] === 'same-origin';
}
