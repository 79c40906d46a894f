/** The demo program's completed review has an approved public summary, an attestation and a registry entry. */
import { DEFAULT_ATTESTATION_LIMITS, parseJwks, verifyAttestation } from '@vacsrp/attest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/demo/seed.js';
import { STORES, startTestService, type TestService } from './helpers/runtime.js';

describe.each(STORES)('demo program outputs (%s)', (store) => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService(store);
    await seedDemo(svc.ctx, () => svc.drain());
  }, 120_000);
  afterAll(async () => svc?.close());

  it('lists demo-assistant in the registry with a verifying attestation', async () => {
    const res = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/registry?vendor=demo%20ai&model=demo-assistant',
    });
    expect(res.statusCode).toBe(200);
    const [entry, ...rest] = res.json().entries;
    expect(rest).toEqual([]);
    expect(entry.model).toEqual({ name: 'demo-assistant', version: '1.0.1' });
    expect(entry.revision).toBe(2);
    expect(entry.summary.acceptedRisks).toHaveLength(1);
    expect(entry.summary.acceptedRisks[0].criterionId).toBe('AR-3');
    const byDigest = await svc.app.inject({
      method: 'GET',
      url: `/api/v1/registry?digest=${entry.digests[0]}`,
    });
    expect(byDigest.json().entries.map((e: { id: string }) => e.id)).toEqual([entry.id]);
    const jwks = parseJwks(
      (await svc.app.inject({ method: 'GET', url: '/.well-known/vacsrp/jwks.json' })).body,
      DEFAULT_ATTESTATION_LIMITS,
    );
    if (!jwks.ok) throw new Error(jwks.message);
    const verified = verifyAttestation(entry.attestation.envelope, {
      jwks: jwks.keyring,
      revocations: (await svc.app.inject({ method: 'GET', url: '/.well-known/vacsrp/revocations.json' }))
        .body,
      now: new Date(),
    });
    if (!verified.ok) throw new Error(`${verified.code}: ${verified.message}`);
    const outcomes = new Map(verified.statement.predicate.criteria.map((c) => [c.id, c.outcome]));
    expect(outcomes.get('AR-3')).toBe('risk-accepted');
    expect(verified.statement.subject.length).toBe(entry.digestCount);
  });
});
