/**
 * A review driven through the use cases to its final report, with canaries planted in everything
 * confidential: the manifest, finding titles, descriptions, locations, evidence, remediations,
 * comments, evidence files, resolutions and the developer's decision. The accepted risk's
 * justification mixes plain words (which are disclosed) with paths, code and a secret (which are not).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { addEvidence, comment, createManualFinding, decide, resolve } from '../src/app/findings.js';
import { actorOf } from '../src/app/identity.js';
import { assignReviewer } from '../src/app/reviewers.js';
import { changeState, createSubmission } from '../src/app/submissions.js';
import type { Cast, TestService } from './helpers/runtime.js';

export const CANARIES = {
  manifestPath: 'cnryManifestPath',
  manifestUse: 'cnryIntendedUse',
  manifestOrg: 'cnryManifestOrg',
  title: 'cnryFindingTitle',
  description: 'cnryDescription',
  location: 'cnryLocationPath',
  member: 'cnryMemberName',
  evidence: 'cnryEvidenceExcerpt',
  evidenceConfig: 'cnryConfigValue',
  remediation: 'cnryRemediation',
  comment: 'cnryCommentBody',
  evidenceFileName: 'cnryEvidenceFileName',
  evidenceFileContent: 'cnryEvidenceFileContent',
  justificationPath: 'cnryJustificationPath',
  justificationCode: 'cnryJustificationCode',
  justificationSecret: 'cnryJustificationSecret',
  rationale: 'cnryFalsePositiveRationale',
  decision: 'cnryDecisionText',
  manualTitle: 'cnryManualTitle',
} as const;

/** The plain words of the accepted risk's justification: these are disclosed. */
export const PLAIN_JUSTIFICATION = 'Retrieval is limited to an allow-listed document store';

const as = (user: Cast['admin']) => ({ actor: actorOf(user), where: 'test' });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export interface FinalReport {
  readonly submissionId: string;
  /** Artifact digests of the final revision, sorted. */
  readonly digests: readonly string[];
  readonly modelName: string;
}

/** A digests-only submission of org A taken to `final-report` with one accepted risk (no scan runs). */
export async function reviewToFinalReport(
  svc: TestService,
  cast: Cast,
  options: { readonly modelName?: string; readonly salt?: string } = {},
): Promise<FinalReport> {
  const { ctx } = svc;
  const C = CANARIES;
  const salt = options.salt ?? randomUUID();
  const modelName = options.modelName ?? 'canary-model';
  const digests = [sha256(`weights ${salt}`), sha256(`tokenizer ${salt}`)].sort();
  const manifest = `manifestVersion: 1
model:
  name: ${modelName}
  version: 2.0.0
  licence:
    id: Apache-2.0
developer:
  organisation: "${C.manifestOrg} Labs"
  securityContact: security@canary.example
intendedUses:
  - Answering questions ${C.manifestUse}
artifacts:
  - path: weights/${C.manifestPath}.safetensors
    sha256: ${digests[0]}
    size: 1024
  - path: tokenizer/${C.manifestPath}.json
    sha256: ${digests[1]}
    size: 64
confidentiality: digests-only
`;
  const s = await createSubmission(ctx, as(cast.submitterA), { manifest });
  await changeState(ctx, as(cast.submitterA), s.id, { type: 'submit' });
  await assignReviewer(ctx, as(cast.admin), s.id, cast.reviewer1.id);
  await assignReviewer(ctx, as(cast.admin), s.id, cast.reviewer2.id);
  await changeState(ctx, as(cast.admin), s.id, { type: 'start-review' });

  // An automated finding as a scan stores it, with proprietary evidence.
  const automated = randomUUID();
  await ctx.db
    .insertInto('findings')
    .values({
      id: automated,
      submission_id: s.id,
      organisation_id: cast.orgA.id,
      revision: 1,
      source: 'automated',
      scan_id: null,
      rule_id: 'VAC-PKL-001',
      criterion_id: 'MI-1',
      severity: 'high',
      title: `Pickle callable ${C.title}`,
      description: `builtins.exec reached via ${C.description}`,
      location: JSON.stringify({ artifact: `weights/${C.location}.pkl`, member: C.member, offset: 4242 }),
      evidence: JSON.stringify({
        callable: `os.system('${C.evidence}')`,
        configuration: `api_key=${C.evidenceConfig}`,
      }),
      remediation: `Replace ${C.remediation}`,
      state: 'open',
      resolution: null,
      created_by: 'scanner',
      created_at: new Date().toISOString(),
    })
    .execute();
  const manual = await createManualFinding(ctx, as(cast.reviewer2), s.id, {
    criterionId: 'AR-3',
    severity: 'low',
    title: `Injection ${C.manualTitle}`,
    description: `2 of 50 attempts ${C.description}`,
    remediation: `Filter ${C.remediation}`,
    location: { artifact: `config/${C.location}.yaml`, note: C.evidence },
    method: 'simulated-attack',
  });
  await addEvidence(ctx, as(cast.reviewer2), manual.id, {
    name: `${C.evidenceFileName}.txt`,
    mediaType: 'text/plain',
    body: Readable.from([Buffer.from(`transcript ${C.evidenceFileContent}`)]),
  });
  await comment(ctx, as(cast.submitterA), automated, `Our loader is ${C.comment}`);
  await changeState(ctx, as(cast.reviewer1), s.id, { type: 'issue-findings' });
  await resolve(ctx, as(cast.submitterA), automated, {
    type: 'accept-risk',
    justification: `${PLAIN_JUSTIFICATION}; see /srv/models/${C.justificationPath}.pkl and \`exec(${C.justificationCode})\` token=${C.justificationSecret}`,
  });
  await resolve(ctx, as(cast.reviewer1), manual.id, {
    type: 'mark-false-positive',
    rationale: `Not reachable: ${C.rationale}`,
  });
  await decide(ctx, as(cast.submitterA), s.id, {
    kind: 'proceed',
    justification: `Proceeding ${C.decision}`,
    acceptedFindingIds: [automated],
  });
  await changeState(ctx, as(cast.reviewer1), s.id, { type: 'sign-off' });
  await changeState(ctx, as(cast.reviewer2), s.id, { type: 'sign-off' });
  await changeState(ctx, as(cast.admin), s.id, { type: 'issue-final-report' });
  return { submissionId: s.id, digests, modelName };
}
