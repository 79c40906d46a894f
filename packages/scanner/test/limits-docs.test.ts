import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIMIT_NAMES, resolveLimits, SCAN_LIMITS } from '../src/index.js';

const doc = readFileSync(new URL('../../../docs/limits.md', import.meta.url), 'utf8');

describe('docs/limits.md', () => {
  it.each(LIMIT_NAMES)('documents %s with its default', (name) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    expect(row, `no row for ${name}`).toBeDefined();
    expect(row!.split('|')[2]!.trim().split(' ')[0]).toBe(String(SCAN_LIMITS[name]));
  });

  it('documents no limit that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...LIMIT_NAMES].sort());
  });
});

describe('limit overrides', () => {
  it('accept known names with non-negative integers only', () => {
    expect(resolveLimits({ maxNestingDepth: 2 }).maxNestingDepth).toBe(2);
    expect(() => resolveLimits({ maxNestingDepth: -1 })).toThrow(/non-negative integer/);
    expect(() => resolveLimits({ maxNestingDepth: 1.5 })).toThrow(/non-negative integer/);
    expect(() => resolveLimits({ nope: 1 })).toThrow(/unknown limit nope/);
  });
});
