/** The OSCAL 1.1.3 catalog export: valid against NIST's schema, deterministic, and byte-for-byte golden. */
import { readFileSync } from 'node:fs';
import ajvModule from 'ajv';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { type CriteriaCatalog, loadCriteriaCatalog, parseCriteriaCatalog } from '../src/criteria/catalog.js';
import {
  CRITERIA_UUID_NAMESPACE,
  criteriaToOscalCatalog,
  renderOscalCatalog,
  uuidV5,
} from '../src/criteria/oscal.js';
import { expectGolden } from './fixtures/report/golden.js';

const Ajv = ajvModule.default;
// biome-ignore lint/suspicious/noExplicitAny: the OSCAL document is walked as untyped JSON in these assertions.
type Any = any;
const addFormats = ajvFormats.default;

const SCHEMA = new URL('../../../../shared/standards/oscal/1.1.3/oscal_catalog_schema.json', import.meta.url);
const mini: CriteriaCatalog = parseCriteriaCatalog(
  JSON.parse(readFileSync(new URL('./fixtures/criteria/mini-catalog.json', import.meta.url), 'utf8')),
);

function oscalValidator() {
  const schema = JSON.parse(readFileSync(SCHEMA, 'utf8'));
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  // Draft-07 is Ajv's default dialect; the schema's patterns use \p{…} escapes, which need the u flag
  // (Ajv's default unicodeRegExp: true).
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}
const validate = oscalValidator();
const errorsOf = (doc: unknown) => (validate(doc) ? [] : validate.errors);

describe('uuidV5', () => {
  it('matches RFC 9562 / Python uuid.uuid5 test values', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
    expect(uuidV5('https://vacsrp.dev/ns/oscal/criteria', '6ba7b811-9dad-11d1-80b4-00c04fd430c8')).toBe(
      CRITERIA_UUID_NAMESPACE,
    );
  });

  it('rejects a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow(TypeError);
  });
});

describe('criteriaToOscalCatalog', () => {
  it('exports the built-in catalog as a valid OSCAL 1.1.3 catalog', () => {
    const doc = criteriaToOscalCatalog(loadCriteriaCatalog());
    expect(errorsOf(doc)).toEqual([]);
  });

  it('the schema check can fail: a control without a title, or a bad UUID, is rejected', () => {
    const doc = structuredClone(criteriaToOscalCatalog(mini)) as Any;
    delete doc.catalog.groups[0].controls[0].title;
    doc.catalog.uuid = 'not-a-uuid';
    const paths = (errorsOf(doc) ?? []).map((e) => e.instancePath);
    expect(paths).toContain('/catalog/uuid');
    expect(paths).toContain('/catalog/groups/0/controls/0');
  });

  it('exports the fixture catalog byte for byte (UPDATE_GOLDEN=1 rewrites)', () => {
    const text = renderOscalCatalog(mini);
    expect(errorsOf(JSON.parse(text))).toEqual([]);
    expectGolden('../criteria/mini-catalog.oscal.json', text);
  });

  it('exports the built-in catalog byte for byte (UPDATE_GOLDEN=1 rewrites after a catalog change)', () => {
    expectGolden('../criteria/vacsrp-criteria-v1.oscal.json', renderOscalCatalog(loadCriteriaCatalog()));
  });

  it('is deterministic: no clock, no randomness, keys sorted', () => {
    const a = renderOscalCatalog(mini);
    expect(renderOscalCatalog(structuredClone(mini))).toBe(a);
    const doc = JSON.parse(a);
    expect(doc.catalog.metadata['last-modified']).toBe('2025-06-30T12:00:00Z');
    expect(doc.catalog.metadata.published).toBe('2025-06-30T12:00:00Z');
    const keysSorted = (v: unknown): boolean =>
      Array.isArray(v)
        ? v.every(keysSorted)
        : typeof v !== 'object' || v === null
          ? true
          : Object.keys(v).join('\n') === Object.keys(v).sort().join('\n') &&
            Object.values(v).every(keysSorted);
    expect(keysSorted(doc)).toBe(true);
  });

  it('changes the document UUID when the version or lastModified changes, and nothing else random', () => {
    const base = criteriaToOscalCatalog(mini) as Any;
    const bumped = criteriaToOscalCatalog({ ...mini, version: '2.1.1' }) as Any;
    const touched = criteriaToOscalCatalog({ ...mini, lastModified: '2025-07-01T00:00:00Z' }) as Any;
    expect(bumped.catalog.uuid).not.toBe(base.catalog.uuid);
    expect(touched.catalog.uuid).not.toBe(base.catalog.uuid);
    expect(bumped.catalog.metadata.parties[0].uuid).toBe(base.catalog.metadata.parties[0].uuid);
  });

  it('maps families to groups, criteria to controls, and testing to assessment-method parts', () => {
    const doc = criteriaToOscalCatalog(mini) as Any;
    const [mi, ar] = doc.catalog.groups;
    expect(mi.id).toBe('mi');
    const control = mi.controls[0];
    expect(control.id).toBe('mi-1');
    expect(control.parts.map((p: Any) => p.id)).toEqual([
      'mi-1_smt',
      'mi-1_gdn',
      'mi-1_app',
      'mi-1_asm-automated',
      'mi-1_asm-manual',
    ]);
    expect(control.props).toContainEqual({
      name: 'cwe',
      ns: 'https://vacsrp.dev/ns/oscal',
      value: 'CWE-502',
    });
    expect(control.links).toContainEqual({
      href: 'https://atlas.mitre.org/techniques/AML.T0011.000',
      rel: 'reference',
      text: 'AML.T0011.000',
    });
    const sims = ar.controls[0].parts.find((p: Any) => p.id === 'ar-1_asm-simulations');
    expect(sims.parts[0]).toMatchObject({
      id: 'ar-1_asm-simulations.sim-ar-pi-direct',
      title: 'Direct injection corpus',
    });
    expect(ar.controls[0].links).toBeUndefined();
  });
});
