/**
 * The OpenAPI document describes the API the server really answers: every API route is in it with
 * its parameters, request body and responses; bodies forbid unknown properties; errors are problem
 * details; and it compiles as JSON Schema 2020-12 (OpenAPI 3.1's dialect) with Ajv.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isApiRoute, startTestService, type TestService } from './helpers/runtime.js';

interface Operation {
  parameters?: { name: string; in: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

describe('the OpenAPI document', () => {
  let svc: TestService;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas?: Record<string, unknown> };
  };
  beforeAll(async () => {
    svc = await startTestService('sqlite', { inProcessWorkers: false });
    const res = await svc.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
  });
  afterAll(async () => svc?.close());

  const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

  it('is OpenAPI 3.1 and lists every API route the server answers', () => {
    expect(doc.openapi).toBe('3.1.0');
    const hidden = new Set(['GET /healthz', 'GET /api/openapi.json']);
    const missing = svc.app.routeTable
      .filter((r) => isApiRoute(r.url) && !hidden.has(`${r.method} ${r.url}`))
      .filter((r) => doc.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()] === undefined)
      .map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('gives every operation responses, path parameters and strict bodies', () => {
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        const codes = Object.keys(op.responses ?? {});
        if (!codes.some((c) => c.startsWith('2'))) problems.push(`${name}: no success response`);
        for (const param of path.match(/\{(\w+)\}/g) ?? []) {
          const p = param.slice(1, -1);
          if (!op.parameters?.some((x) => x.in === 'path' && x.name === p))
            problems.push(`${name}: path parameter ${p} undocumented`);
        }
        for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
          if (type !== 'application/json') continue;
          const variants = (media.schema.anyOf as Record<string, unknown>[] | undefined) ?? [media.schema];
          for (const v of variants)
            if (v.additionalProperties !== false) problems.push(`${name}: body allows unknown properties`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("compiles as JSON Schema 2020-12 (OpenAPI 3.1's dialect)", () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    for (const [id, schema] of Object.entries(doc.components.schemas ?? {})) {
      ajv.addSchema(schema as object, `#/components/schemas/${id}`);
    }
    let compiled = 0;
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) {
        for (const media of Object.values(op.requestBody?.content ?? {})) {
          ajv.compile(
            JSON.parse(
              JSON.stringify(media.schema).replaceAll(
                '"$ref":"#/components/schemas/',
                '"$ref":"#/components/schemas/',
              ),
            ) as object,
          );
          compiled++;
        }
      }
    }
    expect(compiled).toBeGreaterThan(10);
  });
});
