import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAdvisoriesCommand } from '../src/commands/advisories.js';
import { EXIT } from '../src/exit-codes.js';
import { recorder } from './helpers.js';

const OSV_DIR = fileURLToPath(new URL('../../../../shared/standards/osv', import.meta.url));

/** The command on a bare program, run the way runCli runs the real one (exitOverride, CommanderError → code). */
async function run(...argv: string[]) {
  const stdout = recorder();
  const stderr = recorder();
  const program = new Command('vacsrp')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) });
  registerAdvisoriesCommand(program, { stdout, stderr });
  for (const c of program.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride();
  }
  let code: number = EXIT.ok;
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('vacsrp advisories', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vacsrp-cli-adv-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('imports a folder, prints a summary with skip reasons, then lists', async () => {
    const data = temp();
    const first = await run('advisories', 'import', OSV_DIR, '--data', data);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('imported 44, updated 0, unchanged 0, skipped 2');
    expect(
      lines.slice(1).every((l) => l.startsWith('skipped ') && l.includes('not a valid OSV advisory')),
    ).toBe(true);

    const again = await run('advisories', 'import', OSV_DIR, '--data', data);
    expect(again.stdout.split('\n')[0]).toBe('imported 0, updated 0, unchanged 44, skipped 2');

    const list = await run('advisories', 'list', '--data', data);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('GHSA-47fc-vmwq-366v (CVE-2022-45907)  PyPI/torch  ');
    expect(list.stdout.trimEnd().split('\n').at(-1)).toBe('44 advisories');

    const json = JSON.parse((await run('advisories', 'list', '--data', data, '--json')).stdout);
    expect(json).toHaveLength(44);
    expect(json[0]).toMatchObject({
      id: expect.stringMatching(/^GHSA-/),
      modified: expect.any(String),
      packages: expect.any(Array),
    });
  });

  it('says when the database is empty', async () => {
    const data = temp();
    const r = await run('advisories', 'list', '--data', data);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no advisories in /);
  });

  it('exits 2 with one line on stderr for a missing source or a damaged database', async () => {
    const data = temp();
    const missing = await run('advisories', 'import', join(data, 'nope.zip'), '--data', data);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^vacsrp: .*nope\.zip does not exist\n$/);

    await run('advisories', 'import', OSV_DIR, '--data', data);
    writeFileSync(join(data, 'advisories', 'manifest.json'), 'garbage');
    const damaged = await run('advisories', 'list', '--data', data);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/^vacsrp: .*manifest\.json is not valid JSON\n$/);
  });

  it('escapes terminal controls from advisory text and file names', async () => {
    const data = temp();
    const src = temp();
    const adv = JSON.parse(readFileSync(join(OSV_DIR, 'GHSA-f8xq-q7px-wg8c.json'), 'utf8'));
    writeFileSync(
      join(src, 'a.json'),
      JSON.stringify({ ...adv, summary: 'evil \u001b]0;owned\u0007 title' }),
    );
    writeFileSync(join(src, 'b\u001b[31m.json'), '{');
    const r = await run('advisories', 'import', src, '--data', data);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('b\\x1b[31m.json');
    const list = await run('advisories', 'list', '--data', data);
    expect(list.stdout).not.toContain('\u001b');
    expect(list.stdout).toContain('evil \\x1b]0;owned\\x07 title');
  });
});
