/**
 * Strict validation of a criteria catalog. The catalog is published data that reports and attestations
 * quote by criterion ID, so an unknown property, a duplicate ID or a mapping to an identifier that does
 * not exist is a defect to fail on, not something to skip.
 */
import {
  ACCESS_MODES,
  CATALOG_STATUSES,
  CRITERIA_FAMILIES,
  type CriteriaCatalog,
  MAPPING_KEYS,
  type MappingKey,
  MODALITIES,
  MODEL_TYPES,
} from './types.js';

export type CatalogProblemCode =
  | 'NOT_AN_OBJECT'
  | 'NOT_AN_ARRAY'
  | 'NOT_A_STRING'
  | 'EMPTY'
  | 'MISSING_PROPERTY'
  | 'UNKNOWN_PROPERTY'
  | 'UNKNOWN_FAMILY'
  | 'DUPLICATE_ID'
  | 'BAD_ID'
  | 'BAD_VALUE';

export interface CatalogProblem {
  readonly code: CatalogProblemCode;
  /** JSON Pointer (RFC 6901) to the offending value. */
  readonly path: string;
  readonly message: string;
}

export class CriteriaCatalogError extends Error {
  readonly code = 'INVALID_CRITERIA_CATALOG';
  constructor(readonly problems: readonly CatalogProblem[]) {
    super(
      `invalid criteria catalog: ${problems
        .slice(0, 10)
        .map((p) => `${p.path || '/'}: ${p.message}`)
        .join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`,
    );
    this.name = 'CriteriaCatalogError';
  }
}

/**
 * NIST AI RMF 1.0 (NIST AI 100-1, Tables 1-4): the number of subcategories in each category. A mapping
 * must name a subcategory that exists.
 */
const AI_RMF_SUBCATEGORIES: Readonly<Record<string, readonly number[]>> = {
  GV: [7, 3, 2, 3, 2, 2],
  MP: [6, 3, 5, 2, 2],
  MS: [3, 13, 3, 3],
  MG: [4, 4, 2, 3],
};

export function isAiRmfSubcategory(id: string): boolean {
  const m = /^(GV|MP|MS|MG)-([1-9])\.([1-9][0-9]?)$/.exec(id);
  if (m === null) return false;
  const count = AI_RMF_SUBCATEGORIES[m[1]!]![Number(m[2]) - 1];
  return count !== undefined && Number(m[3]) <= count;
}

const top10 = (prefix: string, year: number): readonly string[] =>
  Array.from({ length: 10 }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}:${year}`);
const OWASP_ML = top10('ML', 2023);
const OWASP_LLM = top10('LLM', 2025);

const MAPPING_CHECKS: Readonly<Record<MappingKey, { test: (id: string) => boolean; expected: string }>> = {
  'nist-ai-rmf': { test: isAiRmfSubcategory, expected: 'a NIST AI RMF 1.0 subcategory such as MS-2.7' },
  'mitre-atlas': {
    test: (id) => /^AML\.T[0-9]{4}(\.[0-9]{3})?$/.test(id),
    expected: 'a MITRE ATLAS technique ID such as AML.T0010 or AML.T0010.003',
  },
  'owasp-ml-top10': { test: (id) => OWASP_ML.includes(id), expected: 'one of ML01:2023 to ML10:2023' },
  'owasp-llm-top10': { test: (id) => OWASP_LLM.includes(id), expected: 'one of LLM01:2025 to LLM10:2025' },
  cwe: { test: (id) => /^CWE-[1-9][0-9]*$/.test(id), expected: 'a CWE ID such as CWE-502' },
};

const RULE_ID = /^VAC-[A-Z]+-[0-9]{3}$/;
const SIMULATION_ID = /^SIM-[A-Z]{2}(-[A-Z0-9]+)+$/;
const CATALOG_ID = /^[a-z][a-z0-9-]*$/;
const SEMVER = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$/;
const UTC_TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

type Json = Readonly<Record<string, unknown>>;

/** A value as it appears in a message: JSON-quoted (so control characters show escaped) and shortened. */
const quote = (value: string): string => {
  const q = JSON.stringify(value);
  return q.length > 82 ? `${q.slice(0, 80)}…"` : q;
};

/** Collects problems while walking untrusted JSON; every check returns whether the value passed. */
class Checker {
  readonly problems: CatalogProblem[] = [];

  report(code: CatalogProblemCode, path: string, message: string): false {
    this.problems.push({ code, path, message });
    return false;
  }

