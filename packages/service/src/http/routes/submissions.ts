/** Submissions, revisions, state changes, artifacts and their resumable uploads. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError, type Context } from '../../app/context.js';
import {
  changeState,
  createRevision,
  createSubmission,
  getSubmission,
  listArtifacts,
  listRevisions,
  listSubmissions,
  readManifest,
  type TransitionRequest,
} from '../../app/submissions.js';
import { appendUpload, readArtifact, uploadState } from '../../app/uploads.js';
import { SUBMISSION_STATES } from '../../domain/submission.js';
import { origin } from '../auth.js';
import { IdParams, problemResponses, Timestamp } from '../schemas.js';

/** A manifest is at most 4 MiB of YAML; JSON escaping can grow it a little. */
const MANIFEST_BODY_LIMIT = 6 * 1024 * 1024;
export const UPLOAD_MEDIA_TYPE = 'application/offset+octet-stream';

const SubmissionSchema = Type.Object(
  {
    id: Type.String(),
    organisationId: Type.String(),
    modelName: Type.String(),
    modelVersion: Type.String(),
    state: Type.Union(SUBMISSION_STATES.map((s) => Type.Literal(s))),
    reviewers: Type.Array(Type.String()),
    signOffs: Type.Array(Type.String()),
    currentRevision: Type.Integer(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
);

const RevisionSchema = Type.Object(
  {
    number: Type.Integer(),
    manifestDigest: Type.String(),
    digestsOnly: Type.Boolean(),
    createdAt: Timestamp,
    createdBy: Type.String(),
  },
  { additionalProperties: false },
);

const ArtifactSchema = Type.Object(
  {
    id: Type.String(),
    revision: Type.Integer(),
    path: Type.String(),
    sha256: Type.String(),
    size: Type.Integer(),
    state: Type.Union([Type.Literal('pending'), Type.Literal('stored'), Type.Literal('digests-only')]),
  },
  { additionalProperties: false },
);

const UploadSchema = Type.Object(
  { artifact: ArtifactSchema, received: Type.Integer() },
  { additionalProperties: false },
);

const ManifestBody = Type.Object(
  { manifest: Type.String({ minLength: 1, maxLength: 4 * 1024 * 1024 }) },
  { additionalProperties: false },
);

const RevisionParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), revision: Type.String({ pattern: '^[1-9][0-9]{0,5}$' }) },
  { additionalProperties: false },
);

const ACTIONS = [
  'submit',
  'start-review',
  'issue-findings',
  'sign-off',
  'start-remediation',
  'issue-final-report',
  'complete',
  'withdraw',
] as const;

