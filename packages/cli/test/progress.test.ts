import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../src/progress.js';
import { recorder } from './helpers.js';

describe('ProgressLine', () => {
  it('throttles redraws but always draws the last file', () => {
    const err = recorder(true);
    let t = 0;
    const p = new ProgressLine(err, () => t);
    p.onEvent({ kind: 'artifact-start', path: 'a', size: 1, index: 0, total: 3 });
    p.onEvent({ kind: 'artifact-done', path: 'a', status: 'scanned' }); // same instant: throttled
    expect(err.chunks).toHaveLength(1);
    t = 1000;
    p.onEvent({ kind: 'digest', path: 'a', bytes: 50, size: 200 });
    expect(err.chunks.at(-1)).toBe('\r\x1b[2Kvacsrp: 1/3 files · a (hashing 25%)');
    p.onEvent({ kind: 'artifact-done', path: 'b', status: 'scanned' });
    p.onEvent({ kind: 'artifact-done', path: 'c', status: 'errored' });
    expect(err.chunks.at(-1)).toContain('3/3 files');
  });

  it('fits the terminal width by shortening the path from the left, and escapes it', () => {
    const err = recorder(true, 40);
    const p = new ProgressLine(err, () => 0);
    p.onEvent({
      kind: 'artifact-start',
      path: `deep/${'x'.repeat(80)}/\u001b]0;t\u0007.pkl`,
      size: 1,
      index: 0,
      total: 1,
    });
    const line = err.chunks[0]!.replace('\r\x1b[2K', '');
    expect([...line].length).toBeLessThanOrEqual(39);
    expect(line).toMatch(/^vacsrp: 0\/1 files · …x+\/\\x1b\]0;t\\x07\.pkl$/);
  });

  it('clears only a line it drew', () => {
    const err = recorder(true);
    const p = new ProgressLine(err);
    p.clear();
    expect(err.chunks).toEqual([]);
  });
});
