/**
 * Remediation confirmed by a re-scan: after a new revision's scan, open automated findings of earlier
 * revisions whose rule no longer fires on the same artifact are remediated (confirmed by that
 * re-scan, in the audit log); findings that still fire stay open. Both stores.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../src/app/findings.js';
import { actorOf } from '../src/app/identity.js';
import { assignReviewer } from '../src/app/reviewers.js';
import { changeState, createRevision, createSubmission, listArtifacts } from '../src/app/submissions.js';
import { appendUpload } from '../src/app/uploads.js';
import type { DemoPackage } from '../src/demo/package.js';
import { demoPackage } from '../src/demo/package.js';
import { type Cast, STORES, seedCast, startTestService, type TestService } from './helpers/runtime.js';

describe.each(STORES)('confirmation by re-scan (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store);
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  it('remediates what the new revision no longer has and keeps what it still has open', async () => {
    const as = (u: Cast['admin']) => ({ actor: actorOf(u), where: 'test' });
    const dev = as(cast.submitterA);
    const upload = async (id: string, revision: number, pkg: DemoPackage) => {
      for (const a of await listArtifacts(svc.ctx, dev.actor, id, revision)) {
        const f = pkg.files.find((x) => x.path === a.path)!;
        await appendUpload(svc.ctx, dev, a.id, 0, Readable.from([Buffer.from(f.bytes)]));
      }
    };
    const first = demoPackage();
    const s = await createSubmission(svc.ctx, dev, { manifest: first.manifest });
    await upload(s.id, 1, first);
    await changeState(svc.ctx, dev, s.id, { type: 'submit' });
    await svc.drain();
    const before = await svc.ctx.db
      .selectFrom('findings')
      .selectAll()
      .where('submission_id', '=', s.id)
      .execute();
    const removed = 'downloaded-model/tokenizer.safetensors';
    const kept = 'downloaded-model/pytorch_model.bin';
    const artifactOf = (f: { location: string }) => (JSON.parse(f.location) as { artifact: string }).artifact;
    expect(before.some((f) => artifactOf(f) === removed)).toBe(true);
    expect(before.some((f) => artifactOf(f) === kept)).toBe(true);

    await assignReviewer(svc.ctx, as(cast.admin), s.id, cast.reviewer1.id);
    await assignReviewer(svc.ctx, as(cast.admin), s.id, cast.reviewer2.id);
    await changeState(svc.ctx, as(cast.admin), s.id, { type: 'start-review' });
    await changeState(svc.ctx, as(cast.reviewer1), s.id, { type: 'issue-findings' });
    await decide(svc.ctx, dev, s.id, { kind: 'remediate', justification: 'removing the disguised pickle' });
    await changeState(svc.ctx, dev, s.id, { type: 'start-remediation' });
    const second = demoPackage({ version: '1.0.1', which: (f) => f.path !== removed });
    await createRevision(svc.ctx, dev, s.id, { manifest: second.manifest });
    await upload(s.id, 2, second);
    await svc.drain();

    const after = await svc.ctx.db
      .selectFrom('findings')
      .selectAll()
      .where('submission_id', '=', s.id)
      .where('revision', '=', 1)
      .execute();
    for (const f of after) {
      if (artifactOf(f) === removed) {
        expect(f.state).toBe('remediated');
        expect(JSON.parse(f.resolution!)).toMatchObject({
          kind: 'remediated',
          confirmation: { method: 'rescan', revision: 2 },
        });
      } else if (artifactOf(f) === kept) {
        expect(f.state).toBe('open');
      }
    }
    const audit = await svc.ctx.db.selectFrom('audit_log').select('event').execute();
    const remediations = audit
      .map((e) => JSON.parse(e.event) as { what: string; who: string })
      .filter((e) => e.what === 'finding.remediated');
    expect(remediations.length).toBe(after.filter((f) => f.state === 'remediated').length);
    expect(remediations.every((e) => e.who === 'system')).toBe(true);
  });
});
