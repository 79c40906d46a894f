/**
 * The authorisation matrix: every route the server answers × every role, with the submitter of the
 * owning organisation and of another one, an assigned and an unassigned reviewer. Each cell is the
 * exact status. The routes come from the server itself, so a new route without a row fails here.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { demoPackage } from '../src/demo/package.js';
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

type Expect = Readonly<Record<Party, number>>;

interface Row {
  readonly method: string;
  readonly url: string;
  readonly path: (w: World, c: Cast) => string;
  readonly body?: (w: World, c: Cast) => unknown;
  readonly contentType?: string;
  readonly headers?: Record<string, string>;
  readonly expect: Expect;
  /** A new world for each party: the route changes state another party's answer depends on. */
  readonly fresh?: boolean;
}

/** The confidential-read pattern: owner, assigned reviewer and administrators; others as if missing. */
const CONFIDENTIAL: Expect = {
  public: 401,
  own: 200,
  other: 404,
  assigned: 200,
  unassigned: 404,
  admin: 200,
  officer: 403,
};
const ANY_USER = (status: number): Expect => ({
  public: 401,
  own: status,
  other: status,
  assigned: status,
  unassigned: status,
  admin: status,
  officer: status,
});
const ADMIN_ONLY = (status: number): Expect => ({
  public: 401,
  own: 403,
  other: 403,
  assigned: 403,
  unassigned: 403,
  admin: status,
  officer: 403,
});

