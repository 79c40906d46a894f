/** The audit log for administrators: pages of entries and a full-chain verification. */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { readAuditLog, verifyAuditLog } from '../../app/audit.js';
import type { Context } from '../../app/context.js';
import { origin } from '../auth.js';
import { problemResponses } from '../schemas.js';

export function auditRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/audit',
    {
      config: { access: 'user' },
      schema: {
        tags: ['audit'],
        summary: 'Audit entries after ?after= (sequence number), at most ?limit= (≤ 1000)',
        querystring: Type.Object(
          {
            after: Type.Optional(Type.String({ pattern: '^(-1|0|[1-9][0-9]{0,15})$' })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Array(
            Type.Object(
              { seq: Type.Integer(), prevHash: Type.String(), hash: Type.String(), event: Type.Unknown() },
              { additionalProperties: false },
            ),
          ),
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const q = request.query as { after?: string; limit?: string };
      return readAuditLog(ctx, origin(request), {
        ...(q.after === undefined ? {} : { after: Number(q.after) }),
        limit: Number(q.limit ?? 100),
      });
    },
  );

  app.get(
    '/api/v1/audit/verification',
    {
      config: { access: 'user' },
      schema: {
        tags: ['audit'],
        summary: 'Verify the whole hash chain; names the first altered, removed or reordered entry',
        response: {
          200: Type.Object(
            {
              ok: Type.Boolean(),
              count: Type.Optional(Type.Integer()),
              tipHash: Type.Optional(Type.String()),
              index: Type.Optional(Type.Integer()),
              reason: Type.Optional(Type.String()),
            },
            { additionalProperties: false },
          ),
          ...problemResponses(401, 403),
        },
      },
    },
    async (request) => verifyAuditLog(ctx, request.actor),
  );
}
