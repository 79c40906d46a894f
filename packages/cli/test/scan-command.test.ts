import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderJson, renderSarif, renderText } from '@vacsrp/scanner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANSI, finding, harness, reportFor } from './helpers.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vacsrp scan: options reach the scanner', () => {
  it('passes defaults: fail on medium, digests on, no policy, no limits, no progress off a terminal', async () => {
    const h = harness();
    await h.run('scan', 'a', 'b');
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]!.paths).toEqual(['a', 'b']);
    expect(h.calls[0]!.options).toEqual({ failOn: 'medium', digest: true });
  });

  it('passes --fail-on, --no-digest, --policy and repeated --limit', async () => {
    const h = harness();
    await h.run(
      'scan',
      '--fail-on',
      'high',
      '--no-digest',
      '--policy',
      'p.json',
      '--limit',
      'maxArchiveMembers=5',
      '--limit',
      'maxCompressionRatio=250',
      'm',
    );
    expect(h.calls[0]!.options).toEqual({
      failOn: 'high',
      digest: false,
      policyFile: 'p.json',
      limits: { maxArchiveMembers: 5, maxCompressionRatio: 250 },
    });
  });

  it('exits 2 for a nonexistent path, naming it, without scanning', async () => {
    const h = harness({ existing: ['here'] });
    expect(await h.run('scan', 'here', 'gone', 'also\u001b[2Jgone')).toBe(2);
    expect(h.calls).toHaveLength(0);
    expect(h.stderr.text()).toBe('vacsrp: no such file or directory: gone, also\\x1b[2Jgone\n');
  });
});