const ROWS: Row[] = [
  {
    method: 'GET',
    url: '/healthz',
    path: () => '/healthz',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/openapi.json',
    path: () => '/api/openapi.json',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'POST',
    url: '/api/v1/sessions',
    path: () => '/api/v1/sessions',
    body: (_w, c) => ({ email: c.submitterA.email, password: PASSWORD }),
    expect: { public: 201, own: 201, other: 201, assigned: 201, unassigned: 201, admin: 201, officer: 201 },
  },
  {
    method: 'DELETE',
    url: '/api/v1/sessions/current',
    path: () => '/api/v1/sessions/current',
    expect: ANY_USER(204),
  },
  { method: 'GET', url: '/api/v1/me', path: () => '/api/v1/me', expect: ANY_USER(200) },
  { method: 'GET', url: '/api/v1/tokens', path: () => '/api/v1/tokens', expect: ANY_USER(200) },
  {
    method: 'POST',
    url: '/api/v1/tokens',
    path: () => '/api/v1/tokens',
    body: () => ({ name: 'ci' }),
    expect: ANY_USER(201),
  },
  {
    method: 'DELETE',
    url: '/api/v1/tokens/:id',
    path: (w) => `/api/v1/tokens/${w.tokenId}`,
    fresh: true,
    expect: { public: 401, own: 204, other: 404, assigned: 404, unassigned: 404, admin: 404, officer: 404 },
  },
  { method: 'GET', url: '/api/v1/users', path: () => '/api/v1/users', expect: ADMIN_ONLY(200) },
  {
    method: 'POST',
    url: '/api/v1/users',
    path: () => '/api/v1/users',
    body: () => ({ email: `u-${randomUUID()}@x.example`, name: 'New', role: 'reviewer' }),
    expect: ADMIN_ONLY(201),
  },
  {
    method: 'GET',
    url: '/api/v1/organisations',
    path: () => '/api/v1/organisations',
    expect: { public: 401, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/organisations',
    path: () => '/api/v1/organisations',
    body: () => ({ name: `Org ${randomUUID()}`, type: 'academic-lab', sizeBand: '1-9', sector: 'research' }),
    expect: ADMIN_ONLY(201),
  },
  {
    method: 'GET',
    url: '/api/v1/organisations/:id',
    path: (_w, c) => `/api/v1/organisations/${c.orgA.id}`,
    expect: { public: 401, own: 200, other: 404, assigned: 200, unassigned: 200, admin: 200, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions',
    path: () => '/api/v1/submissions',
    expect: { public: 401, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/submissions',
    path: () => '/api/v1/submissions',
    body: () => ({ manifest: demoPackage().manifest }),
    expect: { public: 401, own: 201, other: 201, assigned: 403, unassigned: 403, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id',
    path: (w) => `/api/v1/submissions/${w.submissionId}`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/transitions',
    path: (w) => `/api/v1/submissions/${w.submissionId}/transitions`,
    body: () => ({ action: 'sign-off' }),
    fresh: true,
    expect: { public: 401, own: 403, other: 404, assigned: 200, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/revisions',
    path: (w) => `/api/v1/submissions/${w.submissionId}/revisions`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/revisions',
    path: (w) => `/api/v1/submissions/${w.submissionId}/revisions`,
    body: () => ({ manifest: demoPackage({ version: '1.0.1' }).manifest }),
    expect: { public: 401, own: 409, other: 404, assigned: 403, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/revisions/:revision/manifest',
    path: (w) => `/api/v1/submissions/${w.submissionId}/revisions/1/manifest`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/revisions/:revision/artifacts',
    path: (w) => `/api/v1/submissions/${w.submissionId}/revisions/1/artifacts`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/artifacts/:id/upload',
    path: (w) => `/api/v1/artifacts/${w.artifactId}/upload`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'PATCH',
    url: '/api/v1/artifacts/:id/upload',
    path: (w) => `/api/v1/artifacts/${w.pendingArtifactId}/upload`,
    body: (w) => w.pendingBytes,
    contentType: 'application/offset+octet-stream',
    headers: { 'upload-offset': '0' },
    expect: { public: 401, own: 200, other: 404, assigned: 404, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/artifacts/:id/content',
    path: (w) => `/api/v1/artifacts/${w.artifactId}/content`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/scans',
    path: (w) => `/api/v1/submissions/${w.submissionId}/scans`,
    expect: CONFIDENTIAL,
  },
  { method: 'GET', url: '/api/v1/scans/:id', path: (w) => `/api/v1/scans/${w.scanId}`, expect: CONFIDENTIAL },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/findings',
    path: (w) => `/api/v1/submissions/${w.submissionId}/findings`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/findings',
    path: (w) => `/api/v1/submissions/${w.submissionId}/findings`,
    body: () => ({
      criterionId: 'AR-4',
      severity: 'low',
      title: 't',
      description: 'd',
      remediation: 'r',
      method: 'code-inspection',
    }),
    expect: { public: 401, own: 403, other: 404, assigned: 201, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/findings/:id',
    path: (w) => `/api/v1/findings/${w.findingId}`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/findings/:id/resolution',
    path: (w) => `/api/v1/findings/${w.findingId}/resolution`,
    body: () => ({ type: 'mark-false-positive', rationale: 'not exploitable' }),
    fresh: true,
    expect: { public: 401, own: 403, other: 404, assigned: 200, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/findings/:id/comments',
    path: (w) => `/api/v1/findings/${w.findingId}/comments`,
    body: () => ({ body: 'noted' }),
    expect: { public: 401, own: 201, other: 404, assigned: 201, unassigned: 404, admin: 201, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/findings/:id/evidence',
    path: (w) => `/api/v1/findings/${w.findingId}/evidence?name=log.txt`,
    body: () => Buffer.from('evidence bytes'),
    contentType: 'application/octet-stream',
    expect: { public: 401, own: 403, other: 404, assigned: 201, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/findings/:id/evidence/:evidenceId',
    path: (w) => `/api/v1/findings/${w.findingId}/evidence/${w.evidenceId}`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/decisions',
    path: (w) => `/api/v1/submissions/${w.submissionId}/decisions`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/decisions',
    path: (w) => `/api/v1/submissions/${w.submissionId}/decisions`,
    body: () => ({ kind: 'remediate', justification: 'we will fix it' }),
    fresh: true,
    expect: { public: 401, own: 201, other: 404, assigned: 403, unassigned: 404, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/disclosures',
    path: (_w, c) => `/api/v1/disclosures?reviewer=${c.reviewer1.id}`,
    expect: { public: 401, own: 403, other: 403, assigned: 200, unassigned: 404, admin: 200, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/disclosures',
    path: () => '/api/v1/disclosures',
    body: (_w, c) => ({ kind: 'advisory', organisationId: c.orgB.id, from: '2020-01-01', to: '2020-12-31' }),
    expect: { public: 401, own: 403, other: 403, assigned: 201, unassigned: 201, admin: 403, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/criterion-outcomes',
    path: (w) => `/api/v1/submissions/${w.submissionId}/criterion-outcomes`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/criterion-outcomes',
    path: (w) => `/api/v1/submissions/${w.submissionId}/criterion-outcomes`,
    body: () => ({
      criterionId: 'AR-5',
      outcome: 'not-applicable',
      note: 'The model is not exposed through an API.',
    }),
    expect: { public: 401, own: 403, other: 404, assigned: 201, unassigned: 404, admin: 403, officer: 403 },
  },
  { method: 'GET', url: '/api/v1/reviewers', path: () => '/api/v1/reviewers', expect: ADMIN_ONLY(200) },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/assignments',
    path: (w) => `/api/v1/submissions/${w.submissionId}/assignments`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/assignments/suggestion',
    path: (w) => `/api/v1/submissions/${w.submissionId}/assignments/suggestion`,
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/assignments',
    path: (w) => `/api/v1/submissions/${w.submissionId}/assignments`,
    body: (_w, c) => ({ reviewerId: c.reviewer1.id }),
    expect: ADMIN_ONLY(409),
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/recusals',
    path: (w) => `/api/v1/submissions/${w.submissionId}/recusals`,
    body: (_w, c) => ({ reviewerId: c.reviewer1.id, reason: 'former colleague' }),
    fresh: true,
    expect: { public: 401, own: 403, other: 404, assigned: 201, unassigned: 404, admin: 201, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/declared-relationships',
    path: (w) => `/api/v1/submissions/${w.submissionId}/declared-relationships`,
    body: (_w, c) => ({ reviewerId: c.reviewer3.id, reason: 'advised us last year' }),
    expect: { public: 401, own: 204, other: 404, assigned: 403, unassigned: 404, admin: 403, officer: 403 },
  },
  { method: 'GET', url: '/api/v1/audit', path: () => '/api/v1/audit', expect: ADMIN_ONLY(200) },
  {
    method: 'GET',
    url: '/api/v1/audit/verification',
    path: () => '/api/v1/audit/verification',
    expect: ADMIN_ONLY(200),
  },
  // Public statistics (dashboard, CSV, charts) and the annual report to Congress (administrators).
  {
    method: 'GET',
    url: '/api/v1/dashboard',
    path: () => '/api/v1/dashboard?fiscalYear=2027',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/v1/dashboard.csv',
    path: () => '/api/v1/dashboard.csv?fiscalYear=2027',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/v1/dashboard/charts/:table.svg',
    path: () => '/api/v1/dashboard/charts/completion-status.svg?fiscalYear=2027',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/v1/reports/annual',
    path: () => '/api/v1/reports/annual?fiscalYear=2027&format=markdown',
    expect: ADMIN_ONLY(200),
  },
  // Program outputs: well-known keys and revocations, the public registry, summaries, reports, attestations.
  {
    method: 'GET',
    url: '/.well-known/vacsrp/jwks.json',
    path: () => '/.well-known/vacsrp/jwks.json',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/.well-known/vacsrp/revocations.json',
    path: () => '/.well-known/vacsrp/revocations.json',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/v1/registry',
    path: () => '/api/v1/registry?vendor=org&limit=5',
    expect: { public: 200, own: 200, other: 200, assigned: 200, unassigned: 200, admin: 200, officer: 200 },
  },
  {
    method: 'GET',
    url: '/api/v1/registry/:entryId',
    path: () => `/api/v1/registry/${randomUUID()}`,
    expect: { public: 404, own: 404, other: 404, assigned: 404, unassigned: 404, admin: 404, officer: 404 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/public-summary',
    path: (w) => `/api/v1/submissions/${w.submissionId}/public-summary`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'POST',
    url: '/api/v1/submissions/:id/public-summary',
    path: (w) => `/api/v1/submissions/${w.submissionId}/public-summary`,
    expect: { public: 401, own: 403, other: 404, assigned: 403, unassigned: 404, admin: 409, officer: 403 },
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/revisions/:revision/report',
    path: (w) => `/api/v1/submissions/${w.submissionId}/revisions/1/report?format=json`,
    expect: CONFIDENTIAL,
  },
  {
    method: 'GET',
    url: '/api/v1/submissions/:id/attestation',
    path: (w) => `/api/v1/submissions/${w.submissionId}/attestation`,
    expect: { public: 401, own: 404, other: 404, assigned: 404, unassigned: 404, admin: 404, officer: 403 },
  },
  {
    method: 'POST',
    url: '/api/v1/attestations/:id/revocation',
    path: () => `/api/v1/attestations/${randomUUID()}/revocation`,
    body: () => ({ reason: 'issued-in-error' }),
    expect: ADMIN_ONLY(404),
  },
  {
    method: 'POST',
    url: '/api/v1/program-keys/rotation',
    path: () => '/api/v1/program-keys/rotation',
    body: () => ({}),
    expect: ADMIN_ONLY(201),
  },
];

describe.each(STORES)('authorisation matrix (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let shared: World;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
    shared = await world();
  });
  afterAll(async () => svc?.close());

  const world = () => buildWorld(svc, cast);

  const userOf = (party: Party) => partyUser(cast, party);

  it('has exactly one row per API route the server answers (pages have their own matrix)', () => {
    const served = svc.app.routeTable
      .filter((r) => isApiRoute(r.url))
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    const rows = ROWS.map((r) => `${r.method} ${r.url}`).sort();
    expect(rows).toEqual(served);
  });

  it.each(ROWS.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', async (_name, row) => {
    const got: Record<string, number> = {};
    for (const party of PARTIES) {
      const w = row.fresh === true ? await world() : shared;
      const user = userOf(party);
      const body = row.body?.(w, cast);
      const res = await svc.app.inject({
        method: row.method as 'GET',
        url: row.path(w, cast),
        headers: {
          ...(user === undefined ? {} : { authorization: `Bearer ${cast.tokens[user.id]}` }),
          ...(row.contentType === undefined ? {} : { 'content-type': row.contentType }),
          ...row.headers,
        },
        ...(body === undefined ? {} : { payload: body as string }),
      });
      got[party] = res.statusCode;
      if (res.statusCode >= 400) expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(got).toEqual(row.expect);
  });
});