  /** True when `value` is an object; missing and unknown properties are reported but do not stop the walk. */
  object(
    value: unknown,
    path: string,
    required: readonly string[],
    optional: readonly string[] = [],
  ): value is Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.report('NOT_AN_OBJECT', path, 'expected an object');
    }
    for (const key of required) {
      if (!Object.hasOwn(value, key)) this.report('MISSING_PROPERTY', path, `missing property ${quote(key)}`);
    }
    for (const key of Object.keys(value)) {
      if (!required.includes(key) && !optional.includes(key)) {
        this.report('UNKNOWN_PROPERTY', `${path}/${escapePointer(key)}`, `unknown property ${quote(key)}`);
      }
    }
    return true;
  }

  string(
    value: unknown,
    path: string,
    pattern?: RegExp | ((s: string) => boolean),
    expected?: string,
  ): value is string {
    if (typeof value !== 'string') return this.report('NOT_A_STRING', path, 'expected a string');
    if (value.trim() === '' || value !== value.trim()) {
      return this.report('EMPTY', path, 'expected a non-empty string without surrounding whitespace');
    }
    const ok =
      pattern === undefined || (typeof pattern === 'function' ? pattern(value) : pattern.test(value));
    if (!ok) {
      return this.report(
        'BAD_VALUE',
        path,
        `${quote(value)} is not ${expected ?? `matching ${String(pattern)}`}`,
      );
    }
    return true;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): value is T {
    if (!this.string(value, path)) return false;
    return (
      (allowed as readonly string[]).includes(value) ||
      this.report('BAD_VALUE', path, `${quote(value)} is not one of ${allowed.join(', ')}`)
    );
  }

  /** An array whose elements pass `each`, with no element repeated. */
  array(
    value: unknown,
    path: string,
    each: (v: unknown, p: string) => boolean,
    nonEmpty = false,
  ): value is unknown[] {
    if (!Array.isArray(value)) return this.report('NOT_AN_ARRAY', path, 'expected an array');
    if (nonEmpty && value.length === 0) return this.report('EMPTY', path, 'expected at least one element');
    let ok = true;
    const seen = new Set<string>();
    value.forEach((v, i) => {
      if (!each(v, `${path}/${i}`)) ok = false;
      else if (typeof v === 'string') {
        if (seen.has(v)) ok = this.report('DUPLICATE_ID', `${path}/${i}`, `${quote(v)} is listed twice`);
        seen.add(v);
      }
    });
    return ok;
  }

  scope(value: unknown, path: string, allowed: readonly string[]): boolean {
    if (value === 'all') return true;
    if (typeof value === 'string')
      return this.report('BAD_VALUE', path, `expected "all" or an array, got ${quote(value)}`);
    return this.array(value, path, (v, p) => this.oneOf(v, p, allowed), true);
  }
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export type CatalogValidation =
  | { readonly ok: true; readonly catalog: CriteriaCatalog }
  | { readonly ok: false; readonly problems: readonly CatalogProblem[] };

/** Checks untrusted JSON against the catalog's shape and identifier rules; reports every problem found. */
export function validateCriteriaCatalog(data: unknown): CatalogValidation {
  const c = new Checker();
  if (c.object(data, '', ['id', 'version', 'title', 'status', 'publisher', 'lastModified', 'families'])) {
    const root = data;
    c.string(root.id, '/id', CATALOG_ID, 'a lower-case catalog ID');
    c.string(root.version, '/version', SEMVER, 'a semantic version');
    c.string(root.title, '/title');
    c.oneOf(root.status, '/status', CATALOG_STATUSES);
    c.string(root.publisher, '/publisher');
    if (
      c.string(
        root.lastModified,
        '/lastModified',
        UTC_TIMESTAMP,
        'a UTC timestamp such as 2026-01-31T00:00:00Z',
      )
    ) {
      const t = Date.parse(root.lastModified);
      if (Number.isNaN(t) || new Date(t).toISOString().replace('.000Z', 'Z') !== root.lastModified) {
        c.report('BAD_VALUE', '/lastModified', `${quote(root.lastModified)} is not a valid date and time`);
      }
    }
    checkFamilies(c, root.families);
  }
  return c.problems.length === 0
    ? { ok: true, catalog: data as CriteriaCatalog }
    : { ok: false, problems: c.problems };
}

