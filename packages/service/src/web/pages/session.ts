/** The home page, sign-in and sign-out. */
import type { FastifyInstance } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import { login, logout, SESSION_COOKIE, SESSION_HOURS } from '../../app/identity.js';
import { origin } from '../../http/auth.js';
import { EMPTY, html } from '../html.js';
import { localPath, redirect } from '../kit.js';
import { alert, csrfField, navFor } from '../layout.js';
import { formOf, queryOf, text, view } from '../view.js';

const SESSION_COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: 'lax' as const, path: '/' };

export function sessionPages(web: FastifyInstance, ctx: Context, options: { loginRateLimit: number }): void {
  web.get('/', { config: { access: 'public' } }, async (request, reply) =>
    view(request, reply, 'Home', () => {
      const user = request.user ?? undefined;
      const links = navFor(user).filter((n) => n.href !== '/sign-in');
      return html`<h1>AI Cybersecurity Review Program</h1>
        <p class="usa-intro">AI developers submit a model package before release; the program checks it against
        published security criteria, issues findings, and signs an attestation that federal buyers verify.</p>
        ${
          user === undefined
            ? html`<p><a class="usa-button" href="/sign-in">Sign in</a></p>
               <p>Anyone may search the <a class="usa-link" href="/registry">registry of reviewed models</a> and read the
               <a class="usa-link" href="/dashboard">program dashboard</a>.</p>`
            : html`<h2>Your pages</h2>
               <ul class="usa-list">${links.map((l) => html`<li><a class="usa-link" href="${l.href}">${l.label}</a></li>`)}</ul>`
        }`;
    }),
  );

  web.get('/sign-in', { config: { access: 'public' } }, async (request, reply) => {
    const next = localPath(queryOf(request).next);
    return view(
      request,
      reply,
      'Sign in',
      (csrf) => html`<h1>Sign in</h1>
        ${
          request.user === undefined || request.user === null
            ? EMPTY
            : alert(
                'info',
                html`You are signed in as ${request.user.email}. Signing in again replaces that session.`,
              )
        }
        <form class="usa-form" method="post" action="/sign-in">
          ${csrfField(csrf)}
          ${next === undefined ? EMPTY : html`<input type="hidden" name="next" value="${next}">`}
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Your program account</legend>
            <label class="usa-label" for="email">E-mail address</label>
            <input class="usa-input" id="email" name="email" type="email" autocomplete="username" required maxlength="254" spellcheck="false">
            <label class="usa-label" for="password">Password</label>
            <input class="usa-input" id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
            <button class="usa-button" type="submit">Sign in</button>
          </fieldset>
        </form>
        ${
          web.hasRoute({ method: 'GET', url: '/auth/oidc/login' })
            ? html`<p><a class="usa-button usa-button--outline" href="/auth/oidc/login${
                next === undefined ? '' : `?return=${encodeURIComponent(next)}`
              }">Sign in with your organisation’s single sign-on</a></p>`
            : EMPTY
        }
        <p>API tokens for the command line are created on your account page after signing in.</p>`,
    );
  });

  web.post(
    '/sign-in',
    {
      config: { access: 'public', rateLimit: { max: options.loginRateLimit, timeWindow: '1 minute' } },
    },
    async (request, reply) => {
      const form = formOf(request);
      const next = localPath(form.next) ?? '/';
      const back = next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
      let email: string;
      let password: string;
      try {
        email = text(form, 'email', 'The e-mail address', 254);
        password = text(form, 'password', 'The password', 1024);
      } catch (error) {
        if (error instanceof AppError) return redirect(reply, back, { kind: 'error', text: error.detail });
        throw error;
      }
      try {
        const session = await login(ctx, { email, password }, request.ip);
        reply.setCookie(SESSION_COOKIE, session.token, {
          ...SESSION_COOKIE_OPTIONS,
          maxAge: SESSION_HOURS * 3600,
        });
        return redirect(reply, next, { kind: 'success', text: `Signed in as ${session.user.name}.` });
      } catch (error) {
        if (
          error instanceof AppError &&
          (error.code === 'UNAUTHENTICATED' || error.code === 'RATE_LIMITED')
        ) {
          return redirect(reply, back, { kind: 'error', text: error.detail });
        }
        throw error;
      }
    },
  );

  web.post('/sign-out', { config: { access: 'user' } }, async (request, reply) => {
    const cookie = request.cookies[SESSION_COOKIE];
    if (cookie !== undefined) await logout(ctx, cookie, origin(request));
    reply.clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS);
    return redirect(reply, '/', { kind: 'info', text: 'You are signed out.' });
  });
}
