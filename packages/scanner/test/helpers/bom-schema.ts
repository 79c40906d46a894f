/** An independent validator built from the official CycloneDX 1.6 schema files in ../shared/standards. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

export const STANDARDS = fileURLToPath(new URL('../../../../../shared/standards/cyclonedx', import.meta.url));
const load = (name: string) => JSON.parse(readFileSync(join(STANDARDS, name), 'utf8')) as object;

let validate: ValidateFunction | undefined;

/** ajv error strings for `json` against bom-1.6.schema.json (with spdx and jsf); [] when valid. */
export function officialErrors(json: unknown): string[] {
  if (!validate) {
    const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
      addFormatsModule) as unknown as (a: Ajv) => void;
    addFormats(ajv);
    ajv.addSchema(load('spdx.schema.json'));
    ajv.addSchema(load('jsf-0.82.schema.json'));
    validate = ajv.compile(load('bom-1.6.schema.json'));
  }
  return validate(json) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export function officialExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(STANDARDS, 'examples', name), 'utf8')) as Record<string, unknown>;
}
