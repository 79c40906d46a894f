/**
 * Redaction canaries: secrets, paths, code and evidence planted in everything confidential never
 * reach a public summary, a registry answer, the attestation or the well-known documents; the
 * accepted risk itself is disclosed in its plain words.
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
import { CANARIES, PLAIN_JUSTIFICATION, reviewToFinalReport } from './outputs-fixture.js';

describe.each(STORES)('redaction canaries in public outputs (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  const get = async (url: string, user?: Cast['admin']) => {
    const res = await svc.app.inject({
      method: 'GET',
      url,
      headers: user === undefined ? {} : bearer(cast, user),
    });
    expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
    return res.body;
  };

  /** The text and every base64 payload inside it, decoded (a DSSE payload hides its statement). */
  const withPayloads = (text: string): string => {
    const decoded = [...text.matchAll(/"payload":"([A-Za-z0-9+/=_-]+)"/g)].map((m) =>
      Buffer.from(m[1]!, 'base64').toString('utf8'),
    );
    const nested = [...text.matchAll(/\\"payload\\":\\"([A-Za-z0-9+/=_-]+)\\"/g)].map((m) =>
      Buffer.from(m[1]!, 'base64').toString('utf8'),
    );
    return [text, ...decoded, ...nested].join('\n');
  };

  it('the fixture really plants the canaries in the confidential report', async () => {
    const r = await reviewToFinalReport(svc, cast);
    const report = await get(
      `/api/v1/submissions/${r.submissionId}/revisions/1/report?format=json`,
      cast.admin,
    );
    const manifest = await get(`/api/v1/submissions/${r.submissionId}/revisions/1/manifest`, cast.admin);
    const findings = await get(`/api/v1/submissions/${r.submissionId}/findings`, cast.admin);
    const decisions = await get(`/api/v1/submissions/${r.submissionId}/decisions`, cast.admin);
    const parsed = JSON.parse(findings) as { id: string; evidenceFiles: { id: string }[] }[];
    const files = await Promise.all(
      parsed.flatMap((f) =>
        f.evidenceFiles.map((e) => get(`/api/v1/findings/${f.id}/evidence/${e.id}`, cast.admin)),
      ),
    );
    const confidential = [report, manifest, findings, decisions, ...files].join('\n');
    for (const [name, canary] of Object.entries(CANARIES)) expect(confidential, name).toContain(canary);
  });

  it('never appear in the summary, the registry, the attestation or the well-known documents', async () => {
    const r = await reviewToFinalReport(svc, cast, { modelName: 'canary-public' });
    const preview = await get(`/api/v1/submissions/${r.submissionId}/public-summary`, cast.submitterA);
    const approve = await svc.app.inject({
      method: 'POST',
      url: `/api/v1/submissions/${r.submissionId}/public-summary`,
      headers: bearer(cast, cast.admin),
    });
    expect(approve.statusCode).toBe(200);
    const complete = await svc.app.inject({
      method: 'POST',
      url: `/api/v1/submissions/${r.submissionId}/transitions`,
      headers: bearer(cast, cast.admin),
      payload: { action: 'complete' },
    });
    expect(complete.statusCode).toBe(200);
    const attestation = await get(`/api/v1/submissions/${r.submissionId}/attestation`, cast.submitterA);
    const entryId = JSON.parse(attestation).registryEntryId as string;
    const published = [
      preview,
      approve.body,
      attestation,
      await get(`/api/v1/registry/${entryId}`),
      await get('/api/v1/registry'),
      await get('/api/v1/registry?vendor=org'),
      await get(`/api/v1/registry?digest=sha256:${r.digests[0]}`),
      await get('/.well-known/vacsrp/jwks.json'),
      await get('/.well-known/vacsrp/revocations.json'),
    ].map(withPayloads);
    const all = published.join('\n');
    // The statement really was decoded: its predicate type is in the text we search.
    expect(all).toContain('https://vacsrp.example.gov/attestation/completion/v1');
    for (const [name, canary] of Object.entries(CANARIES)) {
      expect(all.includes(canary), `canary ${name} leaked`).toBe(false);
    }
    // No user ids, no file names.
    for (const user of [cast.submitterA, cast.reviewer1, cast.reviewer2, cast.admin]) {
      expect(all.includes(user.id), `user id of ${user.email} leaked`).toBe(false);
    }
    expect(all).not.toMatch(/\.safetensors|\.pkl|\.yaml|\.txt/);

    // The accepted risk is disclosed in plain words, in the summary and the attestation.
    const summary = JSON.parse(preview).summary as {
      acceptedRisks: { justification: string; criterionId: string }[];
    };
    expect(summary.acceptedRisks).toHaveLength(1);
    expect(summary.acceptedRisks[0]!.criterionId).toBe('MI-1');
    expect(summary.acceptedRisks[0]!.justification).toContain(PLAIN_JUSTIFICATION);
    const envelope = JSON.parse(JSON.parse(attestation).envelope as string) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    expect(statement.predicate.acceptedRisks).toEqual([
      { criterion: 'MI-1', severity: 'high', justification: summary.acceptedRisks[0]!.justification },
    ]);
    expect(statement.subject.map((s: { digest: { sha256: string } }) => s.digest.sha256)).toEqual(r.digests);
  });
});
