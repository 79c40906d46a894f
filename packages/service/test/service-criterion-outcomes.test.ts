/**
 * Reviewers' outcomes per criterion: an assigned reviewer records met / not met / not applicable with
 * a reason; the latest word counts; the confidential report's coverage table shows the outcome with
 * the note behind it (so "not applicable" is reachable at all). Both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';
import { buildWorld, type World } from './helpers/world.js';

describe.each(STORES)('criterion outcomes (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let world: World;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
    world = await buildWorld(svc, cast);
  });
  afterAll(async () => svc?.close());

  const record = (user: Cast['admin'], body: object) =>
    svc.app.inject({
      method: 'POST',
      url: `/api/v1/submissions/${world.submissionId}/criterion-outcomes`,
      headers: bearer(cast, user),
      payload: body,
    });
  const coverageOf = async (criterionId: string) => {
    const res = await svc.app.inject({
      method: 'GET',
      url: `/api/v1/submissions/${world.submissionId}/revisions/1/report?format=json`,
      headers: bearer(cast, cast.admin),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const report = res.json() as {
      coverage: {
        criterionId: string;
        outcome: string;
        evidence: { reviewerNotes: { note: string; outcome: string }[] };
      }[];
    };
    return report.coverage.find((c) => c.criterionId === criterionId)!;
  };

  it('puts the reviewer’s outcome and reason into the coverage table; the latest word counts', async () => {
    expect((await coverageOf('AR-5')).outcome).toBe('not-tested');
    const na = await record(cast.reviewer1, {
      criterionId: 'AR-5',
      outcome: 'not-applicable',
      note: 'The model is only deployed offline; nothing can query it.',
    });
    expect(na.statusCode, na.body).toBe(201);
    const first = await coverageOf('AR-5');
    expect(first.outcome).toBe('not-applicable');
    expect(first.evidence.reviewerNotes).toEqual([
      expect.objectContaining({
        outcome: 'not-applicable',
        note: 'The model is only deployed offline; nothing can query it.',
      }),
    ]);
    expect(
      (await record(cast.reviewer2, { criterionId: 'AR-5', outcome: 'not-met', note: 'An API is planned.' }))
        .statusCode,
    ).toBe(201);
    expect((await coverageOf('AR-5')).outcome).toBe('not-met');
    const listed = await svc.app.inject({
      method: 'GET',
      url: `/api/v1/submissions/${world.submissionId}/criterion-outcomes`,
      headers: bearer(cast, cast.submitterA),
    });
    expect(listed.json()).toEqual([
      expect.objectContaining({ criterionId: 'AR-5', outcome: 'not-met', reviewerId: cast.reviewer2.id }),
    ]);
    const audit = await svc.ctx.db.selectFrom('audit_log').select('event').execute();
    expect(audit.filter((e) => e.event.includes('"criterion.outcome"'))).toHaveLength(2);
  });

  it('refuses unknown criteria, empty reasons and other roles', async () => {
    expect(
      (await record(cast.reviewer1, { criterionId: 'XX-9', outcome: 'met', note: 'n' })).statusCode,
    ).toBe(422);
    expect(
      (await record(cast.reviewer1, { criterionId: 'AR-4', outcome: 'met', note: '   ' })).statusCode,
    ).toBe(422);
    expect(
      (await record(cast.reviewer1, { criterionId: 'AR-4', outcome: 'risk-accepted', note: 'n' })).statusCode,
    ).toBe(400);
    expect(
      (await record(cast.submitterA, { criterionId: 'AR-4', outcome: 'met', note: 'n' })).statusCode,
    ).toBe(403);
    expect(
      (await record(cast.reviewer3, { criterionId: 'AR-4', outcome: 'met', note: 'n' })).statusCode,
    ).toBe(404);
  });
});