export function submissionRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/submissions',
    {
      config: { access: 'user' },
      schema: {
        tags: ['submissions'],
        summary: 'Submissions I may see',
        response: { 200: Type.Array(SubmissionSchema), ...problemResponses(401, 403) },
      },
    },
    async (request) => listSubmissions(ctx, request.actor),
  );

  app.post(
    '/api/v1/submissions',
    {
      bodyLimit: MANIFEST_BODY_LIMIT,
      config: { access: 'user' },
      schema: {
        tags: ['submissions'],
        summary: 'Create a submission (draft) from a vacsrp.yaml manifest',
        body: ManifestBody,
        response: { 201: SubmissionSchema, ...problemResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await createSubmission(ctx, origin(request), request.body as { manifest: string })),
  );

  app.get(
    '/api/v1/submissions/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['submissions'],
        summary: 'One submission',
        params: IdParams,
        response: { 200: SubmissionSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => getSubmission(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/transitions',
    {
      config: { access: 'user' },
      schema: {
        tags: ['submissions'],
        summary: 'Move the submission to its next state (submit, start-review, issue-findings, sign-off, …)',
        params: IdParams,
        body: Type.Object(
          { action: Type.Union(ACTIONS.map((a) => Type.Literal(a))) },
          { additionalProperties: false },
        ),
        response: { 200: SubmissionSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      changeState(ctx, origin(request), (request.params as { id: string }).id, {
        type: (request.body as { action: TransitionRequest['type'] }).action,
      } as TransitionRequest),
  );

  app.get(
    '/api/v1/submissions/:id/revisions',
    {
      config: { access: 'user' },
      schema: {
        tags: ['revisions'],
        summary: 'Revisions of a submission',
        params: IdParams,
        response: { 200: Type.Array(RevisionSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listRevisions(ctx, request.actor, (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/revisions',
    {
      bodyLimit: MANIFEST_BODY_LIMIT,
      config: { access: 'user' },
      schema: {
        tags: ['revisions'],
        summary: 'Resubmit after remediation: a new immutable revision from an updated manifest',
        params: IdParams,
        body: ManifestBody,
        response: { 201: SubmissionSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await createRevision(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            request.body as { manifest: string },
          ),
        ),
  );

  app.get(
    '/api/v1/submissions/:id/revisions/:revision/manifest',
    {
      config: { access: 'user' },
      schema: {
        tags: ['revisions'],
        summary: 'The manifest of one revision (confidential; the read is audited)',
        params: RevisionParams,
        response: {
          200: Type.Object({}, { additionalProperties: true }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (request) => {
      const p = request.params as { id: string; revision: string };
      return readManifest(ctx, origin(request), p.id, Number(p.revision));
    },
  );

  app.get(
    '/api/v1/submissions/:id/revisions/:revision/artifacts',
    {
      config: { access: 'user' },
      schema: {
        tags: ['artifacts'],
        summary: 'Artifacts of one revision with their upload state',
        params: RevisionParams,
        response: { 200: Type.Array(ArtifactSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const p = request.params as { id: string; revision: string };
      return listArtifacts(ctx, request.actor, p.id, Number(p.revision));
    },
  );

  app.get(
    '/api/v1/artifacts/:id/upload',
    {
      config: { access: 'user' },
      schema: {
        tags: ['artifacts'],
        summary: 'How many bytes of the artifact are durably received (resume from there)',
        params: IdParams,
        response: { 200: UploadSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      const state = await uploadState(ctx, request.actor, (request.params as { id: string }).id);
      return reply.header('upload-offset', String(state.received)).send(state);
    },
  );

  app.patch(
    '/api/v1/artifacts/:id/upload',
    {
      config: { access: 'user' },
      // Before the body is read: anything but raw bytes is refused unread.
      onRequest: async (request) => {
        if (request.headers['content-type']?.split(';')[0]?.trim() !== UPLOAD_MEDIA_TYPE) {
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send the bytes as ${UPLOAD_MEDIA_TYPE}`);
        }
      },
      schema: {
        tags: ['artifacts'],
        summary: `Append bytes at Upload-Offset (body ${UPLOAD_MEDIA_TYPE}); the last byte completes and verifies the artifact`,
        params: IdParams,
        headers: Type.Object(
          { 'upload-offset': Type.String({ pattern: '^(0|[1-9][0-9]{0,15})$' }) },
          { additionalProperties: true },
        ),
        response: { 200: UploadSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const offset = Number(request.headers['upload-offset']);
      const state = await appendUpload(
        ctx,
        origin(request),
        (request.params as { id: string }).id,
        offset,
        request.body as NodeJS.ReadableStream as import('node:stream').Readable,
      );
      return reply.header('upload-offset', String(state.received)).send(state);
    },
  );

  app.get(
    '/api/v1/artifacts/:id/content',
    {
      config: { access: 'user' },
      schema: {
        tags: ['artifacts'],
        summary: 'Download a stored artifact (confidential; the read is audited)',
        params: IdParams,
        response: {
          200: Type.Unsafe({ type: 'string', format: 'binary' }),
          ...problemResponses(401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { artifact, body } = await readArtifact(
        ctx,
        origin(request),
        (request.params as { id: string }).id,
      );
      return reply
        .type('application/octet-stream')
        .header('content-length', String(artifact.size))
        .header('content-disposition', 'attachment')
        .header('x-content-sha256', artifact.sha256)
        .send(body);
    },
  );
}
