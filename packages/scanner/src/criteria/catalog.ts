/**
 * The review criteria catalog shipped with the scanner: loaded and validated once, then looked up by
 * criterion ID. The types live in types.ts and the validator in validate.ts; this module re-exports both.
 */

import type { CriteriaCatalog, CriteriaFamily, Criterion } from './types.js';
import catalogJson from './vacsrp-criteria-v1.json' with { type: 'json' };
import { parseCriteriaCatalog } from './validate.js';

export * from './types.js';
export * from './validate.js';

let builtin: CriteriaCatalog | undefined;

/**
 * The catalog shipped with this version of the scanner, validated on first use. An invalid built-in
 * catalog is a build defect, so it throws rather than returning a result.
 */
export function loadCriteriaCatalog(): CriteriaCatalog {
  builtin ??= deepFreeze(parseCriteriaCatalog(structuredClone(catalogJson)));
  return builtin;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export interface CriterionEntry {
  readonly family: CriteriaFamily;
  readonly criterion: Criterion;
}

/** The criterion with this ID (exact match) and its family, or undefined. */
export function findCriterion(
  id: string,
  catalog: CriteriaCatalog = loadCriteriaCatalog(),
): CriterionEntry | undefined {
  for (const family of catalog.families) {
    const criterion = family.criteria.find((k) => k.id === id);
    if (criterion !== undefined) return { family, criterion };
  }
  return undefined;
}

/** Every criterion in catalog order. */
export function allCriteria(catalog: CriteriaCatalog = loadCriteriaCatalog()): readonly CriterionEntry[] {
  return catalog.families.flatMap((family) => family.criteria.map((criterion) => ({ family, criterion })));
}
