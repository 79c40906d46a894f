/** The criteria catalog: strict validation at load, identifier checks, and the mappings it publishes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allCriteria,
  type CatalogProblemCode,
  CRITERIA_FAMILIES,
  CriteriaCatalogError,
  findCriterion,
  isAiRmfSubcategory,
  loadCriteriaCatalog,
  parseCriteriaCatalog,
  validateCriteriaCatalog,
} from '../src/criteria/catalog.js';
import { RULE_IDS, RULES } from '../src/rules/registry.js';

const ATLAS_YAML = new URL('../../../../shared/standards/atlas/ATLAS.yaml', import.meta.url);
const catalog = loadCriteriaCatalog();

// biome-ignore lint/suspicious/noExplicitAny: the tests break the catalog's JSON in arbitrary places.
type Any = any;
/** A deep, mutable copy of the built-in catalog to break in one place. */
const copy = (): Any => structuredClone(catalog);
const codes = (data: unknown): CatalogProblemCode[] => {
  const r = validateCriteriaCatalog(data);
  return r.ok ? [] : r.problems.map((p) => p.code);
};
const problems = (data: unknown) => {
  const r = validateCriteriaCatalog(data);
  return r.ok ? [] : r.problems;
};

describe('the built-in catalog', () => {
  it('loads, validates and is frozen', () => {
    expect(validateCriteriaCatalog(JSON.parse(JSON.stringify(catalog))).ok).toBe(true);
    expect(catalog.id).toBe('vacsrp-criteria-v1');
    expect(catalog.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Object.isFrozen(catalog.families[0]!.criteria[0]!.mappings.cwe)).toBe(true);
    expect(loadCriteriaCatalog()).toBe(catalog);
  });

  it('has every family, in the published order, each with criteria numbered from 1 without gaps', () => {
    expect(catalog.families.map((f) => f.id)).toEqual([...CRITERIA_FAMILIES]);
    for (const f of catalog.families) {
      expect(f.criteria.map((c) => c.id)).toEqual(f.criteria.map((_, i) => `${f.id}-${i + 1}`));
    }
  });

  it('keeps the model-integrity criteria IDs that published reports quote', () => {
    expect(catalog.families[0]!.criteria.map((c) => c.id)).toEqual(['MI-1', 'MI-2', 'MI-3', 'MI-4', 'MI-5']);
  });

  it('maps only to MITRE ATLAS techniques that exist in ATLAS.yaml', () => {
    const known = new Set(
      [...readFileSync(ATLAS_YAML, 'utf8').matchAll(/^\s*- id: (AML\.T\d{4}(?:\.\d{3})?)\s*$/gm)].map(
        (m) => m[1],
      ),
    );
    expect(known.size).toBeGreaterThan(100);
    const unknown = allCriteria(catalog).flatMap(({ criterion }) =>
      criterion.mappings['mitre-atlas'].filter((id) => !known.has(id)).map((id) => `${criterion.id} → ${id}`),
    );
    expect(unknown).toEqual([]);
  });

  it('lists automated rules that exist and name the criterion back', () => {
    for (const { criterion } of allCriteria(catalog)) {
      for (const id of criterion.testing.automated) {
        expect(RULE_IDS as readonly string[]).toContain(id);
        expect(RULES[id as keyof typeof RULES].criterion).toBe(criterion.id);
      }
    }
  });

  it('gives every criterion a NIST AI RMF mapping and every non-documentation criterion an OWASP one', () => {
    for (const { family, criterion: c } of allCriteria(catalog)) {
      expect(c.mappings['nist-ai-rmf'].length, c.id).toBeGreaterThan(0);
      if (family.id !== 'DT') {
        expect(
          c.mappings['owasp-ml-top10'].length + c.mappings['owasp-llm-top10'].length,
          c.id,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('names simulations with pass conditions for the adversarial-robustness and privacy criteria that need them', () => {
    for (const id of ['AR-1', 'AR-3', 'AR-4', 'PS-1', 'PS-2']) {
      const sims = findCriterion(id)!.criterion.testing.simulations;
      expect(sims.length, id).toBeGreaterThan(0);
      for (const s of sims) expect(s.id.startsWith(`SIM-${id.slice(0, 2)}-`), s.id).toBe(true);
    }
  });
});

describe('findCriterion', () => {
  it('finds a criterion and its family by exact ID', () => {
    const found = findCriterion('SC-3');
    expect(found?.family.id).toBe('SC');
    expect(found?.criterion.title).toBe('Upstream models pinned to a revision');
  });

  it('does not match case-insensitively or by prefix', () => {
    expect(findCriterion('sc-3')).toBeUndefined();
    expect(findCriterion('SC')).toBeUndefined();
    expect(findCriterion('SC-99')).toBeUndefined();
  });
});

describe('validation', () => {
  it('rejects an unknown property at every level, naming its JSON pointer', () => {
    const c = copy();
    c.extra = 1;
    c.families[1].bogus = true;
    c.families[1].criteria[0].testing.automatic = [];
    c.families[1].criteria[0].applicability.modality = ['text'];
    c.families[1].criteria[0].mappings['owasp-top10'] = [];
    expect(
      problems(c)
        .filter((p) => p.code === 'UNKNOWN_PROPERTY')
        .map((p) => p.path),
    ).toEqual([
      '/extra',
      '/families/1/bogus',
      '/families/1/criteria/0/testing/automatic',
      '/families/1/criteria/0/applicability/modality',
      '/families/1/criteria/0/mappings/owasp-top10',
    ]);
  });

  it('rejects duplicate criterion IDs across families and duplicate families', () => {
    const c = copy();
    c.families[2].criteria[1].id = 'AR-1';
    c.families.push(structuredClone(c.families[4]));
    const found = problems(c).filter((p) => p.code === 'DUPLICATE_ID');
    expect(found.map((p) => p.path)).toEqual([
      '/families/2/criteria/1/id',
      '/families/5/id',
      ...c.families[5].criteria.map((_: unknown, i: number) => `/families/5/criteria/${i}/id`),
    ]);
    expect(found[0]!.message).toContain('"AR-1" is already defined at /families/2/criteria/0');
  });

  it('rejects an unknown family, and a criterion filed under the wrong family', () => {
    const c = copy();
    c.families[4].id = 'XX';
    c.families[3].criteria[0].id = 'AR-99';
    expect(codes(c).sort()).toEqual(['BAD_ID', 'UNKNOWN_FAMILY']);
    expect(() => parseCriteriaCatalog(c)).toThrow(/unknown family "XX"/);
  });

  it('rejects mappings to identifiers that do not exist', () => {
    const c = copy();
    const m = c.families[0].criteria[0].mappings;
    m['nist-ai-rmf'] = ['MS-2.14', 'MEASURE-2.7', 'MG-3.1'];
    m['mitre-atlas'] = ['T1059', 'AML.T0010.003'];
    m['owasp-ml-top10'] = ['ML11:2023', 'ML06:2021'];
    m['owasp-llm-top10'] = ['LLM01:2023'];
    m.cwe = ['CWE-0', 'cwe-502', 'CWE-502', 'CWE-502'];
    const bad = problems(c).map((p) => `${p.code} ${p.path.replace('/families/0/criteria/0/mappings/', '')}`);
    expect(bad).toEqual([
      'BAD_VALUE nist-ai-rmf/0',
      'BAD_VALUE nist-ai-rmf/1',
      'BAD_VALUE mitre-atlas/0',
      'BAD_VALUE owasp-ml-top10/0',
      'BAD_VALUE owasp-ml-top10/1',
      'BAD_VALUE owasp-llm-top10/0',
      'BAD_VALUE cwe/0',
      'BAD_VALUE cwe/1',
      'DUPLICATE_ID cwe/3',
    ]);
  });

  it('knows the NIST AI RMF 1.0 subcategories', () => {
    for (const id of ['GV-1.7', 'GV-6.2', 'MP-1.6', 'MP-5.2', 'MS-2.13', 'MS-4.3', 'MG-4.3']) {
      expect(isAiRmfSubcategory(id), id).toBe(true);
    }
    for (const id of [
      'GV-1.8',
      'GV-7.1',
      'MP-1.7',
      'MS-2.14',
      'MS-5.1',
      'MG-4.4',
      'MG-0.1',
      'MS-2.07',
      'ms-2.7',
    ]) {
      expect(isAiRmfSubcategory(id), id).toBe(false);
    }
  });

  it('rejects bad applicability, testing and metadata values', () => {
    const c = copy();
    c.status = 'final';
    c.lastModified = '2026-02-30T00:00:00Z';
    c.version = 'v1';
    const k = c.families[1].criteria[0];
    k.applicability.access = ['weights'];
    k.applicability.modalities = [];
    k.applicability.modelTypes = 'everything';
    k.testing.automated = ['VAC-PKL-1'];
    k.testing.simulations = [{ id: 'SIM-AR-PGD-LINF', title: 'again', passCondition: 'x' }];
    k.testing.manual = ['  padded'];
    expect(problems(c).map((p) => `${p.code} ${p.path}`)).toEqual([
      'BAD_VALUE /version',
      'BAD_VALUE /status',
      'BAD_VALUE /lastModified',
      'BAD_VALUE /families/1/criteria/0/testing/automated/0',
      'EMPTY /families/1/criteria/0/testing/manual/0',
      'BAD_VALUE /families/1/criteria/0/applicability/modelTypes',
      'EMPTY /families/1/criteria/0/applicability/modalities',
      'BAD_VALUE /families/1/criteria/0/applicability/access/0',
      'DUPLICATE_ID /families/2/criteria/0/testing/simulations/0/id',
    ]);
  });

  it('rejects a rule listed under two criteria, and a criterion with no way of being tested', () => {
    const c = copy();
    c.families[1].criteria[0].testing.automated = [catalog.families[0]!.criteria[0]!.testing.automated[0]];
    c.families[4].criteria[0].testing.manual = [];
    expect(codes(c)).toEqual(['DUPLICATE_ID', 'EMPTY']);
  });

  it('reports wrong types and missing properties without throwing', () => {
    expect(codes(null)).toEqual(['NOT_AN_OBJECT']);
    expect(codes([])).toEqual(['NOT_AN_OBJECT']);
    const c = copy();
    delete c.publisher;
    c.families[0].criteria = {};
    c.families[1].criteria[0] = 'SC-1';
    c.families[2].criteria[0].mappings.cwe = 'CWE-1039';
    expect(problems(c).map((p) => `${p.code} ${p.path}`)).toEqual([
      'MISSING_PROPERTY ',
      'NOT_A_STRING /publisher',
      'NOT_AN_ARRAY /families/0/criteria',
      'NOT_AN_OBJECT /families/1/criteria/0',
      'NOT_AN_ARRAY /families/2/criteria/0/mappings/cwe',
    ]);
  });

  it('throws a CriteriaCatalogError that carries every problem', () => {
    const c = copy();
    c.a = 1;
    c.b = 2;
    try {
      parseCriteriaCatalog(c);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CriteriaCatalogError);
      expect((err as CriteriaCatalogError).code).toBe('INVALID_CRITERIA_CATALOG');
      expect((err as CriteriaCatalogError).problems).toHaveLength(2);
      expect((err as Error).message).toBe(
        'invalid criteria catalog: /a: unknown property "a"; /b: unknown property "b"',
      );
    }
  });
});
