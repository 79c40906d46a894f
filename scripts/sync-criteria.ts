/**
 * Keeps the criteria catalog's `testing.automated` lists in step with the rule registry: every
 * non-retired rule is listed under the criterion it names, and nowhere else. Idempotent.
 *   node --import tsx scripts/sync-criteria.ts          # rewrite the catalog
 *   node --import tsx scripts/sync-criteria.ts --check  # exit 1 if it is out of step
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RULE_IDS, RULES } from '../packages/scanner/src/rules/registry.js';

const file = new URL('../packages/scanner/src/criteria/vacsrp-criteria-v1.json', import.meta.url);
const before = readFileSync(file, 'utf8');
const catalog = JSON.parse(before) as {
  families: Array<{ criteria: Array<{ id: string; testing: { automated: string[] } }> }>;
};
for (const c of catalog.families.flatMap((f) => f.criteria)) {
  c.testing.automated = RULE_IDS.filter((id) => !RULES[id].retired && RULES[id].criterion === c.id);
}
const after = `${JSON.stringify(catalog, null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (after !== before) {
    process.stderr.write(
      'criteria catalog is out of step with the rules; run: node --import tsx scripts/sync-criteria.ts\n',
    );
    process.exitCode = 1;
  }
} else if (after !== before) {
  writeFileSync(file, after);
  process.stdout.write('updated packages/scanner/src/criteria/vacsrp-criteria-v1.json\n');
}
