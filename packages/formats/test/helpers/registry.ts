/** Docs parity for anomaly-code registries: every code is described and asserted by some test. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TEST_DIR = fileURLToPath(new URL('../', import.meta.url));

/** Codes of `registry` that no `<prefix>*.test.ts` file quotes. */
export function untestedCodes(registry: Readonly<Record<string, string>>, prefix: string): string[] {
  const sources = readdirSync(TEST_DIR)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.test.ts'))
    .map((f) => readFileSync(`${TEST_DIR}${f}`, 'utf8'))
    .join('\n');
  return Object.keys(registry).filter((code) => !sources.includes(`'${code}'`));
}
