/**
 * The page matrix: every web route (pages, form posts, assets) × every party, with the exact answer
 * — a status, or a redirect with the path it goes to. Pages call the same use cases as the API, so
 * this mirrors test/service-authz.test.ts; a served page route without a row fails here.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../src/app/identity.js';
import { demoPackage } from '../src/demo/package.js';
import { buildApp } from '../src/http/app.js';
import { CONTENT_SECURITY_POLICY, csrfFor, PRE_SESSION_COOKIE } from '../src/web/kit.js';
import {
  type Cast,
  isApiRoute,
  PASSWORD,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';
import { buildWorld, PARTIES, type Party, partyUser, type World } from './helpers/world.js';

/** A status, or `303 /path` for a redirect (ids in the path written as :id, the query left off). */
type Answer = number | string;
type Expect = Readonly<Record<Party, Answer>>;
type W = World;

interface Row {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly path: (w: W, c: Cast) => string;
  readonly form?: (w: W, c: Cast) => Record<string, string>;
  readonly expect: Expect;
  /** A new world for each party: the route changes state another party's answer depends on. */
  readonly fresh?: boolean;
  /** A new session for each party: the route ends the session. */
  readonly freshSession?: boolean;
}

const SIGN_IN_GET = '302 /sign-in';
const SIGN_IN_POST = '303 /sign-in';
const ALL = (a: Answer): Expect => ({
  public: a,
  own: a,
  other: a,
  assigned: a,
  unassigned: a,
  admin: a,
  officer: a,
});
const USERS = (a: Answer, anonymous: Answer): Expect => ({ ...ALL(a), public: anonymous });
const CONFIDENTIAL: Expect = {
  public: SIGN_IN_GET,
  own: 200,
  other: 404,
  assigned: 200,
  unassigned: 404,
  admin: 200,
  officer: 403,
};
const ADMIN_ONLY = (a: Answer, anonymous = SIGN_IN_GET): Expect => ({
  public: anonymous,
  own: 403,
  other: 403,
  assigned: 403,
  unassigned: 403,
  admin: a,
  officer: 403,
});
const SUBMITTERS = (a: Answer, anonymous = SIGN_IN_GET): Expect => ({
  public: anonymous,
  own: a,
  other: a,
  assigned: 403,
  unassigned: 403,
  admin: 403,
  officer: 403,
});
const REVIEWERS = (a: Answer, anonymous = SIGN_IN_GET): Expect => ({
  public: anonymous,
  own: 403,
  other: 403,
  assigned: a,
  unassigned: a,
  admin: 403,
  officer: 403,
});

