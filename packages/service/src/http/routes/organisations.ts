/** Organisations: created by administrators, carrying the facts the annual report needs. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../app/context.js';
import {
  createOrganisation,
  getOrganisation,
  listOrganisations,
  type NewOrganisation,
  ORGANISATION_TYPES,
  SIZE_BANDS,
} from '../../app/organisations.js';
import { origin } from '../auth.js';
import { Id, IdParams, problemResponses, Timestamp } from '../schemas.js';

const OrganisationType = Type.Union(ORGANISATION_TYPES.map((t) => Type.Literal(t)));
const SizeBand = Type.Union(SIZE_BANDS.map((t) => Type.Literal(t)));

const OrganisationSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    type: OrganisationType,
    sizeBand: SizeBand,
    sector: Type.String(),
    relatedOrganisationIds: Type.Array(Type.String()),
    createdAt: Timestamp,
  },
  { additionalProperties: false },
);

export function organisationRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/organisations',
    {
      config: { access: 'user' },
      schema: {
        tags: ['organisations'],
        summary: 'Organisations I may see',
        response: { 200: Type.Array(OrganisationSchema), ...problemResponses(401, 403) },
      },
    },
    async (request) => listOrganisations(ctx, request.actor),
  );

  app.post(
    '/api/v1/organisations',
    {
      config: { access: 'user' },
      schema: {
        tags: ['organisations'],
        summary: 'Create an organisation (administrators)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            type: OrganisationType,
            sizeBand: SizeBand,
            sector: Type.String({ minLength: 1, maxLength: 100 }),
            relatedOrganisationIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: OrganisationSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createOrganisation(ctx, origin(request), request.body as NewOrganisation)),
  );

  app.get(
    '/api/v1/organisations/:id',
    {
      config: { access: 'user' },
      schema: {
        tags: ['organisations'],
        summary: 'One organisation',
        params: IdParams,
        response: { 200: OrganisationSchema, ...problemResponses(401, 403, 404) },
      },
    },
    async (request) => getOrganisation(ctx, request.actor, (request.params as { id: string }).id),
  );
}
