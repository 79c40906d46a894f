/**
 * The program's outputs over HTTP: the public JWKS and revocation list at well-known URLs, the public
 * registry, public-summary preview and approval, confidential report downloads, attestations, their
 * revocation and program key rotation.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import {
  approvePublicSummary,
  configureProgramOrigin,
  downloadReport,
  getAttestation,
  MAX_REVOCATION_NOTE,
  PROGRAM_KEY_ALGORITHMS,
  type ProgramKeyAlgorithm,
  previewPublicSummary,
  programJwks,
  REGISTRY_MAX_QUERY,
  REPORT_FORMATS,
  REVOCATION_REASONS,
  type ReportFormat,
  type RevocationReason,
  registryEntry,
  revocationListDocument,
  revokeAttestation,
  rotateProgramKey,
  searchRegistry,
} from '../../app/outputs/index.js';
import { origin } from '../auth.js';
import { Id, IdParams, Nullable, problemResponses, Timestamp } from '../schemas.js';

export interface OutputRouteOptions {
  /** The service's public origin; an https one is the program URL attestations name. */
  readonly publicOrigin?: string;
}

/** How long caches may keep the well-known documents (keys rotate rarely; revocations should show fast). */
export const JWKS_MAX_AGE = 300;
export const REVOCATIONS_MAX_AGE = 60;

const Loose = (description: string) => Type.Object({}, { additionalProperties: true, description });

const SummarySchema = Loose(
  'The public summary (docs/program-outputs.md): names, outcomes, counts, classes, accepted risks',
);

const AttestationSummary = {
  id: Type.String(),
  issuedAt: Timestamp,
  expiresAt: Timestamp,
  status: Type.Union([Type.Literal('valid'), Type.Literal('revoked'), Type.Literal('expired')]),
  revokedAt: Nullable(Timestamp),
  revocationReason: Nullable(Type.String()),
  envelope: Type.String({ description: 'The DSSE envelope exactly as signed (JSON text)' }),
};

const AttestationSchema = Type.Object(
  {
    ...AttestationSummary,
    submissionId: Type.String(),
    revision: Type.Integer(),
    registryEntryId: Type.String(),
    kid: Type.String(),
  },
  { additionalProperties: false },
);

