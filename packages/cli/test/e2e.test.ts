/** One end-to-end run of the built binary; the rest of the CLI is tested in-process. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('built binary', () => {
  it('node packages/cli/dist/main.js --help exits 0 and documents the exit codes', (ctx) => {
    if (!existsSync(main)) ctx.skip('packages/cli/dist/main.js is not built; run `npm run build` first');
    const r = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: vacsrp');
    expect(r.stdout).toContain('Exit codes:');
  });
});
