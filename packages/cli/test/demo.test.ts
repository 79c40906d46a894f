import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ScanReport, scan } from '@vacsrp/scanner';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/program.js';
import { recorder } from './helpers.js';

describe('vacsrp demo', () => {
  it('writes the demo repository, scans it for real and fails on its planted payloads only', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'vacsrp-demo-')), 'demo');
    const stdout = recorder();
    const stderr = recorder();
    const code = await runCli(['demo', dir, '--format', 'json'], {
      scan,
      stdout,
      stderr,
      env: {},
      version: '0.0.0',
    });
    expect(code).toBe(1);
    expect(existsSync(path.join(dir, 'clean-model', 'model.pt'))).toBe(true);
    const report = JSON.parse(stdout.text()) as ScanReport;
    const loud = report.findings.filter((f) => ['critical', 'high', 'medium'].includes(f.severity));
    expect(loud.every((f) => f.location.artifact.includes('downloaded-model'))).toBe(true);
    expect(loud.map((f) => f.evidence.callable)).toEqual(
      expect.arrayContaining(['posix.system', 'importlib.import_module']),
    );
    expect(report.artifacts.find((a) => a.path.endsWith('model.pt'))?.status).toBe('scanned');
    expect(stderr.text()).toContain('wrote a demo model repository');
  });
});
