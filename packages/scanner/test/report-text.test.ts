import { describe, expect, it } from 'vitest';
import { escapeTerminal, formatBytes, renderText } from '../src/report/text.js';
import { expectGolden } from './fixtures/report/golden.js';
import {
  ESCAPE_CANARY,
  emptyReport,
  makeReport,
  sampleArtifacts,
  sampleFindings,
} from './fixtures/report/sample-report.js';

const ANSI = /\x1b\[[0-9;]*m/g;

describe('renderText', () => {
  it('matches the golden file without colour', () => {
    expectGolden('report.txt', renderText(makeReport(), { color: false }));
  });

  it('matches the golden file in verbose mode', () => {
    expectGolden('report-verbose.txt', renderText(makeReport(), { color: false, verbose: true }));
  });

  it('emits no escape sequence at all without colour', () => {
    for (const verbose of [false, true]) {
      expect(renderText(makeReport(), { color: false, verbose })).not.toContain('\x1b');
    }
  });

  it('colours severity badges only when asked, and says the same thing either way', () => {
    const plain = renderText(makeReport(), { color: false });
    const coloured = renderText(makeReport(), { color: true });
    expect(coloured).toContain('\x1b[1;97;41mCRITICAL\x1b[0m');
    expect(coloured).toContain('\x1b[33mMEDIUM  \x1b[0m');
    expect(coloured.replace(ANSI, '')).toBe(plain);
  });

  it('groups findings under their artifact, with location and evidence', () => {
    const out = renderText(makeReport(), { color: false });
    const model = out.indexOf('\nmodels/model.pt  (pytorch-zip');
    const legacy = out.indexOf('\nmodels/legacy.pkl  (pickle');
    expect(legacy).toBeGreaterThan(0);
    expect(model).toBeGreaterThan(legacy);
    expect(out).toContain('at models/model.pt!archive/data.pkl@57');
    expect(out).toContain('callable posix.system opcode REDUCE #12');
    expect(out).toMatch(/CRITICAL {2}VAC-PKL-002 {2}Pickle invokes a callable outside the allowlist/);
  });

  it('names every scanned, skipped and errored artifact in the summary, with reasons', () => {
    const out = renderText(makeReport(), { color: false });
    const summary = out.slice(out.indexOf('Summary'));
    expect(summary).toContain('Artifacts: 2 scanned, 1 skipped, 1 errored');
    expect(summary).toContain('models/weights v2 ü.bin (unknown): format not analysed by this version');
    expect(summary).toContain('models/broken.pkl (pickle): EIO: i/o error, read');
    expect(summary).toMatch(
      /Scanned:\n {4}models\/legacy\.pkl \(pickle\)\n {4}models\/model\.pt \(pytorch-zip\)/,
    );
    expect(summary).toContain('Findings: 2 critical, 2 high, 1 medium, 1 low, 1 info');
    expect(summary).toContain('Result: FAIL (findings at or above medium)');
  });

  it('reports a clean scan as such', () => {
    const out = renderText(emptyReport(), { color: false });
    expect(out).toContain('No findings.');
    expect(out).toContain('Result: PASS (no findings at or above medium)');
  });

  it('never passes a terminal escape from an artifact through', () => {
    for (const color of [false, true]) {
      const out = renderText(makeReport(), { color, verbose: true });
      expect(out).not.toContain(ESCAPE_CANARY);
      expect(out).not.toContain('\x1b]');
      expect(out).toContain('archive/\\x1b]0;pwned\\x07.pkl');
    }
    const bidi = makeReport(sampleFindings, [{ ...sampleArtifacts[0]!, path: 'evil\u202egnp.pkl' }]);
    expect(renderText(bidi, { color: false })).toContain('evil\\u{202e}gnp.pkl');
  });

  it('shows remediation, references, excerpts, details and digests only when verbose', () => {
    const terse = renderText(makeReport(), { color: false });
    const verbose = renderText(makeReport(), { color: false, verbose: true });
    for (const s of [
      'excerpt:',
      'refs: CWE-502',
      'fix: Do not load',
      'centralName: archive/data2.pkl',
      `sha256 ${'a'.repeat(64)}`,
    ]) {
      expect(terse).not.toContain(s);
      expect(verbose).toContain(s);
    }
  });
});

describe('text helpers', () => {
  it('formats sizes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(123_456)).toBe('120.6 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('escapes control and bidi characters and leaves other text alone', () => {
    expect(escapeTerminal('a\tb\nc\u009b\u2066ü')).toBe('a\\x09b\\x0ac\\x9b\\u{2066}ü');
  });
});
