/** Golden JSON and SARIF reports for one Keras archive and one legacy HDF5 model (UPDATE_GOLDEN=1 rewrites). */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderJson, renderSarif, scan } from '../src/index.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/formats/', import.meta.url));

const CASES = {
  keras: 'malicious/keras/lambda_bytecode.keras',
  hdf5: 'malicious/keras/lambda_bytecode_legacy.h5',
} as const;

describe('golden reports', () => {
  for (const [name, sample] of Object.entries(CASES)) {
    it(`${name}: JSON and SARIF match byte for byte`, async () => {
      // Relative to the working directory, so the report does not name this machine's paths.
      const target = path.relative(process.cwd(), path.join(corpus, sample));
      const report = await scan([target], { digest: true, now: () => new Date(0) });
      for (const [ext, text] of [
        ['json', renderJson(report)],
        ['sarif', renderSarif(report)],
      ] as const) {
        const file = path.join(fixtures, `${name}.${ext}`);
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
        expect(text).toBe(readFileSync(file, 'utf8'));
      }
    });
  }
});
