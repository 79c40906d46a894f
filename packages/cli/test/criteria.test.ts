/** `vacsrp criteria list | show | export`, run in-process on a fresh commander program. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCriteriaCatalog, renderOscalCatalog } from '@vacsrp/scanner';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { type CriteriaDeps, registerCriteriaCommand, wrap } from '../src/commands/criteria.js';
import { EXIT } from '../src/exit-codes.js';
import { buildProgram, type CliDeps } from '../src/program.js';
import { type Recorder, recorder } from './helpers.js';

const CATALOG_FILE = new URL('../../scanner/src/criteria/vacsrp-criteria-v1.json', import.meta.url);

interface Run {
  readonly code: number;
  readonly stdout: Recorder;
  readonly stderr: Recorder;
}

/** Mirrors program.ts's runCli: a commander error ends parsing with its exit code (help 0, else usage). */
async function run(argv: string[], extra: Partial<CriteriaDeps> = {}): Promise<Run> {
  const stdout = recorder(false, 100);
  const stderr = recorder();
  let code: number = EXIT.ok;
  const program = new Command('vacsrp')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) });
  registerCriteriaCommand(program, { stdout, stderr, ...extra }, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  return { code, stdout, stderr };
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vacsrp-criteria-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('vacsrp criteria list', () => {
  it('prints a table of every criterion: ID, family and title', async () => {
    const r = await run(['criteria', 'list']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr.text()).toBe('');
    const lines = r.stdout.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+FAMILY\s+TITLE$/);
    const count = loadCriteriaCatalog().families.reduce((n, f) => n + f.criteria.length, 0);
    expect(lines).toHaveLength(count + 1);
    expect(lines.some((l) => /^MI-1\s+Model integrity\s+No code execution on load$/.test(l))).toBe(true);
    // Columns line up: every title starts where the TITLE heading does.
    const at = lines[0]!.indexOf('TITLE');
    expect(lines.every((l) => l[at - 1] === ' ' && l[at - 2] === ' ' && l[at] !== ' ')).toBe(true);
    expect(
      lines.some((l) => /^SC-3\s+Supply-chain vetting\s+Upstream models pinned to a revision$/.test(l)),
    ).toBe(true);
  });

  it('filters by --family and prints JSON', async () => {
    const r = await run(['criteria', 'list', '--family', 'PS', '--format', 'json']);
    expect(r.code).toBe(EXIT.ok);
    const list = JSON.parse(r.stdout.text());
    expect(list.map((x: { id: string }) => x.id)).toEqual(['PS-1', 'PS-2', 'PS-3', 'PS-4', 'PS-5', 'PS-6']);
    expect(list[0]).toEqual({ id: 'PS-1', family: 'PS', title: 'Membership-inference resistance' });
  });

  it('rejects an unknown family as a usage error', async () => {
    const r = await run(['criteria', 'list', '--family', 'XX']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout.text()).toBe('');
    expect(r.stderr.text()).toMatch(
      /^vacsrp: .*'XX'.*MI, SC, AR, PS, DT.*\(see 'vacsrp criteria list --help'\)\n$/,
    );
  });
});

describe('vacsrp criteria show', () => {
  it('prints the full text of a criterion', async () => {
    const r = await run(['criteria', 'show', 'AR-3']);
    expect(r.code).toBe(EXIT.ok);
    const text = r.stdout.text();
    expect(text.startsWith('AR-3  Prompt-injection resistance\nFamily: AR Adversarial robustness\n')).toBe(
      true,
    );
    for (const heading of ['Requirement', 'Rationale', 'Applies to', 'How it is tested', 'Mappings']) {
      expect(text).toContain(`\n${heading}\n`);
    }
    expect(text).toContain('  model types: llm, agentic\n');
    expect(text).toContain(
      '    SIM-AR-PI-DIRECT: Direct prompt injection corpus\n      pass: Attack success rate at most 5%.\n',
    );
    expect(text).toContain('  OWASP LLM Top 10 (2025): LLM01:2025, LLM07:2025\n');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(100);
  });

  it('accepts a lower-case ID and shows the automated rules of a model-integrity criterion', async () => {
    const r = await run(['criteria', 'show', 'mi-5']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.text()).toContain('automated rules: VAC-FMT-001, VAC-FMT-002');
  });

  it('prints one criterion as JSON with its family', async () => {
    const r = await run(['criteria', 'show', 'DT-5', '--format', 'json']);
    expect(r.code).toBe(EXIT.ok);
    const shown = JSON.parse(r.stdout.text());
    expect(shown.family).toBe('DT');
    expect(shown.id).toBe('DT-5');
    expect(shown.testing.manual.length).toBeGreaterThan(0);
  });

  it('reports an unknown ID on stderr and exits 2, escaping terminal controls', async () => {
    const r = await run(['criteria', 'show', 'ZZ-9\x1b[31m']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stdout.text()).toBe('');
    expect(r.stderr.text()).toContain('vacsrp: unknown criterion "ZZ-9');
    expect(r.stderr.text()).not.toContain('\x1b');
  });

  it('requires the ID', async () => {
    const r = await run(['criteria', 'show']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.text()).toContain("missing required argument 'id'");
  });
});

