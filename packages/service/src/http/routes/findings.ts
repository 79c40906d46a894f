/** Scans, findings (automated and manual), resolutions, comments, evidence files and decisions. */
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import {
  addEvidence,
  comment,
  createManualFinding,
  decide,
  type FindingFilter,
  getFinding,
  listDecisions,
  listFindings,
  MAX_COMMENT,
  type NewManualFinding,
  readEvidence,
  resolve,
} from '../../app/findings.js';
import { getScan, listScans } from '../../app/scans.js';
import type { DecisionInput, FindingAction } from '../../domain/findings.js';
import { origin } from '../auth.js';
import { Id, IdParams, Nullable, problemResponses, Timestamp } from '../schemas.js';

export const EVIDENCE_MEDIA_TYPE = 'application/octet-stream';

const SEVERITY = Type.Union(['critical', 'high', 'medium', 'low', 'info'].map((s) => Type.Literal(s)));
const FINDING_STATE = Type.Union(
  ['open', 'remediated', 'risk-accepted', 'false-positive'].map((s) => Type.Literal(s)),
);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

const ScanSchema = Type.Object(
  {
    id: Type.String(),
    submissionId: Type.String(),
    revision: Type.Integer(),
    state: Type.Union(['queued', 'running', 'succeeded', 'failed', 'skipped'].map((s) => Type.Literal(s))),
    attempts: Type.Integer(),
    progress: Type.Object({ artifacts: Type.Integer(), prepared: Type.Integer(), scanned: Type.Integer() }),
    summary: Type.Unknown(),
    error: Nullable(Type.String()),
    createdAt: Timestamp,
    startedAt: Nullable(Timestamp),
    finishedAt: Nullable(Timestamp),
  },
  { additionalProperties: false },
);

const EvidenceFileSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    mediaType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

const FindingSchema = Type.Object(
  {
    id: Type.String(),
    submissionId: Type.String(),
    revision: Type.Integer(),
    source: Type.Union([Type.Literal('automated'), Type.Literal('manual')]),
    scanId: Nullable(Type.String()),
    ruleId: Nullable(Type.String()),
    criterionId: Type.String(),
    severity: SEVERITY,
    title: Type.String(),
    description: Type.String(),
    location: Type.Unknown(),
    evidence: Type.Unknown(),
    remediation: Type.String(),
    state: FINDING_STATE,
    resolution: Type.Unknown(),
    createdBy: Type.String(),
    createdAt: Timestamp,
    comments: Type.Array(
      Type.Object(
        { author: Type.String(), role: Type.String(), at: Timestamp, body: Type.String() },
        { additionalProperties: false },
      ),
    ),
    evidenceFiles: Type.Array(EvidenceFileSchema),
  },
  { additionalProperties: false },
);

const DecisionSchema = Type.Object(
  {
    submissionId: Type.String(),
    revision: Type.Integer(),
    kind: Type.Union([Type.Literal('remediate'), Type.Literal('proceed')]),
    acceptedFindingIds: Type.Array(Type.String()),
    justification: Type.String(),
    by: Type.String(),
    at: Timestamp,
  },
  { additionalProperties: false },
);

