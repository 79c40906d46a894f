/** Reviewer independence: disclosures, suggested and confirmed assignments, recusals, declared relationships. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import {
  listCriterionOutcomes,
  MAX_OUTCOME_NOTE,
  REVIEWER_OUTCOMES,
  type ReviewerOutcomeValue,
  recordCriterionOutcome,
} from '../../app/criterion-outcomes.js';
import {
  assignReviewer,
  declare,
  declareRelationship,
  history,
  listDeclarations,
  listReviewers,
  recuseReviewer,
  suggest,
} from '../../app/reviewers.js';
import type { DeclarationKind } from '../../domain/independence.js';
import { origin } from '../auth.js';
import { Id, IdParams, Nullable, problemResponses, Timestamp } from '../schemas.js';

const DATE = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const KIND = Type.Union(
  ['affiliation', 'employment', 'financial-interest', 'advisory'].map((k) => Type.Literal(k)),
);

const DeclarationSchema = Type.Object(
  {
    id: Type.String(),
    reviewerId: Type.String(),
    kind: KIND,
    organisationId: Type.String(),
    from: Type.String(),
    to: Type.Optional(Type.String()),
    note: Type.Optional(Type.String()),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

const HistorySchema = Type.Array(
  Type.Object(
    {
      type: Type.Union([Type.Literal('assigned'), Type.Literal('recused'), Type.Literal('unassigned')]),
      submissionId: Type.String(),
      reviewerId: Type.String(),
      by: Type.String(),
      at: Timestamp,
      reason: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
);

const OutcomeSchema = Type.Object(
  {
    revision: Type.Integer(),
    criterionId: Type.String(),
    outcome: Type.Union(REVIEWER_OUTCOMES.map((o) => Type.Literal(o))),
    reviewerId: Type.String(),
    note: Type.String(),
    at: Timestamp,
  },
  { additionalProperties: false },
);

export function reviewerRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/submissions/:id/criterion-outcomes',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: "Reviewers' recorded outcome per criterion, for every revision",
        params: IdParams,
        response: { 200: Type.Array(OutcomeSchema), ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => listCriterionOutcomes(ctx, origin(request), (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/criterion-outcomes',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary:
          'An assigned reviewer records the outcome of one criterion for the current revision, and why',
        params: IdParams,
        body: Type.Object(
          {
            criterionId: Type.String({ minLength: 1, maxLength: 100 }),
            outcome: Type.Union(REVIEWER_OUTCOMES.map((o) => Type.Literal(o))),
            note: Type.String({ minLength: 1, maxLength: MAX_OUTCOME_NOTE }),
          },
          { additionalProperties: false },
        ),
        response: { 201: OutcomeSchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await recordCriterionOutcome(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            request.body as { criterionId: string; outcome: ReviewerOutcomeValue; note: string },
          ),
        ),
  );

  app.get(
    '/api/v1/disclosures',
    {
      config: { access: 'user' },
      schema: {
        tags: ['disclosures'],
        summary: "A reviewer's declared interests (own; administrators name ?reviewer=)",
        querystring: Type.Object({ reviewer: Type.Optional(Id) }, { additionalProperties: false }),
        response: { 200: Type.Array(DeclarationSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      listDeclarations(ctx, request.actor, (request.query as { reviewer?: string }).reviewer),
  );

  app.post(
    '/api/v1/disclosures',
    {
      config: { access: 'user' },
      schema: {
        tags: ['disclosures'],
        summary: 'Declare an affiliation, employment, financial interest or advisory work, with dates',
        body: Type.Object(
          {
            kind: KIND,
            organisationId: Id,
            from: DATE,
            to: Type.Optional(DATE),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: DeclarationSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await declare(
          ctx,
          origin(request),
          request.body as {
            kind: DeclarationKind;
            organisationId: string;
            from: string;
            to?: string;
            note?: string;
          },
        ),
      ),
  );

  app.get(
    '/api/v1/reviewers',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'Reviewers (administrators)',
        response: {
          200: Type.Array(
            Type.Object(
              { id: Type.String(), name: Type.String(), organisationId: Nullable(Type.String()) },
              { additionalProperties: false },
            ),
          ),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => listReviewers(ctx, request.actor),
  );

  app.get(
    '/api/v1/submissions/:id/assignments',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'The assignment history of a submission (never loses a line)',
        params: IdParams,
        response: { 200: HistorySchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => history(ctx, request.actor, (request.params as { id: string }).id),
  );

  app.get(
    '/api/v1/submissions/:id/assignments/suggestion',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'Two independent reviewers suggested for the submission (administrators)',
        params: IdParams,
        response: {
          200: Type.Object({ ok: Type.Boolean() }, { additionalProperties: true }),
          ...problemResponses(401, 403, 404),
        },
      },
    },
    async (request) => suggest(ctx, request.actor, (request.params as { id: string }).id),
  );

  app.post(
    '/api/v1/submissions/:id/assignments',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'Confirm one reviewer; conflicted or recused reviewers are refused (administrators)',
        params: IdParams,
        body: Type.Object({ reviewerId: Id }, { additionalProperties: false }),
        response: { 201: HistorySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await assignReviewer(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            (request.body as { reviewerId: string }).reviewerId,
          ),
        ),
  );

  app.post(
    '/api/v1/submissions/:id/recusals',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'A reviewer recuses (or an administrator records a recusal), with a reason',
        params: IdParams,
        body: Type.Object(
          { reviewerId: Type.Optional(Id), reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 201: HistorySchema, ...problemResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await recuseReviewer(
            ctx,
            origin(request),
            (request.params as { id: string }).id,
            request.body as { reviewerId?: string; reason: string },
          ),
        ),
  );

  app.post(
    '/api/v1/submissions/:id/declared-relationships',
    {
      config: { access: 'user' },
      schema: {
        tags: ['assignments'],
        summary: 'The submitting organisation declares a relationship with a reviewer',
        params: IdParams,
        body: Type.Object(
          { reviewerId: Id, reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      await declareRelationship(
        ctx,
        origin(request),
        (request.params as { id: string }).id,
        request.body as { reviewerId: string; reason: string },
      );
      return reply.code(204).send();
    },
  );
}
