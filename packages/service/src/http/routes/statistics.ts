/**
 * Public statistics: the dashboard as JSON, CSV and SVG charts (anyone, served from a short cache),
 * and the annual report to Congress as Markdown or PDF (administrators, audited).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, type Context } from '../../app/context.js';
import {
  ANNUAL_REPORT_FORMATS,
  type AnnualReportFormat,
  annualReportFor,
  currentFiscalYear,
  dashboardChartFor,
  dashboardFor,
  isMetric,
  STATISTICS_FISCAL_YEARS,
} from '../../app/statistics.js';
import { dashboardToJson, tablesToCsv } from '../../dashboard/export.js';
import { origin } from '../auth.js';
import { problemResponses } from '../schemas.js';

/** 2020..2100 as text (query strings are never coerced); the use cases check the range again. */
const FISCAL_YEAR = Type.String({
  pattern: '^(20[2-9][0-9]|2100)$',
  description: `U.S. federal fiscal year, ${STATISTICS_FISCAL_YEARS.min}–${STATISTICS_FISCAL_YEARS.max}; default: the current one`,
});
const FiscalYearQuery = Type.Object(
  { fiscalYear: Type.Optional(FISCAL_YEAR) },
  { additionalProperties: false },
);

/**
 * The chart is our own SVG (inline data, no script, no external reference), but an SVG opened
 * directly is a document that could run script: forbid everything but its inline styles.
 */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

function fiscalYearOf(ctx: Context, request: FastifyRequest): number {
  const q = request.query as { fiscalYear?: string };
  return q.fiscalYear === undefined ? currentFiscalYear(ctx.clock) : Number(q.fiscalYear);
}

export function statisticsRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/v1/dashboard',
    {
      config: { access: 'public' },
      schema: {
        tags: ['statistics'],
        summary:
          'The public dashboard for a fiscal year and the year before: aggregate tables with disclosure control (vacsrp-dashboard 1.0.0)',
        querystring: FiscalYearQuery,
        response: {
          200: Type.Unsafe({
            type: 'object',
            description:
              'dashboardToJson: format, version, fiscalYear, previousFiscalYear, asOf, suppression, tables',
          }),
          ...problemResponses(400, 429),
        },
      },
    },
    async (request, reply) => {
      const dashboard = await dashboardFor(ctx, fiscalYearOf(ctx, request));
      return reply.type('application/json; charset=utf-8').send(dashboardToJson(dashboard));
    },
  );

  app.get(
    '/api/v1/dashboard.csv',
    {
      config: { access: 'public' },
      schema: {
        tags: ['statistics'],
        summary: 'Every dashboard table of a fiscal year and the year before as one RFC 4180 CSV download',
        querystring: FiscalYearQuery,
        response: {
          200: Type.Unsafe({ type: 'string', description: 'text/csv' }),
          ...problemResponses(400, 429),
        },
      },
    },
    async (request, reply) => {
      const fy = fiscalYearOf(ctx, request);
      const dashboard = await dashboardFor(ctx, fy);
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="vacsrp-dashboard-FY${fy}.csv"`)
        .send(tablesToCsv(dashboard.tables));
    },
  );

  app.get(
    '/api/v1/dashboard/charts/:table.svg',
    {
      config: { access: 'public' },
      schema: {
        tags: ['statistics'],
        summary: 'The chart of one dashboard table (a metric id, e.g. completion-status) as SVG',
        params: Type.Object(
          { table: Type.String({ pattern: '^[a-z][a-z-]{0,63}$' }) },
          { additionalProperties: false },
        ),
        querystring: FiscalYearQuery,
        response: {
          200: Type.Unsafe({ type: 'string', description: 'image/svg+xml' }),
          ...problemResponses(400, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { table } = request.params as { table: string };
      if (!isMetric(table)) throw new AppError('NOT_FOUND', 'no such dashboard table');
      const svg = await dashboardChartFor(ctx, fiscalYearOf(ctx, request), table);
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-security-policy', SVG_CONTENT_SECURITY_POLICY)
        .send(svg);
    },
  );

  app.get(
    '/api/v1/reports/annual',
    {
      config: { access: 'user' },
      schema: {
        tags: ['statistics'],
        summary:
          'The annual report to Congress for a fiscal year as Markdown or PDF (administrators; the generation is audited)',
        querystring: Type.Object(
          {
            fiscalYear: Type.Optional(FISCAL_YEAR),
            format: Type.Optional(Type.Union(ANNUAL_REPORT_FORMATS.map((f) => Type.Literal(f)))),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe({ type: 'string', description: 'text/markdown or application/pdf' }),
          ...problemResponses(400, 401, 403, 429),
        },
      },
    },
    async (request, reply) => {
      const format = (request.query as { format?: AnnualReportFormat }).format ?? 'markdown';
      const file = await annualReportFor(ctx, origin(request), fiscalYearOf(ctx, request), format);
      return reply
        .type(file.mediaType)
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(file.body);
    },
  );
}
