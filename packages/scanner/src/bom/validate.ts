/** Validation against the official CycloneDX 1.6 JSON Schema (draft-07, with its SPDX and JSF schemas). */
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import bomSchema from './schema/bom-1.6.schema.json' with { type: 'json' };
import jsfSchema from './schema/jsf-0.82.schema.json' with { type: 'json' };
import spdxSchema from './schema/spdx.schema.json' with { type: 'json' };

export interface SchemaProblem {
  /** JSON pointer of the offending value ('' for the document). */
  readonly pointer: string;
  readonly message: string;
}

/** Problems reported per document; the rest are counted in one last problem (CWE-400). */
const MAX_SCHEMA_PROBLEMS = 50;

let compiled: ValidateFunction | undefined;
let spdxIds: ReadonlySet<string> | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // Compiled once, lazily: the first call costs a few hundred milliseconds. Ajv itself is loaded here
  // too, so that start-up of runs that never validate a BOM does not pay for it.
  const require = createRequire(import.meta.url);
  const ajv = new (require('ajv') as typeof AjvModule).Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
  });
  (require('ajv-formats') as (a: Ajv) => void)(ajv);
  // Formats ajv-formats lacks: accepted, as the CycloneDX tools do (a library never logs warnings).
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  ajv.addSchema(spdxSchema as object);
  ajv.addSchema(jsfSchema as object);
  compiled = ajv.compile(bomSchema as object);
  return compiled;
}

/** Validates a parsed JSON document as a CycloneDX 1.6 BOM; [] when valid. */
export function validateBom(json: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(json)) return [];
  const errors: ErrorObject[] = validate.errors ?? [];
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    const where =
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${String((e.params as { additionalProperty?: string }).additionalProperty)}`
        : e.instancePath;
    const message = e.keyword === 'additionalProperties' ? 'property not allowed' : (e.message ?? e.keyword);
    const key = `${where}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer: where, message });
  }
  out.sort((a, b) =>
    a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : a.message < b.message ? -1 : 1,
  );
  if (out.length > MAX_SCHEMA_PROBLEMS) {
    const rest = out.length - MAX_SCHEMA_PROBLEMS;
    return [
      ...out.slice(0, MAX_SCHEMA_PROBLEMS),
      { pointer: '', message: `${rest} more problems not shown` },
    ];
  }
  return out;
}

/** Whether `id` is an SPDX license identifier CycloneDX 1.6 accepts as `license.id`. */
export function isSpdxLicenseId(id: string): boolean {
  spdxIds ??= new Set((spdxSchema as { enum: string[] }).enum);
  return spdxIds.has(id);
}

/** The SPDX identifier with the canonical case (`mit` → `MIT`), or undefined. */
export function canonicalSpdxId(id: string): string | undefined {
  if (isSpdxLicenseId(id)) return id;
  const lower = id.toLowerCase();
  for (const known of (spdxSchema as { enum: string[] }).enum)
    if (known.toLowerCase() === lower) return known;
  return undefined;
}
