/**
 * The review end to end through the HTTP API, on SQLite and on PostgreSQL: a submitter submits and
 * uploads, the scan runs as a job, an administrator assigns two independent reviewers, reviewers add
 * and resolve findings, the developer decides, the review completes, and the audit chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPackage } from '../src/demo/package.js';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';

describe.each(STORES)('the review journey (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store);
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  const call = async (
    user: Cast['admin'],
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await svc.app.inject({
      method,
      url,
      headers: { ...bearer(cast, user), ...headers },
      ...(body === undefined
        ? {}
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? { payload: body }
          : { payload: body as object }),
    });
    return {
      status: res.statusCode,
      json: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : undefined,
      res,
    };
  };

  it('carries a submission from upload to completion', async () => {
    const pkg = demoPackage();
    const created = await call(cast.submitterA, 'POST', '/api/v1/submissions', { manifest: pkg.manifest });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const id = created.json.id as string;
    expect(created.json.state).toBe('draft');

    // Submitting before uploading is refused with the missing paths.
    const early = await call(cast.submitterA, 'POST', `/api/v1/submissions/${id}/transitions`, {
      action: 'submit',
    });
    expect(early.status).toBe(409);
    expect(early.res.headers['content-type']).toContain('application/problem+json');
    expect(early.json.pending.length).toBe(pkg.files.length);

    const artifacts = (await call(cast.submitterA, 'GET', `/api/v1/submissions/${id}/revisions/1/artifacts`))
      .json as {
      id: string;
      path: string;
    }[];
    for (const a of artifacts) {
      const bytes = Buffer.from(pkg.files.find((f) => f.path === a.path)!.bytes);
      const half = Math.floor(bytes.length / 2);
      const first = await call(
        cast.submitterA,
        'PATCH',
        `/api/v1/artifacts/${a.id}/upload`,
        bytes.subarray(0, half),
        {
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
        },
      );
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      expect(first.json.received).toBe(half);
      // A wrong offset is refused with the offset to resume from.
      const wrong = await call(
        cast.submitterA,
        'PATCH',
        `/api/v1/artifacts/${a.id}/upload`,
        bytes.subarray(half),
        {
          'content-type': 'application/offset+octet-stream',
          'upload-offset': '0',
        },
      );
      if (half > 0) {
        expect(wrong.status).toBe(409);
        expect(wrong.json.offset).toBe(half);
      }
      const status = await call(cast.submitterA, 'GET', `/api/v1/artifacts/${a.id}/upload`);
      expect(status.json.received).toBe(half);
      const rest = await call(
        cast.submitterA,
        'PATCH',
        `/api/v1/artifacts/${a.id}/upload`,
        bytes.subarray(half),
        {
          'content-type': 'application/offset+octet-stream',
          'upload-offset': String(half),
        },
      );
      expect(rest.status, JSON.stringify(rest.json)).toBe(200);
      expect(rest.json.artifact.state).toBe('stored');
    }

    const submitted = await call(cast.submitterA, 'POST', `/api/v1/submissions/${id}/transitions`, {
      action: 'submit',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.json.state).toBe('submitted');
    await svc.drain();
    const scans = (await call(cast.submitterA, 'GET', `/api/v1/submissions/${id}/scans`)).json;
    expect(scans).toHaveLength(1);
    expect(scans[0].state).toBe('succeeded');
    expect(scans[0].progress.scanned).toBeGreaterThan(0);

    const findings = (await call(cast.submitterA, 'GET', `/api/v1/submissions/${id}/findings`)).json as {
      id: string;
      severity: string;
      source: string;
      location: { artifact: string };
    }[];
    expect(findings.some((f) => f.severity === 'critical')).toBe(true);
    expect(findings.every((f) => f.source === 'automated')).toBe(true);
    // Locations name the artifact as the manifest does, never the private working directory.
    expect(findings.every((f) => !f.location.artifact.startsWith('/'))).toBe(true);
    expect(findings.some((f) => f.location.artifact === 'downloaded-model/pytorch_model.bin')).toBe(true);

    // Another organisation sees nothing, exactly as if the submission did not exist.
    const other = await call(cast.submitterB, 'GET', `/api/v1/submissions/${id}`);
    const missing = await call(
      cast.submitterB,
      'GET',
      '/api/v1/submissions/00000000-0000-4000-8000-000000000000',
    );
    expect(other.status).toBe(404);
    expect({ ...other.json, instance: '' }).toEqual({ ...missing.json, instance: '' });

    // Assignment: reviewer3 works for org A and is refused; the suggestion picks the two independent ones.
    const suggestion = await call(cast.admin, 'GET', `/api/v1/submissions/${id}/assignments/suggestion`);
    expect(suggestion.json.ok).toBe(true);
    expect([...suggestion.json.reviewerIds].sort()).toEqual([cast.reviewer1.id, cast.reviewer2.id].sort());
    const conflicted = await call(cast.admin, 'POST', `/api/v1/submissions/${id}/assignments`, {
      reviewerId: cast.reviewer3.id,
    });
    expect(conflicted.status).toBe(409);
    expect(conflicted.json.reason).toBe('CONFLICTED');
    for (const r of [cast.reviewer1, cast.reviewer2]) {
      expect(
        (await call(cast.admin, 'POST', `/api/v1/submissions/${id}/assignments`, { reviewerId: r.id }))
          .status,
      ).toBe(201);
    }
    expect((await call(cast.reviewer3, 'GET', `/api/v1/submissions/${id}`)).status).toBe(404);
    expect((await call(cast.reviewer1, 'GET', `/api/v1/submissions/${id}`)).status).toBe(200);

    const review = await call(cast.admin, 'POST', `/api/v1/submissions/${id}/transitions`, {
      action: 'start-review',
    });
    expect(review.json.state).toBe('in-review');

    const manual = await call(cast.reviewer1, 'POST', `/api/v1/submissions/${id}/findings`, {
      criterionId: 'AR-4',
      severity: 'medium',
      title: 'Model responds to a jailbreak prompt',
      description: 'Simulated attack succeeded in 3 of 20 attempts.',
      remediation: 'Add refusal training for this prompt family.',
      method: 'simulated-attack',
    });
    expect(manual.status, JSON.stringify(manual.json)).toBe(201);
    const comment = await call(cast.submitterA, 'POST', `/api/v1/findings/${manual.json.id}/comments`, {
      body: 'We will look.',
    });
    expect(comment.status).toBe(201);
    expect(comment.json.comments).toHaveLength(1);
    // The list reads every thread at once: each finding carries its own comments, and only its own.
    const listed = (await call(cast.reviewer1, 'GET', `/api/v1/submissions/${id}/findings`)).json as {
      id: string;
      comments: { body: string }[];
    }[];
    expect(listed.length).toBe(findings.length + 1);
    for (const f of listed)
      expect(f.comments.map((c) => c.body)).toEqual(f.id === manual.json.id ? ['We will look.'] : []);

    expect(
      (
        await call(cast.reviewer1, 'POST', `/api/v1/submissions/${id}/transitions`, {
          action: 'issue-findings',
        })
      ).json.state,
    ).toBe('findings-issued');

    // The developer accepts the manual finding's risk; reviewers mark the automated ones false positives.
    const accepted = await call(cast.submitterA, 'POST', `/api/v1/findings/${manual.json.id}/resolution`, {
      type: 'accept-risk',
      justification: 'Deployed only behind an internal gateway with monitoring.',
    });
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
    const notMine = await call(cast.submitterA, 'POST', `/api/v1/findings/${findings[0]!.id}/resolution`, {
      type: 'mark-false-positive',
      rationale: 'no',
    });
    expect(notMine.status).toBe(403);
    for (const f of findings) {
      const fp = await call(cast.reviewer2, 'POST', `/api/v1/findings/${f.id}/resolution`, {
        type: 'mark-false-positive',
        rationale: 'Demo payload only echoes.',
      });
      expect(fp.status).toBe(200);
    }
    const decision = await call(cast.submitterA, 'POST', `/api/v1/submissions/${id}/decisions`, {
      kind: 'proceed',
      justification: 'Risks accepted as disclosed.',
      acceptedFindingIds: [manual.json.id],
    });
    expect(decision.status, JSON.stringify(decision.json)).toBe(201);
    for (const r of [cast.reviewer1, cast.reviewer2]) {
      expect(
        (await call(r, 'POST', `/api/v1/submissions/${id}/transitions`, { action: 'sign-off' })).status,
      ).toBe(200);
    }
    expect(
      (
        await call(cast.admin, 'POST', `/api/v1/submissions/${id}/transitions`, {
          action: 'issue-final-report',
        })
      ).json.state,
    ).toBe('final-report');
    // Completion needs the public summary approved first; then it issues the attestation.
    const unapproved = await call(cast.admin, 'POST', `/api/v1/submissions/${id}/transitions`, {
      action: 'complete',
    });
    expect(unapproved.status).toBe(409);
    expect((await call(cast.admin, 'POST', `/api/v1/submissions/${id}/public-summary`)).status).toBe(200);
    expect(
      (await call(cast.admin, 'POST', `/api/v1/submissions/${id}/transitions`, { action: 'complete' })).json
        .state,
    ).toBe('completed');

    const verification = await call(cast.admin, 'GET', '/api/v1/audit/verification');
    expect(verification.json.ok).toBe(true);
    const audit = (await call(cast.admin, 'GET', '/api/v1/audit?limit=1000')).json as {
      event: { what: string };
    }[];
    const whats = audit.map((e) => e.event.what);
    for (const w of [
      'submission.created',
      'artifact.stored',
      'scan.completed',
      'findings.read',
      'assignment.assigned',
      'decision.proceed',
    ]) {
      expect(whats).toContain(w);
    }
  });
});
