/**
 * A package that carries its OpenSSF model signature (`model.sig`) gets an attestation that also
 * names the model-signing manifest digest, so a buyer can tie the program's review to the
 * developer's own signature. Both stores.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { signModel } from '@vacsrp/attest';
import { demoFiles } from '@vacsrp/scanner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide, resolve } from '../src/app/findings.js';
import { actorOf } from '../src/app/identity.js';
import { getAttestation } from '../src/app/outputs/attestations.js';
import { approvePublicSummary } from '../src/app/outputs/summary.js';
import { assignReviewer } from '../src/app/reviewers.js';
import { changeState, createSubmission, listArtifacts } from '../src/app/submissions.js';
import { appendUpload } from '../src/app/uploads.js';
import { type Cast, STORES, seedCast, startTestService, type TestService } from './helpers/runtime.js';

describe.each(STORES)('attestations of signed models (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let dir: string;
  beforeAll(async () => {
    svc = await startTestService(store);
    cast = await seedCast(svc);
    dir = await mkdtemp(join(tmpdir(), 'vacsrp-signed-'));
  });
  afterAll(async () => {
    await svc?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the model-signing manifest digest as a subject', async () => {
    for (const f of demoFiles().filter((x) => x.path.startsWith('clean-model/'))) {
      await mkdir(dirname(join(dir, f.path)), { recursive: true });
      await writeFile(join(dir, f.path), f.bytes);
    }
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const signed = await signModel(dir, privateKey);
    if (!signed.ok) throw new Error(signed.reason);
    await writeFile(join(dir, 'model.sig'), signed.signature);
    const paths = ['clean-model/config.json', 'clean-model/model.pt', 'model.sig'];
    const bytes = new Map<string, Buffer>();
    for (const p of paths) bytes.set(p, await readFile(join(dir, p)));
    const manifest = `manifestVersion: 1
model: { name: signed-model, version: 1.0.0, licence: { id: Apache-2.0 } }
developer: { organisation: Org A, securityContact: security@a.example }
intendedUses: [testing signed attestations]
artifacts:
${paths.map((p) => `  - { path: ${p}, sha256: ${createHash('sha256').update(bytes.get(p)!).digest('hex')}, size: ${bytes.get(p)!.length} }`).join('\n')}
confidentiality: upload
`;
    const as = (u: Cast['admin']) => ({ actor: actorOf(u), where: 'test' });
    const dev = as(cast.submitterA);
    const s = await createSubmission(svc.ctx, dev, { manifest });
    for (const a of await listArtifacts(svc.ctx, dev.actor, s.id, 1)) {
      await appendUpload(svc.ctx, dev, a.id, 0, Readable.from([bytes.get(a.path)!]));
    }
    await changeState(svc.ctx, dev, s.id, { type: 'submit' });
    await svc.drain();
    await assignReviewer(svc.ctx, as(cast.admin), s.id, cast.reviewer1.id);
    await assignReviewer(svc.ctx, as(cast.admin), s.id, cast.reviewer2.id);
    await changeState(svc.ctx, as(cast.admin), s.id, { type: 'start-review' });
    await changeState(svc.ctx, as(cast.reviewer1), s.id, { type: 'issue-findings' });
    const open = await svc.ctx.db
      .selectFrom('findings')
      .select('id')
      .where('submission_id', '=', s.id)
      .where('state', '=', 'open')
      .execute();
    for (const f of open) {
      await resolve(svc.ctx, as(cast.reviewer1), f.id, {
        type: 'mark-false-positive',
        rationale: 'self-signed test key, expected',
      });
    }
    await decide(svc.ctx, dev, s.id, {
      kind: 'proceed',
      acceptedFindingIds: [],
      justification: 'nothing to accept',
    });
    await changeState(svc.ctx, as(cast.reviewer1), s.id, { type: 'sign-off' });
    await changeState(svc.ctx, as(cast.reviewer2), s.id, { type: 'sign-off' });
    await changeState(svc.ctx, as(cast.admin), s.id, { type: 'issue-final-report' });
    await approvePublicSummary(svc.ctx, as(cast.admin), s.id);
    await changeState(svc.ctx, as(cast.admin), s.id, { type: 'complete' });

    const attestation = await getAttestation(svc.ctx, dev, s.id);
    const envelope = JSON.parse(attestation.envelope) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      subject: { name: string; digest: { sha256: string }; annotations?: { kind: string } }[];
    };
    const signing = statement.subject.filter((x) => x.annotations?.kind === 'openssf-model-signing-manifest');
    expect(signing).toEqual([
      {
        name: expect.any(String),
        digest: { sha256: signed.subjectDigest },
        annotations: { kind: 'openssf-model-signing-manifest' },
      },
    ]);
    expect(statement.subject.filter((x) => x.annotations === undefined)).toHaveLength(3);
  });
});
