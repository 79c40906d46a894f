/**
 * Hostile and broken input at the HTTP boundary: malformed, oversized and unknown-property bodies,
 * invalid manifests, uploads that are too long, wrong, truncated or aimed at the wrong offset,
 * sign-in abuse and cross-site requests. Each gets a clear 4xx problem and leaves no partial state.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../src/app/identity.js';
import { demoPackage } from '../src/demo/package.js';
import {
  bearer,
  type Cast,
  PASSWORD,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';

describe.each(STORES)('bad input (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false, loginRateLimit: 1000 });
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  const counts = async () => ({
    submissions: Number(
      (
        await svc.ctx.db
          .selectFrom('submissions')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    audit: Number(
      (
        await svc.ctx.db
          .selectFrom('audit_log')
          .select((e) => e.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });
  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    svc.app.inject({
      method: 'POST',
      url,
      payload,
      headers: { ...bearer(cast, cast.submitterA), 'content-type': 'application/json', ...headers },
    });
  const problem = (
    res: {
      statusCode: number;
      headers: Record<string, unknown>;
      json: () => { code: string; status: number };
    },
    status: number,
  ) => {
    expect(res.statusCode).toBe(status);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
    expect(res.json().status).toBe(status);
  };

  it('refuses malformed, unknown-property and oversized bodies without creating anything', async () => {
    const before = await counts();
    problem(await post('/api/v1/submissions', '{"manifest": '), 400);
    problem(
      await post('/api/v1/submissions', JSON.stringify({ manifest: demoPackage().manifest, extra: 1 })),
      400,
    );
    problem(await post('/api/v1/submissions', JSON.stringify({ manifest: 42 })), 400);
    problem(
      await post('/api/v1/submissions', JSON.stringify({ manifest: 'x'.repeat(7 * 1024 * 1024) })),
      413,
    );
    problem(
      await post('/api/v1/submissions', 'manifest=x', {
        'content-type': 'application/x-www-form-urlencoded',
      }),
      415,
    );
    const invalid = await post(
      '/api/v1/submissions',
      JSON.stringify({ manifest: 'manifestVersion: 1\nmodel: [' }),
    );
    problem(invalid, 422);
    expect(invalid.json().problems.length).toBeGreaterThan(0);
    const traversal = demoPackage().manifest.replace('path: clean-model/model.pt', 'path: ../../etc/passwd');
    problem(await post('/api/v1/submissions', JSON.stringify({ manifest: traversal })), 422);
    expect(await counts()).toEqual(before);
  });

  async function draft(): Promise<{ id: string; artifactId: string; bytes: Buffer }> {
    const pkg = demoPackage({ which: (f) => f.path.endsWith('model.pt') });
    const created = await post('/api/v1/submissions', JSON.stringify({ manifest: pkg.manifest }));
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const artifacts = await svc.app.inject({
      method: 'GET',
      url: `/api/v1/submissions/${id}/revisions/1/artifacts`,
      headers: bearer(cast, cast.submitterA),
    });
    return { id, artifactId: artifacts.json()[0].id, bytes: Buffer.from(pkg.files[0]!.bytes) };
  }
  const patch = (artifactId: string, payload: Buffer, headers: Record<string, string>) =>
    svc.app.inject({
      method: 'PATCH',
      url: `/api/v1/artifacts/${artifactId}/upload`,
      payload,
      headers: { ...bearer(cast, cast.submitterA), ...headers },
    });
  const received = async (artifactId: string) =>
    (
      await svc.app.inject({
        method: 'GET',
        url: `/api/v1/artifacts/${artifactId}/upload`,
        headers: bearer(cast, cast.submitterA),
      })
    ).json() as {
      received: number;
      artifact: { state: string };
    };
  const octets = { 'content-type': 'application/offset+octet-stream' };

  it('refuses bad uploads and keeps the artifact pending with nothing stored', async () => {
    const { artifactId, bytes } = await draft();
    problem(
      await patch(artifactId, bytes, { 'content-type': 'application/json', 'upload-offset': '0' }),
      415,
    );
    problem(await patch(artifactId, bytes, { ...octets }), 400);
    problem(await patch(artifactId, bytes, { ...octets, 'upload-offset': '-1' }), 400);
    problem(await patch(artifactId, bytes, { ...octets, 'upload-offset': '12' }), 409);
    // Longer than declared: refused, and the upload starts over.
    problem(
      await patch(artifactId, Buffer.concat([bytes, Buffer.from('extra')]), {
        ...octets,
        'upload-offset': '0',
      }),
      413,
    );
    expect(await received(artifactId)).toMatchObject({ received: 0, artifact: { state: 'pending' } });
    // Right size, wrong bytes: the digest check refuses it.
    const wrong = Buffer.from(bytes);
    wrong[wrong.length - 1] = (wrong.at(-1) ?? 0) ^ 0xff;
    const mismatch = await patch(artifactId, wrong, { ...octets, 'upload-offset': '0' });
    problem(mismatch, 422);
    expect(mismatch.json().reason).toBe('DIGEST_MISMATCH');
    expect(await received(artifactId)).toMatchObject({ received: 0, artifact: { state: 'pending' } });
    // The right bytes still go through afterwards.
    const ok = await patch(artifactId, bytes, { ...octets, 'upload-offset': '0' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().artifact.state).toBe('stored');
    problem(await patch(artifactId, bytes, { ...octets, 'upload-offset': '0' }), 409);
  });

  it('keeps only whole received bytes of a truncated upload and lets it resume', async () => {
    const { artifactId, bytes } = await draft();
    await svc.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = svc.app.server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'PATCH',
        path: `/api/v1/artifacts/${artifactId}/upload`,
        headers: {
          ...bearer(cast, cast.submitterA),
          ...octets,
          'upload-offset': '0',
          'content-length': String(bytes.length),
        },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(bytes.subarray(0, 100), () => setTimeout(() => req.destroy(), 100));
    });
    await new Promise((r) => setTimeout(r, 200));
    const state = await received(artifactId);
    expect(state.artifact.state).toBe('pending');
    expect(state.received).toBeLessThanOrEqual(100);
    const rest = await patch(artifactId, bytes.subarray(state.received), {
      ...octets,
      'upload-offset': String(state.received),
    });
    expect(rest.statusCode).toBe(200);
    expect(rest.json().artifact.state).toBe('stored');
  });

  it('answers unknown routes, bad ids and bad tokens with problems', async () => {
    problem(
      await svc.app.inject({ method: 'GET', url: '/api/v1/nothing', headers: bearer(cast, cast.admin) }),
      404,
    );
    problem(
      await svc.app.inject({
        method: 'GET',
        url: '/api/v1/submissions/not-a-uuid',
        headers: bearer(cast, cast.admin),
      }),
      400,
    );
    problem(
      await svc.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: 'Bearer vacsrp_pat_forged' },
      }),
      401,
    );
    problem(
      await svc.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
      }),
      401,
    );
  });

  it('locks an account after repeated failed sign-ins, without saying whether it exists', async () => {
    const login = (email: string, password: string) =>
      svc.app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password } });
    const unknown = await login('nobody@x.example', 'wrong password!');
    const wrong = await login(cast.reviewer2.email, 'wrong password!');
    problem(unknown, 401);
    problem(wrong, 401);
    expect(unknown.json().detail).toBe(wrong.json().detail);
    for (let i = 1; i < 10; i++) await login(cast.reviewer2.email, 'wrong password!');
    problem(await login(cast.reviewer2.email, PASSWORD), 429);
  });

  it('refuses cookie-authenticated changes from another origin', async () => {
    const login = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: { email: cast.submitterB.email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(201);
    const cookie = login.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.secure).toBe(true);
    const headers = {
      cookie: `${SESSION_COOKIE}=${cookie.value}`,
      host: 'review.example',
      'content-type': 'application/json',
    };
    const payload = JSON.stringify({ name: 'from a form' });
    problem(
      await svc.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        payload,
        headers: { ...headers, origin: 'https://evil.example' },
      }),
      403,
    );
    problem(await svc.app.inject({ method: 'POST', url: '/api/v1/tokens', payload, headers }), 403);
    const same = await svc.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload,
      headers: { ...headers, origin: 'https://review.example' },
    });
    expect(same.statusCode).toBe(201);
    const me = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: headers.cookie },
    });
    expect(me.json().email).toBe(cast.submitterB.email);
  });
});

describe.each(STORES)('sign-in rate limit (%s)', (store) => {
  it('answers 429 with Retry-After once a client exceeds the limit', async () => {
    const svc = await startTestService(store, { inProcessWorkers: false, loginRateLimit: 3 });
    try {
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 5; i++) {
        const res = await svc.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: 'a@b.example', password: 'x' },
        });
        statuses.push(res.statusCode);
        retryAfter ??= res.headers['retry-after'];
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(retryAfter).toBeDefined();
    } finally {
      await svc.close();
    }
  });
});
