/**
 * The web interface: server-rendered USWDS pages over the same use cases as the API (so the same
 * authorisation), registered as one encapsulated fastify plugin with its own form parser, CSRF check,
 * security headers and HTML error pages.
 */

import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../app/context.js';
import { STATUS_OF_CODE } from '../http/problem.js';
import { OWN_ASSETS } from './assets.js';
import { html } from './html.js';
import { CSRF_FIELD, checkCsrf, SECURITY_HEADERS, signInFor } from './kit.js';
import { accountPages } from './pages/account.js';
import { adminPages } from './pages/admin.js';
import { publicPages } from './pages/public.js';
import { reviewerPages } from './pages/reviewer.js';
import { sessionPages } from './pages/session.js';
import { submissionPages } from './pages/submission.js';
import { submitterPages } from './pages/submitter.js';
import { formOf, view } from './view.js';

export interface WebOptions {
  /** Sign-in attempts per minute per client address (the same limit as the API's sign-in). */
  readonly loginRateLimit?: number;
}

/** Where the USWDS distribution lives (its CSS, JS, fonts and images are served as they are). */
export function uswdsDist(): string {
  const require = createRequire(import.meta.url);
  return dirname(dirname(require.resolve('@uswds/uswds')));
}

/** Page titles for the refusals a page can end in. */
const STATUS_PAGES: Readonly<Record<number, { title: string; text: string }>> = {
  400: { title: 'Request not accepted', text: 'The request was not accepted.' },
  403: { title: 'Not allowed', text: 'Your role does not allow this.' },
  404: { title: 'Page not found', text: 'There is no such page, or you cannot see it.' },
  409: { title: 'Not possible now', text: 'This cannot be done in the current state.' },
  413: { title: 'Too large', text: 'The request is too large.' },
  422: { title: 'Not accepted', text: 'The request could not be processed.' },
  429: { title: 'Too many requests', text: 'Too many requests; wait a minute and try again.' },
  500: { title: 'Something went wrong', text: 'An unexpected error occurred; it has been logged.' },
};

function statusPage(request: FastifyRequest, reply: FastifyReply, status: number, detail?: string) {
  const page = STATUS_PAGES[status] ?? STATUS_PAGES[500]!;
  return view(
    request,
    reply,
    page.title,
    () => html`<h1>${page.title}</h1>
      <p class="usa-intro">${detail ?? page.text}</p>
      <p><a class="usa-link" href="/">Go to the home page</a></p>`,
    { status },
  );
}

/** Registers every page, the static assets, and the page-only plumbing (forms, CSRF, headers, error pages). */
export function webRoutes(app: FastifyInstance, ctx: Context, options: WebOptions = {}): void {
  app.register(async (web) => {
    await web.register(formbody, { bodyLimit: 64 * 1024 });
    await web.register(fastifyStatic, { root: uswdsDist(), serve: false });

    web.addHook('onSend', async (_request, reply, payload) => {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
      return payload;
    });

    // Every form post carries the token bound to the caller's session (the Origin check runs earlier).
    web.addHook('preHandler', async (request) => {
      if (request.method === 'POST') checkCsrf(request, formOf(request)[CSRF_FIELD]);
    });

    web.setErrorHandler((error, request, reply) => {
      if (error instanceof AppError) {
        if (error.code === 'UNAUTHENTICATED') {
          return reply
            .code(request.method === 'GET' ? 302 : 303)
            .header('location', signInFor(request.method === 'GET' ? request.url : '/'))
            .send();
        }
        const status = STATUS_OF_CODE[error.code];
        if (status === 429) reply.header('retry-after', '60');
        return statusPage(request, reply, status, error.detail);
      }
      const fe = error as { validation?: unknown; statusCode?: number; code?: string };
      if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return statusPage(request, reply, 413);
      if (fe.statusCode === 429) {
        reply.header('retry-after', '60');
        return statusPage(request, reply, 429);
      }
      if (fe.validation !== undefined || (typeof fe.statusCode === 'number' && fe.statusCode < 500)) {
        return statusPage(request, reply, 400);
      }
      request.log.error({ err: error }, 'unexpected failure on a page');
      return statusPage(request, reply, 500);
    });

    web.get('/assets/uswds/*', { config: { access: 'public' } }, (request, reply) => {
      const rest = (request.params as { '*': string })['*'];
      if (!/^(css|js|fonts|img)\/[A-Za-z0-9_./-]{1,200}$/.test(rest) || rest.includes('..')) {
        throw new AppError('NOT_FOUND', 'no such asset');
      }
      return reply.sendFile(rest);
    });
    web.get('/assets/web/:name', { config: { access: 'public' } }, (request, reply) => {
      const asset = OWN_ASSETS[(request.params as { name: string }).name];
      if (asset === undefined) throw new AppError('NOT_FOUND', 'no such asset');
      return reply.type(asset.type).send(asset.body);
    });

    sessionPages(web, ctx, { loginRateLimit: options.loginRateLimit ?? 10 });
    accountPages(web, ctx);
    submitterPages(web, ctx);
    submissionPages(web, ctx);
    reviewerPages(web, ctx);
    adminPages(web, ctx);
    publicPages(web, ctx);
  });
}
