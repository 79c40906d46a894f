/**
 * Writes docs/rules.md from the rule registry and the criteria catalog.
 *   node --import tsx scripts/gen-rules-doc.ts          # regenerate
 *   node --import tsx scripts/gen-rules-doc.ts --check  # exit 1 if the file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { RULES_DOC_PATH, renderRulesDoc } from '../packages/scanner/src/report/rules-doc.js';

const target = new URL(`../${RULES_DOC_PATH}`, import.meta.url);
const expected = renderRulesDoc();

if (process.argv.includes('--check')) {
  let actual = '';
  try {
    actual = readFileSync(target, 'utf8');
  } catch {
    // A missing file is stale too.
  }
  if (actual !== expected) {
    process.stderr.write(
      `${RULES_DOC_PATH} is out of date; run: node --import tsx scripts/gen-rules-doc.ts\n`,
    );
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, expected);
  process.stdout.write(`wrote ${RULES_DOC_PATH}\n`);
}