describe('vacsrp scan: output', () => {
  const findings = [finding('critical'), finding('low', 'other.pkl')];

  it('writes JSON and SARIF to stdout exactly as the renderers produce them', async () => {
    for (const [format, render] of [
      ['json', renderJson],
      ['sarif', renderSarif],
    ] as const) {
      const h = harness({ findings });
      expect(await h.run('scan', '--format', format, 'm')).toBe(1);
      expect(h.stdout.text()).toBe(render(reportFor(findings)));
      expect(h.stderr.text()).toMatch(
        /^vacsrp: 1 scanned, 0 skipped, 0 errored; 2 findings, highest critical; FAIL at --fail-on medium\n$/,
      );
    }
  });

  it('writes the text report to stdout, uncoloured off a terminal', async () => {
    const h = harness({ findings });
    await h.run('scan', 'm');
    expect(h.stdout.text()).toBe(renderText(reportFor(findings), { color: false }));
    expect(h.stdout.text()).not.toMatch(ANSI);
    expect(h.stderr.text()).toBe('');
  });

  it.each([
    ['a terminal', { stdoutTTY: true }, [], true],
    ['a terminal with NO_COLOR', { stdoutTTY: true, env: { NO_COLOR: '1' } }, [], false],
    ['a terminal with an empty NO_COLOR', { stdoutTTY: true, env: { NO_COLOR: '' } }, [], true],
    ['a terminal and --no-color', { stdoutTTY: true }, ['--no-color'], false],
    ['a pipe and --color', {}, ['--color'], true],
    ['a pipe', {}, [], false],
  ] as const)('colours text on %s: %s', async (_name, opts, flags, coloured) => {
    const h = harness({ findings, ...opts });
    await h.run('scan', ...flags, 'm');
    expect(ANSI.test(h.stdout.text())).toBe(coloured);
  });

  it('prints details with --verbose', async () => {
    const h = harness({ findings });
    await h.run('scan', '--verbose', 'm');
    expect(h.stdout.text()).toBe(renderText(reportFor(findings), { color: false, verbose: true }));
  });

  it('writes --output atomically, leaves nothing behind and prints nothing on stdout', async () => {
    const target = join(dir, 'out.sarif');
    await writeFile(target, 'old content');
    const h = harness({ findings });
    expect(await h.run('scan', '--format', 'sarif', '--output', target, 'm')).toBe(1);
    expect(await readFile(target, 'utf8')).toBe(renderSarif(reportFor(findings)));
    expect(await readdir(dir)).toEqual(['out.sarif']);
    expect(h.stdout.text()).toBe('');
    expect(h.stderr.text()).toContain(`report written to ${target}`);
  });

  it('does not colour a text report written to a file, even from a terminal', async () => {
    const target = join(dir, 'out.txt');
    const h = harness({ findings, stdoutTTY: true });
    await h.run('scan', '-o', target, 'm');
    expect(await readFile(target, 'utf8')).not.toMatch(ANSI);
  });

  it('keeps stderr silent with --quiet', async () => {
    const h = harness({ findings, stderrTTY: true });
    expect(await h.run('scan', '--quiet', '--format', 'json', '--output', join(dir, 'r.json'), 'm')).toBe(1);
    expect(h.stderr.text()).toBe('');
    expect(h.calls[0]!.options.onProgress).toBeUndefined();
  });

  it('exits 2 when the report cannot be written, and leaves no temporary file', async () => {
    const h = harness({ findings });
    const target = join(dir, 'missing-dir', 'r.json');
    expect(await h.run('scan', '--format', 'json', '--output', target, 'm')).toBe(2);
    expect(h.stderr.text()).toMatch(/^vacsrp: cannot write report to .*r\.json: ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('cleans up the temporary file when the rename fails', async () => {
    const h = harness({ findings });
    const target = join(dir, 'a-directory');
    await writeFile(join(dir, 'keep'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(target));
    expect(await h.run('scan', '--format', 'json', '--output', target, 'm')).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['a-directory', 'keep']);
  });
});

describe('vacsrp scan: failures', () => {
  /** Stands in for the scanner's PolicyError, LimitError and WalkError: a class name and a code. */
  class UserError extends Error {
    constructor(
      name: string,
      readonly code: string,
      message: string,
    ) {
      super(message);
      this.name = name;
    }
  }

  it('reports an invalid policy in one line with its code and exits 2', async () => {
    const h = harness({
      scan: async () => {
        throw new UserError('PolicyError', 'POLICY_INVALID', 'unknown property "allowlsit" at /');
      },
    });
    expect(await h.run('scan', '--policy', 'p.json', 'm')).toBe(2);
    expect(h.stderr.text()).toBe(
      'vacsrp: invalid policy (POLICY_INVALID): unknown property "allowlsit" at /\n',
    );
    expect(h.stdout.text()).toBe('');
  });

  it.each([
    [
      'LimitError',
      'UNKNOWN_LIMIT',
      'unknown limit maxFoo',
      'vacsrp: invalid --limit (UNKNOWN_LIMIT): unknown limit maxFoo\n',
    ],
    [
      'WalkError',
      'PATH_UNREADABLE',
      'm: permission denied',
      'vacsrp: cannot scan (PATH_UNREADABLE): m: permission denied\n',
    ],
  ])('reports a %s as a usage error', async (name, code, message, expected) => {
    const h = harness({
      scan: async () => {
        throw new UserError(name, code, message);
      },
    });
    expect(await h.run('scan', 'm')).toBe(2);
    expect(h.stderr.text()).toBe(expected);
  });

  it('reports an internal failure without a stack trace unless VACSRP_DEBUG=1', async () => {
    const boom = async () => {
      throw new Error('disk on fire');
    };
    const quiet = harness({ scan: boom });
    expect(await quiet.run('scan', 'm')).toBe(2);
    expect(quiet.stderr.text()).toBe(
      'vacsrp: internal error: disk on fire (set VACSRP_DEBUG=1 for details)\n',
    );

    const debug = harness({ scan: boom, env: { VACSRP_DEBUG: '1' } });
    expect(await debug.run('scan', 'm')).toBe(2);
    expect(debug.stderr.text()).toMatch(/^vacsrp: internal error: disk on fire\nError: disk on fire\n\s+at /);
  });
});

describe('vacsrp scan: progress', () => {
  it('draws one updating line on a terminal stderr and clears it before the report', async () => {
    const h = harness({
      stderrTTY: true,
      scan: async (_paths, options) => {
        options.onProgress?.({ kind: 'walk', files: 2 });
        options.onProgress?.({ kind: 'artifact-start', path: 'm/a.pkl', size: 1, index: 0, total: 2 });
        options.onProgress?.({ kind: 'artifact-done', path: 'm/a.pkl', status: 'scanned' });
        options.onProgress?.({ kind: 'artifact-start', path: 'm/b.pkl', size: 1, index: 1, total: 2 });
        options.onProgress?.({ kind: 'artifact-done', path: 'm/b.pkl', status: 'scanned' });
        return reportFor([]);
      },
    });
    expect(await h.run('scan', 'm')).toBe(0);
    const err = h.stderr.text();
    expect(err).toContain('vacsrp: 0/2 files');
    expect(err).toContain('vacsrp: 2/2 files · m/b.pkl');
    expect(err).not.toContain('\n');
    expect(err.endsWith('\r\x1b[2K')).toBe(true);
    expect(h.stdout.text()).not.toContain('\r');
  });

  it('clears the progress line before an error message', async () => {
    const h = harness({
      stderrTTY: true,
      scan: async (_paths, options) => {
        options.onProgress?.({ kind: 'artifact-start', path: 'm/a.pkl', size: 1, index: 0, total: 1 });
        throw new Error('boom');
      },
    });
    expect(await h.run('scan', 'm')).toBe(2);
    expect(h.stderr.text()).toMatch(/m\/a\.pkl\r\x1b\[2Kvacsrp: internal error: boom/);
  });

  it('writes nothing to stderr when it is not a terminal', async () => {
    const h = harness({ stderrTTY: false });
    await h.run('scan', 'm');
    expect(h.calls[0]!.options.onProgress).toBeUndefined();
    expect(h.stderr.text()).toBe('');
  });
});
