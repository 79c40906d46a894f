/** docs/attestations.md documents exactly the codes, reasons, outcomes and limits the code has. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ATTESTATION_FAILURE_CODES,
  CRITERION_OUTCOMES,
  DEFAULT_ATTESTATION_LIMITS,
  REVOCATION_REASONS,
} from '../src/index.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/attestations.md', import.meta.url)), 'utf8');
const cli = readFileSync(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');

/** The first-column backticked names of the table under `heading`. */
function tableNames(heading: string): string[] {
  const start = doc.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const rest = doc.slice(start);
  const table = /\n(\|[^\n]*\n)+/.exec(rest)![0];
  return [...table.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]!);
}

describe('docs/attestations.md parity', () => {
  it('the failure-code table lists exactly ATTESTATION_FAILURE_CODES, in order', () => {
    expect(tableNames('### Failure codes')).toEqual([...ATTESTATION_FAILURE_CODES]);
  });

  it('the revocation reason table lists exactly REVOCATION_REASONS', () => {
    expect(tableNames('- `reason` is one of:')).toEqual([...REVOCATION_REASONS]);
  });

  it('the limits table names every limit', () => {
    const start = doc.indexOf('### Limits');
    const table = doc.slice(start, doc.indexOf('\n\n', doc.indexOf('| limit', start)));
    const documented = new Set(table.match(/`max[A-Za-z]+`/g)?.map((s) => s.slice(1, -1)));
    expect([...documented].sort()).toEqual(Object.keys(DEFAULT_ATTESTATION_LIMITS).sort());
  });

  it('every outcome is documented, and docs/cli.md names every failure code', () => {
    for (const o of CRITERION_OUTCOMES) expect(doc).toContain(`\`${o}\``);
    for (const c of ATTESTATION_FAILURE_CODES) expect(cli).toContain(`\`${c}\``);
  });
});
