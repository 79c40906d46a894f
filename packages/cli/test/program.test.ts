import { describe, expect, it } from 'vitest';
import { parseLimit } from '../src/program.js';
import { finding, harness } from './helpers.js';

/** Every usage error is one line on stderr, exit code 2, and no scan. */
async function expectUsageError(argv: string[], pattern: RegExp) {
  const h = harness();
  expect(await h.run(...argv)).toBe(2);
  expect(h.calls).toHaveLength(0);
  const err = h.stderr.text();
  expect(err).toMatch(pattern);
  expect(err.startsWith('vacsrp: ')).toBe(true);
  expect(err.trimEnd().split('\n')).toHaveLength(1);
  expect(err).not.toMatch(/\bat .*\(.*:\d+:\d+\)/); // no stack trace
  expect(h.stdout.text()).toBe('');
}

describe('vacsrp program', () => {
  it('prints help with the exit codes on stdout and exits 0', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    const out = h.stdout.text();
    expect(out).toContain('Usage: vacsrp');
    expect(out).toContain('scan [options] <path...>');
    expect(out).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /);
    expect(h.stderr.text()).toBe('');
  });

  it('documents every scan option, the formats and the exit codes in scan --help', async () => {
    const h = harness();
    expect(await h.run('scan', '--help')).toBe(0);
    const out = h.stdout.text();
    for (const flag of [
      '--format',
      '--output',
      '--fail-on',
      '--no-digest',
      '--policy',
      '--limit',
      '--color',
      '--no-color',
      '--quiet',
      '--verbose',
    ]) {
      expect(out).toContain(flag);
    }
    expect(out).toContain('choices: "text", "json", "sarif"');
    expect(out).toContain('choices: "critical", "high", "medium", "low", "info"');
    expect(out).toMatch(/sarif\s+SARIF 2\.1\.0/);
    expect(out).toContain('Exit codes:');
  });

  it('prints the version and exits 0', async () => {
    const h = harness();
    expect(await h.run('--version')).toBe(0);
    expect(h.stdout.text()).toBe('9.9.9\n');
  });

  it('exits 2 with help on stderr when no command is given', async () => {
    const h = harness();
    expect(await h.run()).toBe(2);
    expect(h.stderr.text()).toContain('Usage: vacsrp');
  });

  it.each([
    [['scan', '--bogus', 'x'], /unknown option '--bogus'.*vacsrp scan --help/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['scan'], /missing required argument 'path'/],
    [['scan', '--format', 'xml', 'x'], /argument 'xml' is invalid\. Allowed choices are text, json, sarif/],
    [['scan', '--fail-on', 'severe', 'x'], /--fail-on <severity>' argument 'severe' is invalid/],
    [['scan', '--fail-on', 'HIGH', 'x'], /argument 'HIGH' is invalid/],
    [
      ['scan', '--limit', 'maxArchiveMembers', 'x'],
      /--limit <name=value>' argument 'maxArchiveMembers' is invalid/,
    ],
    [['scan', '--limit', 'maxArchiveMembers=lots', 'x'], /argument 'maxArchiveMembers=lots' is invalid/],
    [['scan', '--limit', 'maxArchiveMembers=-1', 'x'], /is invalid/],
    [['scan', '--limit', '=5', 'x'], /is invalid/],
    [['scan', '--limit', 'maxCompressionRatio=2.5', 'x'], /non-negative integer/],
    [['scan', '--output'], /option '-o, --output <file>' argument missing/],
  ])('rejects %j as a usage error', async (argv, pattern) => {
    await expectUsageError(argv, pattern);
  });

  it('suggests the closest option on the same line', async () => {
    await expectUsageError(['scan', '--colour', 'x'], /unknown option '--colour' \(Did you mean --color\?\)/);
  });

  it('exits 0 without findings at the threshold and 1 with them', async () => {
    expect(await harness({ findings: [finding('low')] }).run('scan', 'm')).toBe(0);
    expect(await harness({ findings: [finding('medium')] }).run('scan', 'm')).toBe(1);
    expect(await harness({ findings: [finding('medium')] }).run('scan', '--fail-on', 'high', 'm')).toBe(0);
    expect(await harness({ findings: [finding('info')] }).run('scan', '--fail-on', 'info', 'm')).toBe(1);
    expect(await harness().run('scan', 'm')).toBe(0);
  });
});

describe('parseLimit', () => {
  it('accumulates NAME=VALUE pairs as numbers, the last one winning', () => {
    let acc = parseLimit('maxArchiveMembers=100000');
    acc = parseLimit('maxCompressionRatio=250', acc);
    acc = parseLimit('maxArchiveMembers=7', acc);
    expect(acc).toEqual({ maxArchiveMembers: 7, maxCompressionRatio: 250 });
  });

  it.each([
    'a',
    'a=',
    'a=1e3',
    'a=0x10',
    'a=01',
    'a= 1',
    'a=1.',
    'a=2.5',
    'a=-1',
    '1a=2',
    'a.b=1',
    'a=99999999999999999999',
  ])('rejects %j', (v) => {
    expect(() => parseLimit(v)).toThrow();
  });
});
