/** The signed-in user's account and personal API tokens (the secret is shown once, on creation). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import { type ApiToken, createToken, listTokens, revokeToken } from '../../app/identity.js';
import { origin } from '../../http/auth.js';
import { EMPTY, type Html, html } from '../html.js';
import { redirect } from '../kit.js';
import { alert, csrfField } from '../layout.js';
import { when } from '../parts.js';
import { formOf, idParam, text, view } from '../view.js';

function tokenTable(tokens: readonly ApiToken[], csrf: string): Html {
  if (tokens.length === 0) return html`<p>You have no API tokens.</p>`;
  return html`<table class="usa-table usa-table--borderless">
    <caption>Your API tokens</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">Status</th></tr></thead>
    <tbody>${tokens.map(
      (t) => html`<tr>
        <th scope="row">${t.name}</th><td>${when(t.createdAt)}</td><td>${when(t.expiresAt)}</td><td>${when(t.lastUsedAt)}</td>
        <td>${
          t.revokedAt === null
            ? html`<form method="post" action="/account/tokens/${t.id}/revoke" class="web-inline-form">${csrfField(csrf)}
                <button type="submit" class="usa-button usa-button--secondary usa-button--unstyled" aria-label="Revoke token ${t.name}">Revoke</button></form>`
            : html`Revoked ${when(t.revokedAt)}`
        }</td></tr>`,
    )}</tbody></table>`;
}

export function accountPages(web: FastifyInstance, ctx: Context): void {
  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    created?: { name: string; secret: string },
  ) => {
    const user = request.user;
    if (user === undefined || user === null) throw new AppError('UNAUTHENTICATED', 'sign in first');
    const tokens = await listTokens(ctx, request.actor);
    return view(
      request,
      reply,
      'Account and API tokens',
      (csrf) => html`<h1>Account and API tokens</h1>
        <dl class="web-facts">
          <dt>Name</dt><dd>${user.name}</dd>
          <dt>E-mail address</dt><dd>${user.email}</dd>
          <dt>Role</dt><dd>${user.role}</dd>
        </dl>
        ${
          created === undefined
            ? EMPTY
            : alert(
                'success',
                html`Token “${created.name}” created. Copy it now: it is shown only once.<br><code class="web-digest" id="new-token">${created.secret}</code>`,
                'New API token',
              )
        }
        <h2>API tokens</h2>
        <p>Tokens let the <code>vacsrp</code> command line act as you. Keep them secret; revoke any you no longer use.</p>
        ${tokenTable(tokens, csrf)}
        <form class="usa-form" method="post" action="/account/tokens">
          ${csrfField(csrf)}
          <label class="usa-label" for="token-name">Token name</label>
          <span class="usa-hint" id="token-name-hint">For example, the machine it is used on.</span>
          <input class="usa-input" id="token-name" name="name" required maxlength="100" aria-describedby="token-name-hint">
          <label class="usa-label" for="token-days">Expires after (days, optional)</label>
          <input class="usa-input usa-input--small" id="token-days" name="expiresInDays" inputmode="numeric" pattern="[0-9]{1,3}">
          <button class="usa-button" type="submit">Create token</button>
        </form>`,
    );
  };

  web.get('/account', { config: { access: 'user' } }, async (request, reply) => page(request, reply));

  web.post('/account/tokens', { config: { access: 'user' } }, async (request, reply) => {
    const form = formOf(request);
    try {
      const name = text(form, 'name', 'The token name', 100);
      const daysText = text(form, 'expiresInDays', 'The expiry', 3, false).trim();
      let expiresInDays: number | undefined;
      if (daysText !== '') {
        if (!/^[1-9][0-9]{0,2}$/.test(daysText) || Number(daysText) > 366)
          throw new AppError('INVALID', 'the expiry is a number of days from 1 to 366');
        expiresInDays = Number(daysText);
      }
      const { token, secret } = await createToken(ctx, origin(request), {
        name,
        ...(expiresInDays === undefined ? {} : { expiresInDays }),
      });
      // The one exception to POST-redirect-GET: the secret exists only in this response.
      return page(request, reply, { name: token.name, secret });
    } catch (error) {
      if (error instanceof AppError && (error.code === 'INVALID' || error.code === 'CONFLICT')) {
        return redirect(reply, '/account', { kind: 'error', text: error.detail });
      }
      throw error;
    }
  });

  web.post('/account/tokens/:id/revoke', { config: { access: 'user' } }, async (request, reply) => {
    await revokeToken(ctx, origin(request), idParam(request));
    return redirect(reply, '/account', { kind: 'success', text: 'The token is revoked.' });
  });
}
