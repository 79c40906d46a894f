/**
 * The HTTP server: fastify with strict schemas (unknown properties rejected, nothing coerced),
 * problem+json errors, authentication on every request, rate limits, and the OpenAPI document built
 * from the same route schemas.
 */
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Context } from '../app/context.js';
import { webRoutes } from '../web/routes.js';
import { installAuth } from './auth.js';
import { problem, sendProblem, toProblem } from './problem.js';
import { auditRoutes } from './routes/audit.js';
import { findingRoutes } from './routes/findings.js';
import { identityRoutes } from './routes/identity.js';
import { organisationRoutes } from './routes/organisations.js';
import { outputRoutes } from './routes/outputs.js';
import { reviewerRoutes } from './routes/reviewers.js';
import { type OidcSettings, ssoRoutes } from './routes/sso.js';
import { statisticsRoutes } from './routes/statistics.js';
import { submissionRoutes } from './routes/submissions.js';
import { ProblemSchema } from './schemas.js';

export interface HttpOptions {
  /** The origin users reach the service at (e.g. https://review.example.gov), for CSRF checks and links. */
  readonly publicOrigin?: string;
  /** Requests per minute per client address across the API. */
  readonly rateLimit?: number;
  /** Sign-in attempts per minute per client address. */
  readonly loginRateLimit?: number;
  /** Answers /healthz with ok only while this says so (false while migrating or shutting down). */
  readonly ready?: () => boolean;
  readonly logger?: boolean;
  /** Trust X-Forwarded-For from a reverse proxy (set when behind a load balancer). */
  readonly trustProxy?: boolean;
  /** Single sign-on with an OpenID Connect provider (routes exist only when set). */
  readonly oidc?: OidcSettings;
}

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the server answers, for the authorisation matrix test and the docs. */
    routeTable: readonly RouteEntry[];
  }
}

/** Bodies the service streams instead of buffering (uploads and evidence files). */
const STREAMED_TYPES = ['application/offset+octet-stream', 'application/octet-stream'];

export async function buildApp(ctx: Context, options: HttpOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: 200 },
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });
  app.addSchema(ProblemSchema);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routeTable.push({ method: String(method), url: route.url });
  });

  for (const type of STREAMED_TYPES) {
    app.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'vacsrp program service',
        version: '1.0.0',
        description:
          'The Voluntary AI Cybersecurity Review Program service. Errors are RFC 9457 problem details (application/problem+json).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A personal API token (vacsrp_pat_…)' },
          session: { type: 'apiKey', in: 'cookie', name: '__Host-vacsrp_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: true,
    max: options.rateLimit ?? 600,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) => ({
      ...problem(429, 'RATE_LIMITED', `too many requests; retry after ${Math.ceil(context.ttl / 1000)} s`),
      statusCode: 429,
    }),
  });

  app.setErrorHandler((error, request, reply) => {
    const p = toProblem(error, request);
    if (p.status === 429 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '60');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      ...problem(404, 'NOT_FOUND', 'no such resource'),
      instance: request.url.split('?')[0] ?? '',
    }),
  );

  installAuth(app, ctx, options.publicOrigin === undefined ? {} : { publicOrigin: options.publicOrigin });

  app.get(
    '/healthz',
    { config: { access: 'public', rateLimit: false }, schema: { hide: true } },
    async (_request, reply) => {
      if (options.ready !== undefined && !options.ready()) {
        return sendProblem(reply, problem(503, 'NOT_READY', 'the service is starting or stopping'));
      }
      await ctx.db.selectFrom('audit_tip').select('id').executeTakeFirst();
      return { status: 'ok' };
    },
  );
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  identityRoutes(app, ctx, { loginRateLimit: options.loginRateLimit ?? 10 });
  organisationRoutes(app, ctx);
  submissionRoutes(app, ctx);
  findingRoutes(app, ctx);
  reviewerRoutes(app, ctx);
  auditRoutes(app, ctx);
  webRoutes(app, ctx, { loginRateLimit: options.loginRateLimit ?? 10 });
  outputRoutes(app, ctx, options.publicOrigin === undefined ? {} : { publicOrigin: options.publicOrigin });
  statisticsRoutes(app, ctx);
  if (options.oidc !== undefined) await ssoRoutes(app, ctx, options.oidc);

  // Defaults for every answer; a route or the pages may set their own (cacheable assets, same-origin
  // referrers so browsers send a real Origin on form posts).
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });
  return app;
}
