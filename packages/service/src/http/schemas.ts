/** Schemas shared by the routes. Every body rejects unknown properties; every string is bounded. */
import { type TSchema, Type } from 'typebox';

export const Id = Type.String({ format: 'uuid', maxLength: 36 });
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export const Timestamp = Type.String({ maxLength: 40 });
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true, $id: 'Problem' },
);

/** The error answers every route may give, in OpenAPI. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { ...Type.Ref('Problem'), description: 'RFC 9457 problem details' }]),
  ) as Record<number, TSchema>;

export const AUTH_ERRORS = [400, 401, 403, 404, 429] as const;
