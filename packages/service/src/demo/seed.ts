/**
 * The demo program behind `vacsrp serve --demo`: organisations of several kinds, a user of every role,
 * one review completed (a remediated revision and a disclosed accepted risk), one in review and one
 * draft. Everything goes through the same use cases as real requests, so the audit chain records it.
 * Seeding is idempotent: a data directory that already holds the demo is left as it is.
 */
import { Readable } from 'node:stream';
import type { Context, Origin } from '../app/context.js';
import { addEvidence, comment, createManualFinding, decide, resolve } from '../app/findings.js';
import { actorOf, createUser, type User, type UserRole } from '../app/identity.js';
import { createOrganisation, type NewOrganisation } from '../app/organisations.js';
import { approvePublicSummary } from '../app/outputs/summary.js';
import { assignReviewer, declare } from '../app/reviewers.js';
import { changeState, createRevision, createSubmission, listArtifacts } from '../app/submissions.js';
import { appendUpload } from '../app/uploads.js';
import { type DemoPackage, demoPackage } from './package.js';

/** Demo only: printed at start-up, never use outside `--demo` on your own machine. */
export const DEMO_PASSWORD = 'demo-only-password-2026';

export interface DemoLogin {
  readonly role: UserRole;
  readonly email: string;
  readonly name: string;
}

export const DEMO_LOGINS: readonly DemoLogin[] = [
  { role: 'administrator', email: 'admin@program.demo', name: 'Avery Admin' },
  { role: 'submitter', email: 'dev@demo-lab.demo', name: 'Dana Developer' },
  { role: 'reviewer', email: 'reviewer1@program.demo', name: 'Riley Reviewer' },
  { role: 'reviewer', email: 'reviewer2@program.demo', name: 'Sam Reviewer' },
  { role: 'reviewer', email: 'reviewer3@program.demo', name: 'Casey Conflicted' },
  { role: 'procurement-officer', email: 'buyer@agency.demo', name: 'Pat Procurement' },
];

const ORGANISATIONS: readonly NewOrganisation[] = [
  { name: 'Demo AI Lab', type: 'small-business', sizeBand: '10-49', sector: 'software' },
  { name: 'Big Model Corp', type: 'large-company', sizeBand: '1000+', sector: 'software' },
  { name: 'State University AI Group', type: 'academic-lab', sizeBand: '50-249', sector: 'education' },
  { name: 'Open Weights Collective', type: 'open-source-community', sizeBand: '1-9', sector: 'software' },
];

const SYSTEM: Origin = { actor: { role: 'administrator', userId: 'system' }, where: 'demo-seed' };

export interface DemoProgram {
  readonly seeded: boolean;
  readonly logins: readonly DemoLogin[];
  readonly password: string;
}

