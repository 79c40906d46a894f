/**
 * A small program state built through the use cases, for tests that need every kind of object: a
 * submission of org A with findings issued (reviewers 1 and 2 assigned, one open finding with an
 * evidence file, a stored artifact, a queued scan) and a draft of org A with one pending artifact.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { addEvidence } from '../../src/app/findings.js';
import { actorOf, createToken } from '../../src/app/identity.js';
import { assignReviewer } from '../../src/app/reviewers.js';
import { changeState, createSubmission, listArtifacts } from '../../src/app/submissions.js';
import { appendUpload } from '../../src/app/uploads.js';
import { demoPackage } from '../../src/demo/package.js';
import type { Cast, TestService } from './runtime.js';

export interface World {
  readonly submissionId: string;
  readonly draftId: string;
  readonly artifactId: string;
  readonly pendingArtifactId: string;
  readonly pendingBytes: Buffer;
  readonly scanId: string;
  readonly findingId: string;
  readonly evidenceId: string;
  /** A personal API token of submitter A, for the revoke routes. */
  readonly tokenId: string;
}

const as = (user: Cast['admin']) => ({ actor: actorOf(user), where: 'test' });

export async function buildWorld(svc: TestService, cast: Cast): Promise<World> {
  const { ctx } = svc;
  const pkg = demoPackage({ which: (f) => f.path.endsWith('config.json') });
  const s = await createSubmission(ctx, as(cast.submitterA), { manifest: pkg.manifest });
  const [artifact] = await listArtifacts(ctx, actorOf(cast.submitterA), s.id, 1);
  await appendUpload(
    ctx,
    as(cast.submitterA),
    artifact!.id,
    0,
    Readable.from([Buffer.from(pkg.files[0]!.bytes)]),
  );
  await changeState(ctx, as(cast.submitterA), s.id, { type: 'submit' });
  const scan = await ctx.db
    .selectFrom('scans')
    .select('id')
    .where('submission_id', '=', s.id)
    .executeTakeFirstOrThrow();
  await assignReviewer(ctx, as(cast.admin), s.id, cast.reviewer1.id);
  await assignReviewer(ctx, as(cast.admin), s.id, cast.reviewer2.id);
  await changeState(ctx, as(cast.admin), s.id, { type: 'start-review' });
  const findingId = randomUUID();
  await ctx.db
    .insertInto('findings')
    .values({
      id: findingId,
      submission_id: s.id,
      organisation_id: cast.orgA.id,
      revision: 1,
      source: 'automated',
      scan_id: scan.id,
      rule_id: 'VAC-PKL-001',
      criterion_id: 'AR-4',
      severity: 'high',
      title: 'A planted finding',
      description: 'for the tests',
      location: JSON.stringify({ artifact: 'clean-model/config.json' }),
      evidence: '{}',
      remediation: 'remove it',
      state: 'open',
      resolution: null,
      created_by: 'scanner',
      created_at: new Date().toISOString(),
    })
    .execute();
  await changeState(ctx, as(cast.reviewer1), s.id, { type: 'issue-findings' });
  const evidence = await addEvidence(ctx, as(cast.reviewer1), findingId, {
    name: 'attack-log.txt',
    mediaType: 'text/plain',
    body: Readable.from([Buffer.from('simulated attack transcript')]),
  });

  const draftPkg = demoPackage({ name: 'draft-model', which: (f) => f.path.endsWith('model.pt') });
  const d = await createSubmission(ctx, as(cast.submitterA), { manifest: draftPkg.manifest });
  const [pending] = await listArtifacts(ctx, actorOf(cast.submitterA), d.id, 1);
  const token = await createToken(ctx, as(cast.submitterA), { name: 'to revoke' });
  return {
    tokenId: token.token.id,
    submissionId: s.id,
    draftId: d.id,
    artifactId: artifact!.id,
    pendingArtifactId: pending!.id,
    pendingBytes: Buffer.from(draftPkg.files[0]!.bytes),
    scanId: scan.id,
    findingId,
    evidenceId: evidence.id,
  };
}

/** The parties of the authorisation matrices: anonymous, the owning and another organisation's
 * submitter, an assigned and an unassigned reviewer, an administrator, a procurement officer. */
export const PARTIES = ['public', 'own', 'other', 'assigned', 'unassigned', 'admin', 'officer'] as const;
export type Party = (typeof PARTIES)[number];

export function partyUser(cast: Cast, party: Party): Cast['admin'] | undefined {
  return {
    public: undefined,
    own: cast.submitterA,
    other: cast.submitterB,
    assigned: cast.reviewer1,
    unassigned: cast.reviewer3,
    admin: cast.admin,
    officer: cast.officer,
  }[party];
}