const RegistryEntrySchema = Type.Object(
  {
    id: Type.String(),
    vendor: Type.String(),
    model: Type.Object({ name: Type.String(), version: Type.String() }, { additionalProperties: false }),
    revision: Type.Integer(),
    completedAt: Timestamp,
    digests: Type.Array(Type.String()),
    digestCount: Type.Integer(),
    summary: SummarySchema,
    attestation: Type.Object(AttestationSummary, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

const PublicSummaryViewSchema = Type.Object(
  {
    submissionId: Type.String(),
    revision: Type.Integer(),
    state: Type.Union([Type.Literal('draft'), Type.Literal('approved')]),
    approvedAt: Nullable(Timestamp),
    summary: SummarySchema,
  },
  { additionalProperties: false },
);

const KeySchema = Type.Object(
  {
    kid: Type.String(),
    alg: Type.Union(PROGRAM_KEY_ALGORITHMS.map((a) => Type.Literal(a))),
    activatedAt: Timestamp,
    retiredAt: Nullable(Timestamp),
    current: Type.Boolean(),
  },
  { additionalProperties: false },
);

const RevisionParams = Type.Object(
  { id: Type.String({ format: 'uuid' }), revision: Type.String({ pattern: '^[1-9][0-9]{0,5}$' }) },
  { additionalProperties: false },
);

/** A route-level onSend runs after the server-wide `cache-control: no-store`, so public documents can be cached. */
const cacheFor = (seconds: number) => async (_request: unknown, reply: FastifyReply, payload: unknown) => {
  reply.header('cache-control', `public, max-age=${seconds}`);
  return payload;
};

export function outputRoutes(app: FastifyInstance, ctx: Context, options: OutputRouteOptions = {}): void {
  configureProgramOrigin(ctx, options.publicOrigin);

  app.get(
    '/.well-known/vacsrp/jwks.json',
    {
      config: { access: 'public' },
      onSend: cacheFor(JWKS_MAX_AGE),
      schema: {
        tags: ['program'],
        summary: "The program's signing keys (RFC 7517 JWKS; retired keys stay with their active period)",
        security: [],
        response: {
          200: Type.Object({
            keys: Type.Array(Loose('A public JWK with kid, alg, use and vacsrp validity')),
          }),
          ...problemResponses(429),
        },
      },
    },
    async (_request, reply) => reply.type('application/jwk-set+json').send(await programJwks(ctx)),
  );

  app.get(
    '/.well-known/vacsrp/revocations.json',
    {
      config: { access: 'public' },
      onSend: cacheFor(REVOCATIONS_MAX_AGE),
      schema: {
        tags: ['program'],
        summary: 'The signed revocation list (a DSSE envelope; docs/attestations.md)',
        security: [],
        response: { 200: Loose('DSSE envelope'), ...problemResponses(429) },
      },
    },
    async (_request, reply) => reply.type('application/json').send(await revocationListDocument(ctx)),
  );

  app.get(
    '/api/v1/registry',
    {
      config: { access: 'public' },
      schema: {
        tags: ['registry'],
        summary: 'Search completed reviews by vendor, model name or artifact digest (public)',
        security: [],
        querystring: Type.Object(
          {
            vendor: Type.Optional(Type.String({ maxLength: REGISTRY_MAX_QUERY })),
            model: Type.Optional(Type.String({ maxLength: REGISTRY_MAX_QUERY })),
            digest: Type.Optional(Type.String({ pattern: '^sha256:[0-9a-fA-F]{64}$', maxLength: 71 })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
            cursor: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { entries: Type.Array(RegistryEntrySchema), next: Nullable(Type.String()) },
            { additionalProperties: false },
          ),
          ...problemResponses(400, 429),
        },
      },
    },
    async (request) => {
      const q = request.query as {
        vendor?: string;
        model?: string;
        digest?: string;
        limit?: string;
        cursor?: string;
      };
      return searchRegistry(ctx, {
        ...(q.vendor === undefined ? {} : { vendor: q.vendor }),
        ...(q.model === undefined ? {} : { model: q.model }),
        ...(q.digest === undefined ? {} : { digest: q.digest }),
        ...(q.limit === undefined ? {} : { limit: Number(q.limit) }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      });
    },
  );

  app.get(
    '/api/v1/registry/:entryId',
    {
      config: { access: 'public' },
      schema: {
        tags: ['registry'],
        summary: 'One registry entry: the public summary and the attestation (public)',
        security: [],
        params: Type.Object({ entryId: Id }, { additionalProperties: false }),
        response: { 200: RegistryEntrySchema, ...problemResponses(400, 404, 429) },
      },
    },
    async (request) => registryEntry(ctx, (request.params as { entryId: string }).entryId),
  );

  app.get(
    '/api/v1/submissions/:id/public-summary',
    {
      config: { access: 'user' },
      schema: {
        tags: ['public summaries'],
        summary: "Preview the final revision's public summary (the approved one once approved; audited)",
        params: IdParams,
        response: { 200: PublicSummaryViewSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => previewPublicSummary(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/public-summary',
    {
      config: { access: 'user' },
      schema: {
        tags: ['public summaries'],
        summary: "Approve the final revision's public summary (administrators, after the final report)",
        params: IdParams,
        response: { 200: PublicSummaryViewSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => approvePublicSummary(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.get(
    '/api/v1/submissions/:id/revisions/:revision/report',
    {
      config: { access: 'user' },
      schema: {
        tags: ['reports'],
        summary: 'Download the confidential report of a revision (json, html, pdf, OSCAL; audited)',
        params: RevisionParams,
        querystring: Type.Object(
          { format: Type.Optional(Type.Union(REPORT_FORMATS.map((f) => Type.Literal(f)))) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe({ type: 'string', format: 'binary' }),
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const p = request.params as { id: string; revision: string };
      const format = (request.query as { format?: ReportFormat }).format ?? 'json';
      const report = await downloadReport(ctx, origin(request), p.id, Number(p.revision), format);
      if (format === 'html') {
        // The report is self-contained: nothing may load, nothing may run.
        reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      }
      return reply
        .type(report.mediaType)
        .header('content-disposition', `attachment; filename="${report.fileName}"`)
        .send(report.body);
    },
  );

  app.get(
    '/api/v1/submissions/:id/attestation',
    {
      config: { access: 'user' },
      schema: {
        tags: ['attestations'],
        summary: 'The completion attestation of a submission',
        params: IdParams,
        response: { 200: AttestationSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => getAttestation(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/attestations/:id/revocation',
    {
      config: { access: 'user' },
      schema: {
        tags: ['attestations'],
        summary: 'Revoke an attestation (administrators); the revocation list is re-signed',
        params: IdParams,
        body: Type.Object(
          {
            reason: Type.Union(REVOCATION_REASONS.map((r) => Type.Literal(r))),
            note: Type.Optional(Type.String({ maxLength: MAX_REVOCATION_NOTE })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AttestationSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const body = request.body as { reason: RevocationReason; note?: string };
      return revokeAttestation(ctx, origin(request), (request.params as { id: string }).id, body);
    },
  );

  app.post(
    '/api/v1/program-keys/rotation',
    {
      config: { access: 'user' },
      schema: {
        tags: ['program'],
        summary: 'Rotate the program signing key (administrators); the old key stays published, retired',
        body: Type.Optional(
          Type.Object(
            { alg: Type.Optional(Type.Union(PROGRAM_KEY_ALGORITHMS.map((a) => Type.Literal(a)))) },
            { additionalProperties: false },
          ),
        ),
        response: {
          201: Type.Object(
            { current: KeySchema, retired: Nullable(KeySchema) },
            { additionalProperties: false },
          ),
          ...problemResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { alg?: ProgramKeyAlgorithm };
      return reply
        .code(201)
        .send(await rotateProgramKey(ctx, origin(request), body.alg === undefined ? {} : { alg: body.alg }));
    },
  );
}