export async function seedDemo(ctx: Context, runJobs: () => Promise<void>): Promise<DemoProgram> {
  const existing = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', DEMO_LOGINS[0]!.email)
    .executeTakeFirst();
  if (existing !== undefined) return { seeded: false, logins: DEMO_LOGINS, password: DEMO_PASSWORD };

  const orgs = [];
  for (const o of ORGANISATIONS) orgs.push(await createOrganisation(ctx, SYSTEM, o));
  const lab = orgs[0]!;
  const users = new Map<string, User>();
  for (const login of DEMO_LOGINS) {
    const organisationId =
      login.role === 'submitter' ? lab.id : login.email.startsWith('reviewer3') ? lab.id : null;
    users.set(
      login.email,
      await createUser(ctx, SYSTEM, { ...login, organisationId, password: DEMO_PASSWORD }),
    );
  }
  const as = (email: string): Origin => ({ actor: actorOf(users.get(email)!), where: 'demo-seed' });
  const admin = as('admin@program.demo');
  const dev = as('dev@demo-lab.demo');
  const r1 = as('reviewer1@program.demo');
  const r2 = as('reviewer2@program.demo');
  const reviewer1 = users.get('reviewer1@program.demo')!;
  const reviewer2 = users.get('reviewer2@program.demo')!;

  await declare(ctx, r1, {
    kind: 'advisory',
    organisationId: orgs[1]!.id,
    from: '2019-01-01',
    to: '2020-06-30',
    note: 'Ended long ago',
  });
  await declare(ctx, r2, { kind: 'affiliation', organisationId: orgs[2]!.id, from: '2021-09-01' });

  const upload = async (submissionId: string, revision: number, pkg: DemoPackage) => {
    for (const a of await listArtifacts(ctx, dev.actor, submissionId, revision)) {
      const file = pkg.files.find((f) => f.path === a.path)!;
      await appendUpload(ctx, dev, a.id, 0, Readable.from([Buffer.from(file.bytes)]));
    }
  };
  const findingsOf = (submissionId: string, revision: number) =>
    ctx.db
      .selectFrom('findings')
      .select(['id', 'state'])
      .where('submission_id', '=', submissionId)
      .where('revision', '=', revision)
      .execute();

  // 1. A completed review: revision 1 carries booby-trapped pickles, revision 2 removes them.
  const first = demoPackage({ name: 'demo-assistant', version: '1.0.0' });
  const done = await createSubmission(ctx, dev, { manifest: first.manifest });
  await upload(done.id, 1, first);
  await changeState(ctx, dev, done.id, { type: 'submit' });
  await runJobs();
  await assignReviewer(ctx, admin, done.id, reviewer1.id);
  await assignReviewer(ctx, admin, done.id, reviewer2.id);
  await changeState(ctx, admin, done.id, { type: 'start-review' });
  await changeState(ctx, r1, done.id, { type: 'issue-findings' });
  await decide(ctx, dev, done.id, {
    kind: 'remediate',
    justification: 'We will remove the pickled files and ship safetensors only.',
  });
  await changeState(ctx, dev, done.id, { type: 'start-remediation' });
  const second = demoPackage({
    name: 'demo-assistant',
    version: '1.0.1',
    which: (f) => f.path.startsWith('clean-model/'),
  });
  await createRevision(ctx, dev, done.id, { manifest: second.manifest });
  await upload(done.id, 2, second);
  await runJobs();
  await changeState(ctx, admin, done.id, { type: 'start-review' });
  for (const f of await findingsOf(done.id, 1)) {
    if (f.state === 'open')
      await resolve(ctx, r1, f.id, { type: 'confirm-remediation-by-rescan', revision: 2 });
  }
  const manual = await createManualFinding(ctx, r2, done.id, {
    criterionId: 'AR-3',
    severity: 'low',
    title: 'Prompt-injection resistance below target in one scenario',
    description: 'In the simulated indirect prompt-injection scenario, 2 of 50 attempts changed the answer.',
    remediation: 'Filter retrieved documents for instructions before they reach the model.',
    method: 'simulated-attack',
  });
  await addEvidence(ctx, r2, manual.id, {
    name: 'attack-summary.txt',
    mediaType: 'text/plain',
    body: Readable.from([Buffer.from('scenario: indirect injection\nattempts: 50\nsuccesses: 2\n')]),
  });
  await comment(ctx, dev, manual.id, 'Our deployment only retrieves from an allow-listed document store.');
  await changeState(ctx, r2, done.id, { type: 'issue-findings' });
  await resolve(ctx, dev, manual.id, {
    type: 'accept-risk',
    justification: 'Retrieval is limited to an allow-listed, reviewed document store; residual risk is low.',
  });
  for (const f of await findingsOf(done.id, 2)) {
    if (f.state === 'open')
      await resolve(ctx, r1, f.id, {
        type: 'mark-false-positive',
        rationale: 'Reviewed: not reachable in this configuration.',
      });
  }
  await decide(ctx, dev, done.id, {
    kind: 'proceed',
    justification: 'Proceeding with the one low risk accepted and disclosed.',
    acceptedFindingIds: [manual.id],
  });
  await changeState(ctx, r1, done.id, { type: 'sign-off' });
  await changeState(ctx, r2, done.id, { type: 'sign-off' });
  await changeState(ctx, admin, done.id, { type: 'issue-final-report' });
  // Completion needs the approved public summary; it issues the attestation and the registry entry.
  await approvePublicSummary(ctx, admin, done.id);
  await changeState(ctx, admin, done.id, { type: 'complete' });

  // 2. A review in progress, and 3. a draft waiting for its uploads.
  const inReview = demoPackage({ name: 'demo-vision', version: '0.9.0' });
  const active = await createSubmission(ctx, dev, { manifest: inReview.manifest });
  await upload(active.id, 1, inReview);
  await changeState(ctx, dev, active.id, { type: 'submit' });
  await runJobs();
  await assignReviewer(ctx, admin, active.id, reviewer1.id);
  await assignReviewer(ctx, admin, active.id, reviewer2.id);
  await changeState(ctx, admin, active.id, { type: 'start-review' });
  await createSubmission(ctx, dev, {
    manifest: demoPackage({ name: 'demo-speech', version: '0.1.0' }).manifest,
  });

  return { seeded: true, logins: DEMO_LOGINS, password: DEMO_PASSWORD };
}
