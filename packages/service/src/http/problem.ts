/** Errors as RFC 9457 problem details: one shape for every refusal, codes stable for clients. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type AppErrorCode } from '../app/context.js';

export const PROBLEM_TYPE_BASE = 'https://vacsrp.dev/problems/';

/** The HTTP status of each refusal code (the web pages use the same table). */
export const STATUS_OF_CODE: Readonly<Record<AppErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID: 400,
  CONFLICT: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UNPROCESSABLE: 422,
};

const TITLE: Record<number, string> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Content too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extra: string]: unknown;
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLE[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type('application/problem+json').send(JSON.stringify(p));
}

/** Maps whatever a handler threw to a problem; unexpected faults are logged and told apart from refusals. */
export function toProblem(error: unknown, request: FastifyRequest): Problem {
  if (error instanceof AppError) {
    return {
      ...problem(STATUS_OF_CODE[error.code], error.code, error.detail, error.extra),
      instance: request.url.split('?')[0],
    };
  }
  const fe = error as FastifyError & {
    validation?: { instancePath?: string; message?: string; params?: unknown }[];
  };
  if (fe.validation !== undefined) {
    return problem(400, 'INVALID', 'the request does not match the schema', {
      errors: fe.validation.slice(0, 20).map((v) => ({
        pointer: v.instancePath ?? '',
        message: v.message ?? 'invalid',
        in: fe.validationContext ?? 'body',
      })),
    });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'this content type is not accepted here');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem(400, 'INVALID', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'INVALID', 'the content length does not match the body');
    default:
      break;
  }
  if (fe.statusCode === 429) return problem(429, 'RATE_LIMITED', 'too many requests; slow down');
  if (error instanceof SyntaxError) return problem(400, 'INVALID', 'the body is not valid JSON');
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return problem(fe.statusCode, 'INVALID', 'the request was not accepted');
  }
  request.log.error({ err: error }, 'unexpected failure');
  return problem(500, 'INTERNAL', 'an unexpected error occurred; it has been logged');
}