function checkFamilies(c: Checker, families: unknown): void {
  if (!Array.isArray(families)) {
    c.report('NOT_AN_ARRAY', '/families', 'expected an array');
    return;
  }
  const familyIds = new Set<string>();
  const criterionIds = new Map<string, string>();
  const simulationIds = new Map<string, string>();
  const ruleIds = new Map<string, string>();
  families.forEach((family, fi) => {
    const fp = `/families/${fi}`;
    if (!c.object(family, fp, ['id', 'title', 'summary', 'criteria'])) return;
    const f = family;
    if (c.string(f.id, `${fp}/id`)) {
      if (!(CRITERIA_FAMILIES as readonly string[]).includes(f.id)) {
        c.report(
          'UNKNOWN_FAMILY',
          `${fp}/id`,
          `unknown family ${quote(f.id)} (known: ${CRITERIA_FAMILIES.join(', ')})`,
        );
      } else if (familyIds.has(f.id)) {
        c.report('DUPLICATE_ID', `${fp}/id`, `family ${quote(f.id)} appears twice`);
      }
      familyIds.add(f.id);
    }
    c.string(f.title, `${fp}/title`);
    c.string(f.summary, `${fp}/summary`);
    if (!Array.isArray(f.criteria)) {
      c.report('NOT_AN_ARRAY', `${fp}/criteria`, 'expected an array');
      return;
    }
    if (f.criteria.length === 0) c.report('EMPTY', `${fp}/criteria`, 'a family needs at least one criterion');
    f.criteria.forEach((criterion, ci) => {
      const p = `${fp}/criteria/${ci}`;
      const keys = ['id', 'title', 'requirement', 'rationale', 'testing', 'applicability', 'mappings'];
      if (!c.object(criterion, p, keys)) return;
      const k = criterion;
      if (c.string(k.id, `${p}/id`, /^[A-Z]{2}-[1-9][0-9]*$/, 'a criterion ID such as MI-1')) {
        const prefix = `${String(f.id)}-`;
        // Under an unknown family every criterion would mismatch; UNKNOWN_FAMILY already says it once.
        if ((CRITERIA_FAMILIES as readonly unknown[]).includes(f.id) && !k.id.startsWith(prefix)) {
          c.report(
            'BAD_ID',
            `${p}/id`,
            `criterion ${quote(k.id)} is in family ${quote(String(f.id))} but does not start with "${prefix}"`,
          );
        }
        const where = criterionIds.get(k.id);
        if (where !== undefined)
          c.report('DUPLICATE_ID', `${p}/id`, `criterion ${quote(k.id)} is already defined at ${where}`);
        else criterionIds.set(k.id, p);
      }
      c.string(k.title, `${p}/title`);
      c.string(k.requirement, `${p}/requirement`);
      c.string(k.rationale, `${p}/rationale`);
      checkTesting(c, k.testing, `${p}/testing`, String(k.id), simulationIds, ruleIds);
      checkApplicability(c, k.applicability, `${p}/applicability`);
      checkMappings(c, k.mappings, `${p}/mappings`);
    });
  });
}

function checkTesting(
  c: Checker,
  value: unknown,
  p: string,
  criterionId: string,
  simulationIds: Map<string, string>,
  ruleIds: Map<string, string>,
): void {
  if (!c.object(value, p, ['automated', 'simulations', 'manual'])) return;
  const t = value;
  c.array(t.automated, `${p}/automated`, (v, vp) => {
    if (!c.string(v, vp, RULE_ID, 'a rule ID such as VAC-PKL-001')) return false;
    const other = ruleIds.get(v);
    if (other !== undefined && other !== criterionId) {
      return c.report('DUPLICATE_ID', vp, `rule ${quote(v)} is already listed under ${other}`);
    }
    ruleIds.set(v, criterionId);
    return true;
  });
  c.array(t.simulations, `${p}/simulations`, (v, vp) => {
    if (!c.object(v, vp, ['id', 'title', 'passCondition'])) return false;
    const s = v;
    let ok = c.string(s.title, `${vp}/title`) && c.string(s.passCondition, `${vp}/passCondition`);
    if (c.string(s.id, `${vp}/id`, SIMULATION_ID, 'a simulation ID such as SIM-AR-PGD-LINF')) {
      const where = simulationIds.get(s.id);
      if (where !== undefined)
        ok = c.report('DUPLICATE_ID', `${vp}/id`, `simulation ${quote(s.id)} is already defined at ${where}`);
      else simulationIds.set(s.id, vp);
    } else ok = false;
    return ok;
  });
  c.array(t.manual, `${p}/manual`, (v, vp) => c.string(v, vp));
  const total =
    (Array.isArray(t.automated) ? t.automated.length : 0) +
    (Array.isArray(t.simulations) ? t.simulations.length : 0) +
    (Array.isArray(t.manual) ? t.manual.length : 0);
  if (total === 0) c.report('EMPTY', p, `criterion "${criterionId}" has no way of being tested`);
}

function checkApplicability(c: Checker, value: unknown, p: string): void {
  if (!c.object(value, p, ['modelTypes', 'modalities', 'access'], ['note'])) return;
  const a = value;
  c.scope(a.modelTypes, `${p}/modelTypes`, MODEL_TYPES);
  c.scope(a.modalities, `${p}/modalities`, MODALITIES);
  c.scope(a.access, `${p}/access`, ACCESS_MODES);
  if (a.note !== undefined) c.string(a.note, `${p}/note`);
}

function checkMappings(c: Checker, value: unknown, p: string): void {
  if (!c.object(value, p, MAPPING_KEYS)) return;
  const m = value;
  for (const key of MAPPING_KEYS) {
    if (!Object.hasOwn(m, key)) continue;
    const check = MAPPING_CHECKS[key];
    c.array(m[key], `${p}/${key}`, (v, vp) => c.string(v, vp, check.test, check.expected));
  }
}

/** Parses and validates a catalog, throwing CriteriaCatalogError with every problem when it is invalid. */
export function parseCriteriaCatalog(data: unknown): CriteriaCatalog {
  const result = validateCriteriaCatalog(data);
  if (!result.ok) throw new CriteriaCatalogError(result.problems);
  return result.catalog;
}
