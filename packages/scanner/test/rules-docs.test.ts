import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CRITERIA_CATALOG, RULES_DOC_PATH, renderRulesDoc } from '../src/report/rules-doc.js';
import { RULE_IDS, RULES } from '../src/rules/registry.js';

const criteria = CRITERIA_CATALOG.families.flatMap((f) => f.criteria);
const automated = new Map<string, string[]>(); // rule id → criteria listing it
for (const c of criteria) {
  for (const id of c.testing.automated) automated.set(id, [...(automated.get(id) ?? []), c.id]);
}

describe('rule registry and documentation parity', () => {
  it(`${RULES_DOC_PATH} is what scripts/gen-rules-doc.ts generates`, () => {
    const actual = readFileSync(new URL(`../../../${RULES_DOC_PATH}`, import.meta.url), 'utf8');
    // On failure: node --import tsx scripts/gen-rules-doc.ts
    expect(actual).toBe(renderRulesDoc());
  });

  it('documents every rule with an anchor', () => {
    const doc = renderRulesDoc();
    for (const id of RULE_IDS) expect(doc).toContain(`<a id="${id.toLowerCase()}"></a>\n\n### ${id}: `);
  });

  it('uses well-formed, unique rule ids', () => {
    for (const id of RULE_IDS) {
      expect(id).toMatch(/^VAC-[A-Z]+-[0-9]{3}$/);
      expect(RULES[id].id).toBe(id);
    }
    const criterionIds = criteria.map((c) => c.id);
    expect(new Set(criterionIds).size).toBe(criterionIds.length);
  });

  it('names an existing criterion in every rule, and that criterion lists the rule as automated', () => {
    const byId = new Map(criteria.map((c) => [c.id, c]));
    for (const id of RULE_IDS) {
      const rule = RULES[id];
      expect(byId.has(rule.criterion), `${id} → ${rule.criterion}`).toBe(true);
      if (!rule.retired) expect(byId.get(rule.criterion)!.testing.automated, id).toContain(id);
    }
  });

  it('lists only registered rules as automated tests, each under one criterion', () => {
    for (const [id, listedBy] of automated) {
      expect(RULE_IDS as string[], `${id} listed by ${listedBy.join(', ')}`).toContain(id);
      expect(listedBy, id).toHaveLength(1);
    }
  });

  it('lists every non-retired rule under some criterion', () => {
    const missing = RULE_IDS.filter((id) => !RULES[id].retired && !automated.has(id));
    expect(missing).toEqual([]);
  });

  it('marks a retired rule in the document instead of dropping it', () => {
    const retired = { ...RULES['VAC-FMT-002'], retired: true };
    const doc = renderRulesDoc([retired]);
    expect(doc).toContain(
      '| [VAC-FMT-002](#vac-fmt-002) | low | MI-5 | Extension does not match content (retired) |',
    );
    expect(doc).toContain('- Status: retired');
  });
});
