/**
 * Public summary preview and approval, completion with its attestation, the registry and report
 * downloads, on SQLite and PostgreSQL, over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../src/store/audit.js';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';
import { reviewToFinalReport } from './outputs-fixture.js';

describe.each(STORES)('program outputs (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  const call = async (
    user: Cast['admin'] | undefined,
    method: 'GET' | 'POST',
    url: string,
    body?: object,
  ) => {
    const res = await svc.app.inject({
      method,
      url,
      headers: user === undefined ? {} : bearer(cast, user),
      ...(body === undefined ? {} : { payload: body }),
    });
    return {
      status: res.statusCode,
      res,
      json: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : undefined,
    };
  };
  const audited = async (what: string) =>
    (await readAudit(svc.ctx.db, { limit: 100_000 })).filter((e) => e.event.what === what).length;

  it('previews, approves, completes with an attestation and lists the review in the registry', async () => {
    const r = await reviewToFinalReport(svc, cast, { modelName: 'flow-model' });
    const url = `/api/v1/submissions/${r.submissionId}/public-summary`;
    const previews = await audited('public-summary.previewed');
    const got: Record<string, number> = {};
    for (const [party, user] of Object.entries({
      public: undefined,
      own: cast.submitterA,
      other: cast.submitterB,
      assigned: cast.reviewer1,
      unassigned: cast.reviewer3,
      admin: cast.admin,
      officer: cast.officer,
    })) {
      got[party] = (await call(user, 'GET', url)).status;
    }
    expect(got).toEqual({
      public: 401,
      own: 200,
      other: 404,
      assigned: 200,
      unassigned: 404,
      admin: 200,
      officer: 403,
    });
    expect(await audited('public-summary.previewed')).toBe(previews + 3);

    const draft = await call(cast.submitterA, 'GET', url);
    expect(draft.json.state).toBe('draft');
    expect(draft.json.approvedAt).toBeNull();
    expect(draft.json.summary.model).toEqual({ name: 'flow-model', vendor: 'Org A' });
    expect(draft.json.summary.acceptedRisks).toHaveLength(1);

    // Completing needs the approved summary; only administrators approve.
    const early = await call(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/transitions`, {
      action: 'complete',
    });
    expect(early.status).toBe(409);
    expect(early.json.reason).toBe('SUMMARY_NOT_APPROVED');
    expect((await call(cast.submitterA, 'POST', url)).status).toBe(403);
    expect((await call(cast.reviewer1, 'POST', url)).status).toBe(403);
    expect((await call(cast.submitterB, 'POST', url)).status).toBe(404);
    const approved = await call(cast.admin, 'POST', url);
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(approved.json.state).toBe('approved');
    expect(approved.json.approvedAt).toEqual(expect.any(String));
    expect((await call(cast.admin, 'POST', url)).json.reason).toBe('ALREADY_APPROVED');
    expect((await call(cast.submitterA, 'GET', url)).json.state).toBe('approved');

    // Not in the registry before completion; no attestation yet.
    const before = await call(undefined, 'GET', `/api/v1/registry?digest=sha256:${r.digests[0]}`);
    expect(before.json.entries).toEqual([]);
    expect(
      (await call(cast.submitterA, 'GET', `/api/v1/submissions/${r.submissionId}/attestation`)).status,
    ).toBe(404);

    const done = await call(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/transitions`, {
      action: 'complete',
    });
    expect(done.status, JSON.stringify(done.json)).toBe(200);
    expect(done.json.state).toBe('completed');
    expect(await audited('attestation.issued')).toBeGreaterThan(0);

    const att = await call(cast.submitterA, 'GET', `/api/v1/submissions/${r.submissionId}/attestation`);
    expect(att.status).toBe(200);
    expect(att.json.status).toBe('valid');
    expect(att.json.revision).toBe(1);
    expect(
      (await call(cast.submitterB, 'GET', `/api/v1/submissions/${r.submissionId}/attestation`)).status,
    ).toBe(404);

    const entry = await call(undefined, 'GET', `/api/v1/registry/${att.json.registryEntryId}`);
    expect(entry.status).toBe(200);
    expect(entry.json.vendor).toBe('Org A');
    expect(entry.json.model).toEqual({ name: 'flow-model', version: '2.0.0' });
    expect(entry.json.digests).toEqual(r.digests.map((d) => `sha256:${d}`));
    expect(entry.json.summary).toEqual(approved.json.summary);
    expect(entry.json.attestation.envelope).toBe(att.json.envelope);
    expect(entry.res.headers['cache-control']).toBe('no-store');
  });

  it('searches the registry by digest, vendor and model name, page by page', async () => {
    const made = [];
    for (const name of ['search-alpha', 'search-beta']) {
      const r = await reviewToFinalReport(svc, cast, { modelName: name });
      expect(
        (await call(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/public-summary`)).status,
      ).toBe(200);
      const done = await call(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/transitions`, {
        action: 'complete',
      });
      expect(done.status).toBe(200);
      made.push(r);
    }
    const [alpha, beta] = made as [(typeof made)[0], (typeof made)[0]];
    const byDigest = await call(
      undefined,
      'GET',
      `/api/v1/registry?digest=sha256:${beta.digests[1]!.toUpperCase()}`,
    );
    expect(byDigest.status).toBe(200);
    expect(byDigest.json.entries.map((e: { model: { name: string } }) => e.model.name)).toEqual([
      'search-beta',
    ]);
    expect(
      (await call(undefined, 'GET', `/api/v1/registry?digest=sha256:${'0'.repeat(64)}`)).json.entries,
    ).toEqual([]);
    expect((await call(undefined, 'GET', '/api/v1/registry?digest=sha256:abc')).status).toBe(400);
    expect((await call(undefined, 'GET', '/api/v1/registry?limit=0')).status).toBe(400);
    expect((await call(undefined, 'GET', '/api/v1/registry?limit=101')).status).toBe(400);
    expect((await call(undefined, 'GET', '/api/v1/registry?cursor=not-ours')).status).toBe(400);

    const byModel = await call(undefined, 'GET', '/api/v1/registry?model=SEARCH-ALPHA');
    expect(byModel.json.entries.map((e: { model: { name: string } }) => e.model.name)).toEqual([
      'search-alpha',
    ]);
    // Search text is literal: LIKE wildcards match nothing but themselves.
    expect((await call(undefined, 'GET', '/api/v1/registry?model=search%25')).json.entries).toEqual([]);
    expect((await call(undefined, 'GET', '/api/v1/registry?model=search_alpha')).json.entries).toEqual([]);
    expect((await call(undefined, 'GET', '/api/v1/registry?vendor=org%20b')).json.entries).toEqual([]);

    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { entries: { model: { name: string } }[]; next: string | null } } = await call(
        undefined,
        'GET',
        `/api/v1/registry?vendor=org%20a&model=search-&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      expect(page.json.entries.length).toBeLessThanOrEqual(1);
      names.push(...page.json.entries.map((e) => e.model.name));
      cursor = page.json.next;
    } while (cursor !== null);
    expect(names.sort()).toEqual(['search-alpha', 'search-beta']);
    expect(alpha.submissionId).not.toBe(beta.submissionId);
  });

  it('documents every output route in the OpenAPI document, with resolvable references', async () => {
    const res = await call(undefined, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json as {
      openapi: string;
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      components?: { schemas?: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const expected: [string, string][] = [
      ['/.well-known/vacsrp/jwks.json', 'get'],
      ['/.well-known/vacsrp/revocations.json', 'get'],
      ['/api/v1/registry', 'get'],
      ['/api/v1/registry/{entryId}', 'get'],
      ['/api/v1/submissions/{id}/public-summary', 'get'],
      ['/api/v1/submissions/{id}/public-summary', 'post'],
      ['/api/v1/submissions/{id}/revisions/{revision}/report', 'get'],
      ['/api/v1/submissions/{id}/attestation', 'get'],
      ['/api/v1/attestations/{id}/revocation', 'post'],
      ['/api/v1/program-keys/rotation', 'post'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op?.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(1);
    }
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) {
      expect(doc.components?.schemas?.[m[1]!], m[1]).toBeDefined();
    }
  });

  it('approval waits for the final report', async () => {
    const { buildWorld } = await import('./helpers/world.js');
    const w = await buildWorld(svc, cast);
    const res = await call(cast.admin, 'POST', `/api/v1/submissions/${w.submissionId}/public-summary`);
    expect(res.status).toBe(409);
    expect(res.json.reason).toBe('WRONG_STATE');
  });

  it('serves the confidential report in every format to the owner, reviewers and administrators, audited', async () => {
    const r = await reviewToFinalReport(svc, cast, { modelName: 'report-model' });
    const base = `/api/v1/submissions/${r.submissionId}/revisions/1/report`;
    const types: Record<string, string> = {
      json: 'application/json',
      html: 'text/html',
      pdf: 'application/pdf',
      'oscal-assessment-results': 'application/json',
      'oscal-poam': 'application/json',
    };
    const before = await audited('report.downloaded');
    for (const [format, type] of Object.entries(types)) {
      const res = await call(cast.submitterA, 'GET', `${base}?format=${format}`);
      expect(res.status, `${format}: ${res.res.body.slice(0, 300)}`).toBe(200);
      expect(res.res.headers['content-type']).toContain(type);
      expect(res.res.headers['content-disposition']).toMatch(
        new RegExp(`^attachment; filename="vacsrp-${r.submissionId}-r1-[a-z.-]+"$`),
      );
      if (format === 'pdf') expect(res.res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      if (format === 'html') {
        expect(res.res.body).toContain('<html');
        expect(res.res.headers['content-security-policy']).toContain("default-src 'none'");
      }
      if (format === 'json') {
        expect(res.json.submission.id).toBe(r.submissionId);
        expect(res.json.findings).toHaveLength(2);
      }
      if (format === 'oscal-poam') expect(res.json['plan-of-action-and-milestones']).toBeDefined();
      if (format === 'oscal-assessment-results') expect(res.json['assessment-results']).toBeDefined();
    }
    expect(await audited('report.downloaded')).toBe(before + 5);
    expect((await call(cast.reviewer1, 'GET', `${base}?format=json`)).status).toBe(200);
    expect((await call(cast.admin, 'GET', base)).res.headers['content-type']).toContain('application/json');
    expect((await call(cast.submitterB, 'GET', `${base}?format=json`)).status).toBe(404);
    expect((await call(cast.reviewer3, 'GET', `${base}?format=json`)).status).toBe(404);
    expect((await call(cast.officer, 'GET', `${base}?format=json`)).status).toBe(403);
    expect((await call(undefined, 'GET', `${base}?format=json`)).status).toBe(401);
    expect((await call(cast.submitterA, 'GET', `${base}?format=docx`)).status).toBe(400);
    expect(
      (await call(cast.submitterA, 'GET', `/api/v1/submissions/${r.submissionId}/revisions/2/report`)).status,
    ).toBe(404);
    expect(await audited('report.downloaded')).toBe(before + 7);
  });
});