describe('vacsrp criteria export', () => {
  it('prints the JSON catalog byte for byte as it is stored in the repository', async () => {
    const r = await run(['criteria', 'export', '--format', 'json']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.text()).toBe(readFileSync(CATALOG_FILE, 'utf8'));
  });

  it('writes the OSCAL catalog to --output atomically and says so on stderr', async () => {
    const file = path.join(tempDir(), 'catalog.oscal.json');
    const r = await run(['criteria', 'export', '--format', 'oscal', '--output', file]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.text()).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(renderOscalCatalog(loadCriteriaCatalog()));
    expect(r.stderr.text()).toMatch(/^wrote vacsrp-criteria-v1 \S+ \(oscal\) to .*catalog\.oscal\.json\n$/);
  });

  it('exits 2 and leaves no file when the output cannot be written', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'missing-dir', 'catalog.json');
    const r = await run(['criteria', 'export', '--format', 'json', '-o', file]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr.text()).toMatch(/^vacsrp: cannot write .*catalog\.json: ENOENT/);
  });

  it('hands the bytes to the injected writer', async () => {
    const writes: [string, string][] = [];
    const r = await run(['criteria', 'export', '-f', 'oscal', '-o', 'out.json'], {
      writeFile: async (p, d) => {
        writes.push([p, d]);
      },
    });
    expect(r.code).toBe(EXIT.ok);
    expect(writes).toHaveLength(1);
    expect(JSON.parse(writes[0]![1]).catalog.metadata['oscal-version']).toBe('1.1.3');
  });

  it('requires --format and rejects unknown formats', async () => {
    const missing = await run(['criteria', 'export']);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr.text()).toContain("required option '-f, --format <format>' not specified");
    const bad = await run(['criteria', 'export', '--format', 'yaml']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr.text()).toContain("'yaml'");
  });
});

describe('wrap', () => {
  it('wraps greedily at the width and keeps long words whole', () => {
    expect(wrap('aa bb cc dd', 7, '  ')).toBe('  aa bb\n  cc dd');
    expect(wrap('x '.repeat(3) + 'y'.repeat(20), 10, '')).toBe('x x x\nyyyyyyyyyyyyyyyyyyyy');
    expect(wrap('- aa bb cc dd', 10, '  ', '    ')).toBe('  - aa bb\n    cc dd');
  });
});

describe('registered on the real program (as program.ts will do)', () => {
  it('runs beside scan and demo, with the program help and exit-code handling', async () => {
    const stdout = recorder(false, 100);
    const stderr = recorder();
    const deps: CliDeps = {
      scan: async () => {
        throw new Error('scan must not run');
      },
      stdout,
      stderr,
      env: {},
      version: '9.9.9',
      pathExists: async () => true,
    };
    let code: number = EXIT.ok;
    const program = buildProgram(deps, (c) => {
      code = c;
    });
    // buildProgram registers the criteria command itself.
    await program.parseAsync(['criteria', 'show', 'PS-5'], { from: 'user' });
    expect(code).toBe(EXIT.ok);
    expect(stdout.text()).toContain('PS-5  Differential privacy claims substantiated');

    await expect(
      program.parseAsync(['criteria', 'show', '--bogus', 'PS-5'], { from: 'user' }),
    ).rejects.toThrow(CommanderError);
    expect(stderr.text()).toContain("unknown option '--bogus' (see 'vacsrp criteria show --help')");
  });
});