const ROWS: Row[] = [
  { method: 'GET', url: '/', path: () => '/', expect: ALL(200) },
  { method: 'GET', url: '/sign-in', path: () => '/sign-in', expect: ALL(200) },
  {
    method: 'POST',
    url: '/sign-in',
    path: () => '/sign-in',
    form: (_w, c) => ({ email: c.submitterA.email, password: PASSWORD }),
    expect: ALL('303 /'),
  },
  {
    method: 'POST',
    url: '/sign-out',
    path: () => '/sign-out',
    freshSession: true,
    expect: USERS('303 /', SIGN_IN_POST),
  },
  { method: 'GET', url: '/account', path: () => '/account', expect: USERS(200, SIGN_IN_GET) },
  {
    method: 'POST',
    url: '/account/tokens',
    path: () => '/account/tokens',
    form: () => ({ name: 'laptop', expiresInDays: '30' }),
    expect: USERS(200, SIGN_IN_POST),
  },
  {
    method: 'POST',
    url: '/account/tokens/:id/revoke',
    path: (w) => `/account/tokens/${w.tokenId}/revoke`,
    fresh: true,
    expect: { ...USERS(404, SIGN_IN_POST), own: '303 /account' },
  },
  { method: 'GET', url: '/organisation', path: () => '/organisation', expect: SUBMITTERS(200) },
  {
    method: 'GET',
    url: '/submissions',
    path: () => '/submissions',
    expect: { ...USERS(200, SIGN_IN_GET), officer: 403 },
  },
  { method: 'GET', url: '/submissions/new', path: () => '/submissions/new', expect: SUBMITTERS(200) },
  {
    method: 'POST',
    url: '/submissions',
    path: () => '/submissions',
    form: () => ({ mode: 'manifest', manifest: demoPackage().manifest }),
    expect: SUBMITTERS('303 /submissions/:id/upload', SIGN_IN_POST),
  },
  {
    method: 'GET',
    url: '/submissions/:id',
    path: (w) => `/submissions/${w.submissionId}`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/submissions/:id/transitions',
    path: (w) => `/submissions/${w.submissionId}/transitions`,
    form: () => ({ action: 'sign-off' }),
    fresh: true,
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: '303 /submissions/:id',
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  {
    method: 'GET',
    url: '/submissions/:id/upload',
    path: (w) => `/submissions/${w.draftId}/upload`,
    expect: { ...CONFIDENTIAL, assigned: 404, admin: 403 },
  },
  {
    method: 'GET',
    url: '/submissions/:id/revisions/new',
    path: (w) => `/submissions/${w.submissionId}/revisions/new`,
    expect: { ...CONFIDENTIAL, assigned: 403, admin: 403 },
  },
  {
    method: 'POST',
    url: '/submissions/:id/revisions',
    path: (w) => `/submissions/${w.submissionId}/revisions`,
    form: () => ({ manifest: demoPackage({ version: '1.0.1' }).manifest }),
    expect: {
      public: SIGN_IN_POST,
      own: '303 /submissions/:id/revisions/new',
      other: 404,
      assigned: 403,
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  {
    method: 'POST',
    url: '/submissions/:id/decisions',
    path: (w) => `/submissions/${w.submissionId}/decisions`,
    form: () => ({ kind: 'remediate', justification: 'we will fix it' }),
    fresh: true,
    expect: {
      public: SIGN_IN_POST,
      own: '303 /submissions/:id',
      other: 404,
      assigned: 403,
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  { method: 'GET', url: '/findings/:id', path: (w) => `/findings/${w.findingId}`, expect: CONFIDENTIAL },
  {
    method: 'POST',
    url: '/findings/:id/resolution',
    path: (w) => `/findings/${w.findingId}/resolution`,
    form: () => ({ type: 'mark-false-positive', rationale: 'not exploitable' }),
    fresh: true,
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: '303 /findings/:id',
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  {
    method: 'POST',
    url: '/findings/:id/comments',
    path: (w) => `/findings/${w.findingId}/comments`,
    form: () => ({ body: 'noted' }),
    expect: {
      public: SIGN_IN_POST,
      own: '303 /findings/:id',
      other: 404,
      assigned: '303 /findings/:id',
      unassigned: 404,
      admin: '303 /findings/:id',
      officer: 403,
    },
  },
  {
    method: 'GET',
    url: '/findings/:id/evidence/:evidenceId',
    path: (w) => `/findings/${w.findingId}/evidence/${w.evidenceId}`,
    expect: CONFIDENTIAL,
  },
  { method: 'GET', url: '/queue', path: () => '/queue', expect: REVIEWERS(200) },
  { method: 'GET', url: '/disclosures', path: () => '/disclosures', expect: REVIEWERS(200) },
  {
    method: 'POST',
    url: '/disclosures',
    path: () => '/disclosures',
    form: (_w, c) => ({ kind: 'advisory', organisationId: c.orgB.id, from: '2020-01-01', to: '2020-12-31' }),
    expect: REVIEWERS('303 /disclosures', SIGN_IN_POST),
  },
  {
    method: 'GET',
    url: '/submissions/:id/workbench',
    path: (w) => `/submissions/${w.submissionId}/workbench`,
    expect: { ...CONFIDENTIAL, own: 403 },
  },
  {
    method: 'POST',
    url: '/submissions/:id/findings',
    path: (w) => `/submissions/${w.submissionId}/findings`,
    form: () => ({
      criterionId: 'AR-4',
      severity: 'low',
      title: 't',
      description: 'd',
      remediation: 'r',
      method: 'code-inspection',
    }),
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: '303 /findings/:id',
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  {
    method: 'POST',
    url: '/submissions/:id/criterion-outcomes',
    path: (w) => `/submissions/${w.submissionId}/criterion-outcomes`,
    form: () => ({ criterionId: 'AR-5', outcome: 'not-applicable', note: 'offline only' }),
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: '303 /submissions/:id/workbench',
      unassigned: 404,
      admin: 403,
      officer: 403,
    },
  },
  {
    method: 'POST',
    url: '/submissions/:id/recusals',
    path: (w) => `/submissions/${w.submissionId}/recusals`,
    form: (_w, c) => ({ reviewerId: c.reviewer1.id, reason: 'former colleague' }),
    fresh: true,
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: '303 /queue',
      unassigned: 404,
      admin: '303 /submissions/:id/assignments',
      officer: 403,
    },
  },
  {
    method: 'GET',
    url: '/submissions/:id/assignments',
    path: (w) => `/submissions/${w.submissionId}/assignments`,
    expect: { ...CONFIDENTIAL, own: 403, assigned: 403 },
  },
  {
    method: 'POST',
    url: '/submissions/:id/assignments',
    path: (w) => `/submissions/${w.submissionId}/assignments`,
    form: (_w, c) => ({ reviewerId: c.reviewer1.id }),
    expect: ADMIN_ONLY('303 /submissions/:id/assignments', SIGN_IN_POST),
  },
  { method: 'GET', url: '/admin/reviewers', path: () => '/admin/reviewers', expect: ADMIN_ONLY(200) },
  { method: 'GET', url: '/admin/criteria', path: () => '/admin/criteria', expect: ADMIN_ONLY(200) },
  { method: 'GET', url: '/admin/annual-report', path: () => '/admin/annual-report', expect: ADMIN_ONLY(200) },
  { method: 'GET', url: '/admin/users', path: () => '/admin/users', expect: ADMIN_ONLY(200) },
  {
    method: 'POST',
    url: '/admin/users',
    path: () => '/admin/users',
    form: () => ({
      email: `u-${randomUUID()}@x.example`,
      name: 'New',
      role: 'reviewer',
      organisationId: '',
      password: 'a long enough password',
    }),
    expect: ADMIN_ONLY('303 /admin/users', SIGN_IN_POST),
  },
  {
    method: 'POST',
    url: '/admin/organisations',
    path: () => '/admin/organisations',
    form: () => ({ name: `Org ${randomUUID()}`, type: 'academic-lab', sizeBand: '1-9', sector: 'research' }),
    expect: ADMIN_ONLY('303 /admin/users', SIGN_IN_POST),
  },
  { method: 'GET', url: '/admin/audit', path: () => '/admin/audit', expect: ADMIN_ONLY(200) },
  {
    method: 'GET',
    url: '/admin/audit/verification',
    path: () => '/admin/audit/verification',
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'GET',
    url: '/submissions/:id/summary',
    path: (w) => `/submissions/${w.submissionId}/summary`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/submissions/:id/summary/approval',
    path: (w) => `/submissions/${w.submissionId}/summary/approval`,
    expect: {
      public: SIGN_IN_POST,
      own: 403,
      other: 404,
      assigned: 403,
      unassigned: 404,
      // Findings are issued, not yet the final report: the refusal goes back to the preview.
      admin: '303 /submissions/:id/summary',
      officer: 403,
    },
  },
  {
    method: 'POST',
    url: '/attestations/:id/revocation',
    path: () => `/attestations/${randomUUID()}/revocation`,
    form: () => ({ reason: 'superseded' }),
    expect: ADMIN_ONLY(404, SIGN_IN_POST),
  },
  { method: 'GET', url: '/registry', path: () => '/registry?vendor=Org', expect: ALL(200) },
  { method: 'GET', url: '/registry/:entryId', path: () => `/registry/${randomUUID()}`, expect: ALL(404) },
  {
    method: 'GET',
    url: '/registry/:entryId/attestation.json',
    path: () => `/registry/${randomUUID()}/attestation.json`,
    expect: ALL(404),
  },
  { method: 'GET', url: '/dashboard', path: () => '/dashboard', expect: ALL(200) },
  { method: 'GET', url: '/assets/uswds/*', path: () => '/assets/uswds/css/uswds.min.css', expect: ALL(200) },
  { method: 'GET', url: '/assets/web/:name', path: () => '/assets/web/site.css', expect: ALL(200) },
];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** The host inject() sends, so the Origin header of a form post is same-origin. */
const ORIGIN = 'http://localhost:80';

export interface Browserish {
  cookie: string;
  csrf: string;
}

describe.each(STORES)('web page matrix (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let shared: W;
  const sessions = new Map<Party, Browserish>();

  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
    shared = await world();
    for (const party of PARTIES) sessions.set(party, await sessionOf(party));
  });
  afterAll(async () => svc?.close());

  const world = () => buildWorld(svc, cast);

  const userOf = (party: Party) => partyUser(cast, party);

  async function sessionOf(party: Party): Promise<Browserish> {
    const user = userOf(party);
    if (user === undefined) {
      const pre = 'p'.repeat(43);
      return { cookie: `${PRE_SESSION_COOKIE}=${pre}`, csrf: csrfFor(pre) };
    }
    const s = await login(svc.ctx, { email: user.email, password: PASSWORD }, 'test');
    return { cookie: `__Host-vacsrp_session=${s.token}`, csrf: csrfFor(s.token) };
  }

  const answerOf = (res: { statusCode: number; headers: Record<string, unknown> }): Answer => {
    if (res.statusCode < 300 || res.statusCode >= 400) return res.statusCode;
    const location = String(res.headers.location ?? '');
    return `${res.statusCode} ${location.split('?')[0]!.replace(UUID, ':id')}`;
  };

  it('has exactly one row per page route the server answers', () => {
    const served = svc.app.routeTable
      .filter((r) => !isApiRoute(r.url))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(ROWS.map((r) => `${r.method} ${r.url}`).sort()).toEqual(served);
  });

  it.each(ROWS.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', async (_name, row) => {
    const got: Record<string, Answer> = {};
    for (const party of PARTIES) {
      const w = row.fresh === true ? await world() : shared;
      const session = row.freshSession === true ? await sessionOf(party) : sessions.get(party)!;
      const form = row.method === 'POST' ? { ...row.form?.(w, cast), _csrf: session.csrf } : undefined;
      const res = await svc.app.inject({
        method: row.method,
        url: row.path(w, cast),
        headers: {
          cookie: session.cookie,
          ...(form === undefined
            ? {}
            : { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }),
        },
        ...(form === undefined ? {} : { payload: new URLSearchParams(form).toString() }),
      });
      got[party] = answerOf(res);
      if (res.statusCode >= 400) {
        expect(res.headers['content-type']).toContain('text/html');
        expect(res.body).toContain('<!DOCTYPE html>');
      }
    }
    expect(got).toEqual(row.expect);
  });

  it('sends the security headers on every page', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/' });
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    // No inline scripts or style attributes anywhere in our markup.
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\sstyle=/);
  });

  it('refuses a form post without the CSRF token, or with another session’s, or from another origin', async () => {
    const own = sessions.get('own')!;
    const admin = sessions.get('admin')!;
    const post = (cookie: string, body: Record<string, string>, origin = ORIGIN) =>
      svc.app.inject({
        method: 'POST',
        url: '/account/tokens',
        headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(body).toString(),
      });
    expect((await post(own.cookie, { name: 'x' })).statusCode).toBe(403);
    expect((await post(own.cookie, { name: 'x', _csrf: admin.csrf })).statusCode).toBe(403);
    expect((await post(own.cookie, { name: 'x', _csrf: own.csrf }, 'https://evil.example')).statusCode).toBe(
      403,
    );
    expect((await post(own.cookie, { name: 'x', _csrf: own.csrf })).statusCode).toBe(200);
  });

  it('sends people back only to local paths after signing in', async () => {
    const pub = sessions.get('public')!;
    const signIn = async (next: string) => {
      const res = await svc.app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { cookie: pub.cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          email: cast.admin.email,
          password: PASSWORD,
          next,
          _csrf: pub.csrf,
        }).toString(),
      });
      return res.headers.location;
    };
    expect(await signIn('/admin/audit')).toBe('/admin/audit');
    for (const evil of [
      '//evil.example/x',
      'https://evil.example',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      expect(await signIn(evil)).toBe('/');
    }
    const wrong = await svc.app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: pub.cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: cast.admin.email,
        password: 'wrong',
        _csrf: pub.csrf,
      }).toString(),
    });
    expect(wrong.statusCode).toBe(303);
    expect(wrong.headers.location).toBe('/sign-in');
    // The reason travels as a flash message and is shown once on the next page.
    const cookie = String(wrong.headers['set-cookie']).match(/__Host-vacsrp_flash=([^;]+)/)?.[1];
    const page = await svc.app.inject({
      method: 'GET',
      url: '/sign-in',
      headers: { cookie: `${pub.cookie}; __Host-vacsrp_flash=${cookie}` },
    });
    expect(page.body).toContain('wrong e-mail address or password');
  });

  it('offers single sign-on on the sign-in page only when a provider is configured', async () => {
    const plain = await svc.app.inject({ method: 'GET', url: '/sign-in?next=/queue' });
    expect(plain.body).not.toContain('/auth/oidc/login');
    const app = await buildApp(svc.ctx, {
      oidc: {
        issuer: 'http://127.0.0.1:9/',
        clientId: 'vacsrp',
        clientSecret: 'not used here',
        redirectUri: 'http://localhost/auth/oidc/callback',
      },
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/sign-in?next=/queue' });
      expect(res.body).toContain('href="/auth/oidc/login?return=%2Fqueue"');
    } finally {
      await app.close();
    }
  });

  it('answers a page for a malformed or missing id with the 404 page', async () => {
    const own = sessions.get('own')!;
    for (const url of [
      '/submissions/not-an-id',
      `/submissions/${randomUUID()}`,
      `/findings/${randomUUID()}`,
    ]) {
      const res = await svc.app.inject({ method: 'GET', url, headers: { cookie: own.cookie } });
      expect(res.statusCode).toBe(404);
      expect(res.body).toContain('Page not found');
    }
  });
});