const ResolutionBody = Type.Union([
  Type.Object(
    {
      type: Type.Literal('confirm-remediation-by-rescan'),
      revision: Type.Integer({ minimum: 1, maximum: 100000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('confirm-remediation-by-reviewer'), note: Text(10_000) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('accept-risk'), justification: Text(10_000) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal('mark-false-positive'), rationale: Text(10_000) },
    { additionalProperties: false },
  ),
]);

export function findingRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/submissions/:id/scans',
    {
      config: { access: 'user' },
      schema: {
        tags: ['scans'],
        summary: 'Automated scans of every revision, with progress',
        params: IdParams,
        response: { 200: Type.Array(ScanSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listScans(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.get(
    '/api/v1/scans/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['scans'],
        summary: 'One scan',
        params: IdParams,
        response: { 200: ScanSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => getScan(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.get(
    '/api/v1/submissions/:id/findings',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: 'Findings of a submission (confidential; the read is audited)',
        params: IdParams,
        querystring: Type.Object(
          {
            revision: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
            state: Type.Optional(FINDING_STATE),
            severity: Type.Optional(SEVERITY),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(FindingSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query as {
        revision?: string;
        state?: FindingFilter['state'];
        severity?: FindingFilter['severity'];
      };
      const filter: FindingFilter = {
        ...(q.revision === undefined ? {} : { revision: Number(q.revision) }),
        ...(q.state === undefined ? {} : { state: q.state }),
        ...(q.severity === undefined ? {} : { severity: q.severity }),
      };
      return listFindings(ctx, origin(request), (request.params as { id: string }).id, filter);
    },
  );

  app.post(
    '/api/v1/submissions/:id/findings',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: 'Add a manual finding (assigned reviewers)',
        params: IdParams,
        body: Type.Object(
          {
            criterionId: Type.String({ minLength: 1, maxLength: 100 }),
            severity: SEVERITY,
            title: Text(300),
            description: Text(20_000),
            remediation: Text(10_000),
            method: Type.Union([
              Type.Literal('code-inspection'),
              Type.Literal('simulated-attack'),
              Type.Literal('other'),
            ]),
            location: Type.Optional(
              Type.Object(
                {
                  artifact: Type.Optional(Type.String({ maxLength: 1000 })),
                  member: Type.Optional(Type.String({ maxLength: 1000 })),
                  offset: Type.Optional(Type.Integer({ minimum: 0 })),
                  note: Type.Optional(Type.String({ maxLength: 2000 })),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: FindingSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createManualFinding(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            request.body as NewManualFinding,
          ),
        ),
  );

  app.get(
    '/api/v1/findings/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: 'One finding with its comments and evidence files',
        params: IdParams,
        response: { 200: FindingSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => getFinding(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/findings/:id/resolution',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary:
          'Resolve an open finding: remediated (re-scan or reviewer), risk accepted, or false positive',
        params: IdParams,
        body: ResolutionBody,
        response: { 200: FindingSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request) =>
      resolve(ctx, origin(request), (request.params as { id: string }).id, request.body as FindingAction),
  );

  app.post(
    '/api/v1/findings/:id/comments',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: 'Add to the comment thread of a finding',
        params: IdParams,
        body: Type.Object({ body: Text(MAX_COMMENT) }, { additionalProperties: false }),
        response: { 201: FindingSchema, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await comment(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            (request.body as { body: string }).body,
          ),
        ),
  );

  app.post(
    '/api/v1/findings/:id/evidence',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: `Attach an evidence file (body ${EVIDENCE_MEDIA_TYPE}, name in ?name=); encrypted at rest`,
        params: IdParams,
        querystring: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            mediaType: Type.Optional(Type.String({ pattern: '^[a-z0-9.+-]+/[a-z0-9.+-]+$', maxLength: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: EvidenceFileSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const q = request.query as { name: string; mediaType?: string };
      const file = await addEvidence(ctx, origin(request), (request.params as { id: string }).id, {
        name: q.name,
        mediaType: q.mediaType ?? 'application/octet-stream',
        body: request.body as Readable,
      });
      return reply.code(201).send(file);
    },
  );

  app.get(
    '/api/v1/findings/:id/evidence/:evidenceId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['findings'],
        summary: 'Download an evidence file (confidential; the read is audited)',
        params: Type.Object({ id: Id, evidenceId: Id }, { additionalProperties: false }),
        response: {
          200: Type.Unsafe({ type: 'string', format: 'binary' }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const p = request.params as { id: string; evidenceId: string };
      const { file, body } = await readEvidence(ctx, origin(request), p.id, p.evidenceId);
      return reply
        .type('application/octet-stream')
        .header('content-length', String(file.size))
        .header('content-disposition', 'attachment')
        .send(body);
    },
  );

  app.get(
    '/api/v1/submissions/:id/decisions',
    {
      config: { access: 'user' },
      schema: {
        tags: ['decisions'],
        summary: "The developer's recorded decisions, one per revision",
        params: IdParams,
        response: { 200: Type.Array(DecisionSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listDecisions(ctx, request.actor, (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/decisions',
    {
      config: { access: 'user' },
      schema: {
        tags: ['decisions'],
        summary:
          'Record the decision: remediate with a new revision, or proceed with the listed risks accepted',
        params: IdParams,
        body: Type.Union([
          Type.Object(
            { kind: Type.Literal('remediate'), justification: Text(10_000) },
            { additionalProperties: false },
          ),
          Type.Object(
            {
              kind: Type.Literal('proceed'),
              justification: Text(10_000),
              acceptedFindingIds: Type.Array(Id, { maxItems: 5000 }),
            },
            { additionalProperties: false },
          ),
        ]),
        response: { 201: DecisionSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await decide(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            request.body as DecisionInput,
          ),
        ),
  );
}
