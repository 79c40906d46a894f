/**
 * Single sign-on with OpenID Connect against a small provider run by the test on 127.0.0.1 (discovery,
 * JWKS, token endpoint with PKCE; the "authorization" step is played by the test). The ID token comes
 * straight from the token endpoint, so (as OIDC Core 3.1.3.7 allows) the TLS connection vouches for it. Accounts are
 * provisioned by administrators: the first sign-in links the provider's subject to the account with
 * the verified e-mail address, later ones match the subject. Forged, unverified and replayed
 * sign-ins are refused. Both stores.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, SESSION_COOKIE } from '../src/app/identity.js';
import { safeReturnPath } from '../src/http/routes/sso.js';
import { STORES, SYSTEM, startTestService, type TestService } from './helpers/runtime.js';

const CLIENT_ID = 'vacsrp-test';
const CLIENT_SECRET = randomBytes(16).toString('hex');
const ORIGIN = 'https://review.example.gov';

interface Grant {
  challenge: string;
  nonce: string;
  claims: Record<string, unknown>;
}

/** A minimal OpenID provider: enough of discovery, JWKS and the token endpoint for the code flow. */
async function provider() {
  const good = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...good.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const grants = new Map<string, Grant>();
  let issuer = '';
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (req.url === '/jwks') return send(200, { keys: [jwk] });
    if (req.url === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const grant = grants.get(form.get('code') ?? '');
        grants.delete(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          grant === undefined ||
          form.get('client_secret') !== CLIENT_SECRET ||
          challenge !== grant.challenge
        ) {
          return send(400, { error: 'invalid_grant' });
        }
        const now = Math.floor(Date.now() / 1000);
        const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString(
          'base64url',
        );
        const payload = Buffer.from(
          JSON.stringify({
            iss: issuer,
            aud: CLIENT_ID,
            iat: now,
            exp: now + 300,
            nonce: grant.nonce,
            ...grant.claims,
          }),
        ).toString('base64url');
        const signature = sign('sha256', Buffer.from(`${header}.${payload}`), good.privateKey).toString(
          'base64url',
        );
        return send(200, {
          access_token: 'at',
          token_type: 'Bearer',
          expires_in: 300,
          id_token: `${header}.${payload}.${signature}`,
        });
      });
      return;
    }
    send(404, {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    /** Plays the user approving the sign-in at the provider: returns the code for the callback. */
    authorize(location: string, claims: Record<string, unknown>): { code: string; state: string } {
      const url = new URL(location);
      const code = randomBytes(12).toString('hex');
      grants.set(code, {
        challenge: url.searchParams.get('code_challenge')!,
        nonce: url.searchParams.get('nonce')!,
        claims,
      });
      return { code, state: url.searchParams.get('state')! };
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

describe.each(STORES)('single sign-on (%s)', (store) => {
  let svc: TestService;
  let idp: Awaited<ReturnType<typeof provider>>;
  beforeAll(async () => {
    idp = await provider();
    svc = await startTestService(
      store,
      { inProcessWorkers: false },
      {
        oidc: {
          issuer: idp.issuer,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUri: `${ORIGIN}/auth/oidc/callback`,
        },
      },
    );
    await createUser(svc.ctx, SYSTEM, {
      email: 'reviewer@agency.example',
      name: 'SSO Reviewer',
      role: 'reviewer',
    });
  });
  afterAll(async () => {
    await svc?.close();
    await idp?.close();
  });

  /** Runs the flow: login redirect → provider → callback; returns the callback's answer. */
  async function signIn(
    claims: Record<string, unknown>,
    tamper: { state?: string; code?: string; back?: string } = {},
  ) {
    const login = await svc.app.inject({
      method: 'GET',
      url: `/auth/oidc/login${tamper.back === undefined ? '' : `?return=${encodeURIComponent(tamper.back)}`}`,
    });
    expect(login.statusCode, login.body.slice(0, 300)).toBe(302);
    const flow = login.cookies.find((c) => c.name === '__Host-vacsrp_oidc')!;
    expect(flow.httpOnly).toBe(true);
    const { code, state } = idp.authorize(login.headers.location as string, claims);
    return svc.app.inject({
      method: 'GET',
      url: `/auth/oidc/callback?code=${tamper.code ?? code}&state=${tamper.state ?? state}`,
      headers: { cookie: `__Host-vacsrp_oidc=${flow.value}` },
    });
  }
  const me = async (res: { cookies: { name: string; value: string }[] }) => {
    const session = res.cookies.find((c) => c.name === SESSION_COOKIE);
    if (session === undefined) return undefined;
    return (
      await svc.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { cookie: `${SESSION_COOKIE}=${session.value}` },
      })
    ).json();
  };

  it('links the verified e-mail on first sign-in, then matches the subject', async () => {
    const first = await signIn(
      { sub: 'user-1', email: 'Reviewer@agency.example', email_verified: true },
      { back: '/reviewer' },
    );
    expect(first.statusCode).toBe(302);
    expect(first.headers.location).toBe('/reviewer');
    expect((await me(first))?.email).toBe('reviewer@agency.example');
    // The provider now reports another address: the linked subject still signs in.
    const again = await signIn({ sub: 'user-1', email: 'renamed@agency.example', email_verified: false });
    expect((await me(again))?.email).toBe('reviewer@agency.example');
    const audit = await svc.ctx.db.selectFrom('audit_log').select('event').execute();
    expect(audit.filter((e) => e.event.includes('"via":"oidc"'))).toHaveLength(2);
  });

  it('refuses unverified, unknown, forged and cross-site sign-ins', async () => {
    const unverified = await signIn({
      sub: 'user-2',
      email: 'reviewer@agency.example',
      email_verified: false,
    });
    expect(unverified.statusCode).toBe(401);
    const unknown = await signIn({ sub: 'user-3', email: 'stranger@agency.example', email_verified: true });
    expect(unknown.statusCode).toBe(401);
    // A code the provider never issued (or already redeemed) is refused at the token endpoint.
    const forged = await signIn({ sub: 'user-1', email_verified: true }, { code: 'never-issued' });
    expect(forged.statusCode).toBe(401);
    const wrongState = await signIn({ sub: 'user-1', email_verified: true }, { state: 'attacker-state' });
    expect(wrongState.statusCode).toBe(401);
    for (const res of [unverified, unknown, forged, wrongState]) expect(await me(res)).toBeUndefined();
    const noFlow = await svc.app.inject({ method: 'GET', url: '/auth/oidc/callback?code=x&state=y' });
    expect(noFlow.statusCode).toBe(400);
  });

  it('only returns to local paths', () => {
    expect(safeReturnPath('/submissions/1')).toBe('/submissions/1');
    for (const bad of [
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
      '/a b',
    ]) {
      expect(safeReturnPath(bad)).toBe('/');
    }
  });
});
