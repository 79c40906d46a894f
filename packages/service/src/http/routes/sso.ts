/**
 * OpenID Connect sign-in (authorization code flow with PKCE, state and nonce) at /auth/oidc/login
 * and /auth/oidc/callback, registered only when a provider is configured. The flow's secrets live in
 * a short-lived `__Host-` cookie (HttpOnly, Secure, SameSite=Lax) until the provider sends the user
 * back; the ID token is checked by openid-client (signature against the provider's JWKS, issuer,
 * audience, expiry, nonce).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type * as OidcClient from 'openid-client';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import { SESSION_COOKIE, SESSION_HOURS } from '../../app/identity.js';
import { ssoLogin } from '../../app/sso.js';
import { problemResponses } from '../schemas.js';

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Where the provider sends users back: `<public origin>/auth/oidc/callback`. */
  readonly redirectUri: string;
}

const FLOW_COOKIE = '__Host-vacsrp_oidc';
const FLOW_SECONDS = 600;

/** A return path must stay on this site: one leading slash, no scheme, no backslashes. */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 500) return '/';
  return /^\/(?![/\\])[^\\\s]*$/.test(value) ? value : '/';
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

export async function ssoRoutes(app: FastifyInstance, ctx: Context, settings: OidcSettings): Promise<void> {
  const client: typeof OidcClient = await import('openid-client');
  const issuer = new URL(settings.issuer);
  let config: OidcClient.Configuration | undefined;
  const configuration = async () => {
    if (config !== undefined) return config;
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
    config = await client.discovery(
      issuer,
      settings.clientId,
      {
        client_secret: settings.clientSecret,
        redirect_uris: [settings.redirectUri],
        response_types: ['code'],
      },
      client.ClientSecretPost(settings.clientSecret),
      insecure ? { execute: [client.allowInsecureRequests] } : undefined,
    );
    return config;
  };

  app.get(
    '/auth/oidc/login',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        querystring: Type.Object(
          { return: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const target = client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: settings.redirectUri,
        scope: 'openid email',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const flow = JSON.stringify({
        verifier,
        state,
        nonce,
        back: safeReturnPath((request.query as { return?: string }).return),
      });
      reply.setCookie(FLOW_COOKIE, Buffer.from(flow).toString('base64url'), {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: '/',
        maxAge: FLOW_SECONDS,
      });
      return reply.redirect(target.href, 302);
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      config: { access: 'public' },
      schema: { hide: true, response: { ...problemResponses(400, 401) } },
    },
    async (request, reply) => {
      const flow = readFlow(request);
      reply.clearCookie(FLOW_COOKIE, { path: '/', secure: true, httpOnly: true, sameSite: 'lax' });
      if (flow === undefined) {
        return reply
          .code(400)
          .type('application/problem+json')
          .send(
            JSON.stringify({
              type: 'https://vacsrp.dev/problems/invalid',
              title: 'Bad request',
              status: 400,
              code: 'INVALID',
              detail: 'the sign-in expired or was not started here; start again',
            }),
          );
      }
      let claims: OidcClient.IDToken | undefined;
      try {
        const current = new URL(request.url, settings.redirectUri);
        const tokens = await client.authorizationCodeGrant(await configuration(), current, {
          pkceCodeVerifier: flow.verifier,
          expectedState: flow.state,
          expectedNonce: flow.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        request.log.warn({ err: error }, 'OIDC sign-in refused');
        claims = undefined;
      }
      if (claims === undefined) {
        return reply
          .code(401)
          .type('application/problem+json')
          .send(
            JSON.stringify({
              type: 'https://vacsrp.dev/problems/unauthenticated',
              title: 'Authentication required',
              status: 401,
              code: 'UNAUTHENTICATED',
              detail: 'the identity provider did not confirm this sign-in',
            }),
          );
      }
      const session = await ssoLogin(
        ctx,
        {
          issuer: claims.iss,
          subject: claims.sub,
          ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
          emailVerified: claims.email_verified === true,
        },
        request.ip,
      );
      reply.setCookie(SESSION_COOKIE, session.token, {
        httpOnly: true,
        secure: true,
        sameSite: 'lax',
        path: '/',
        maxAge: SESSION_HOURS * 3600,
      });
      return reply.redirect(flow.back, 302);
    },
  );
}

function readFlow(
  request: FastifyRequest,
): { verifier: string; state: string; nonce: string; back: string } | undefined {
  const raw = request.cookies[FLOW_COOKIE];
  if (raw === undefined || raw.length > 2000) return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof v.verifier !== 'string' || typeof v.state !== 'string' || typeof v.nonce !== 'string')
      return undefined;
    return { verifier: v.verifier, state: v.state, nonce: v.nonce, back: safeReturnPath(v.back) };
  } catch {
    return undefined;
  }
}
