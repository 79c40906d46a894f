/** docs/criteria.md's generated tables match the catalog (UPDATE_GOLDEN=1 rewrites the section). */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCriteriaCatalog } from '../src/criteria/catalog.js';
import {
  CRITERIA_DOC_BEGIN,
  CRITERIA_DOC_END,
  CRITERIA_DOC_PATH,
  renderCriteriaTables,
  replaceGeneratedSection,
} from '../src/criteria/doc.js';

const file = new URL(`../../../${CRITERIA_DOC_PATH}`, import.meta.url);

describe(`${CRITERIA_DOC_PATH}`, () => {
  it('holds the tables generated from the catalog', () => {
    const doc = readFileSync(file, 'utf8');
    const expected = replaceGeneratedSection(doc, renderCriteriaTables(loadCriteriaCatalog()));
    if (process.env.UPDATE_GOLDEN === '1' && expected !== doc) writeFileSync(file, expected);
    else expect(doc).toBe(expected);
  });

  it('lists every criterion once', () => {
    const tables = renderCriteriaTables(loadCriteriaCatalog());
    for (const f of loadCriteriaCatalog().families) {
      for (const c of f.criteria)
        expect(tables.match(new RegExp(`^\\| ${c.id} \\|`, 'gm')), c.id).toHaveLength(1);
    }
  });

  it('replaces only the section between the markers, and fails without them', () => {
    const doc = `intro\n${CRITERIA_DOC_BEGIN}\nold\n${CRITERIA_DOC_END}\noutro\n`;
    expect(replaceGeneratedSection(doc, `${CRITERIA_DOC_BEGIN}\nnew\n${CRITERIA_DOC_END}\n`)).toBe(
      `intro\n${CRITERIA_DOC_BEGIN}\nnew\n${CRITERIA_DOC_END}\noutro\n`,
    );
    expect(() => replaceGeneratedSection('no markers', '')).toThrow(/markers/);
  });
});
