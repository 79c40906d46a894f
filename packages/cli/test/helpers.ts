/** In-process CLI harness: recording streams, a fake scan and hand-built reports. */
import type { Finding, ScanOptions, ScanReport, Severity } from '@vacsrp/scanner';
import { Command, CommanderError } from 'commander';
import { errorLine } from '../src/output.js';
import type { CliDeps } from '../src/program.js';
import { runCli } from '../src/program.js';

export interface Recorder {
  readonly chunks: string[];
  readonly isTTY: boolean;
  readonly columns: number;
  write(chunk: string): boolean;
  text(): string;
}

export function recorder(isTTY = false, columns = 80): Recorder {
  const chunks: string[] = [];
  return { chunks, isTTY, columns, write: (c) => chunks.push(c) > 0, text: () => chunks.join('') };
}

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const RANK = (s: Severity) => SEVERITIES.length - SEVERITIES.indexOf(s);

export function finding(severity: Severity, artifact = 'model.pkl', ruleId = 'VAC-PKL-002'): Finding {
  return {
    ruleId: ruleId as Finding['ruleId'],
    severity,
    criterion: 'MI-1',
    title: 'Pickle invokes a callable outside the allowlist',
    message: `a ${severity} finding`,
    location: { artifact, offset: 3 },
    evidence: { callable: 'builtins.exec', opcode: 'REDUCE' },
    remediation: 'Do not load this artifact.',
    references: [{ type: 'cwe', id: 'CWE-502' }],
  };
}

/** A report as the engine would build it for these findings and this threshold. */
export function reportFor(findings: readonly Finding[], failOn: Severity = 'medium'): ScanReport {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return {
    schema: 'https://vacsrp.dev/schemas/scan-report/1.0.0',
    tool: {
      name: 'vacsrp',
      version: '9.9.9',
      policy: { id: 'builtin', version: '1' },
      criteria: 'vacsrp-criteria-v1',
    },
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:01.000Z',
    roots: ['.'],
    artifacts: [{ path: 'model.pkl', size: 10, format: 'pickle', status: 'scanned' }],
    findings,
    summary: {
      artifacts: { scanned: 1, skipped: 0, errored: 0 },
      findings: counts,
      highest: SEVERITIES.find((s) => counts[s] > 0) ?? null,
      failOn,
      failed: findings.some((f) => RANK(f.severity) >= RANK(failOn)),
    },
  };
}

export interface Harness {
  readonly stdout: Recorder;
  readonly stderr: Recorder;
  readonly calls: { paths: readonly string[]; options: ScanOptions }[];
  run(...argv: string[]): Promise<number>;
}

export interface HarnessOptions {
  findings?: readonly Finding[];
  scan?: CliDeps['scan'];
  stdoutTTY?: boolean;
  stderrTTY?: boolean;
  env?: Record<string, string | undefined>;
  /** Paths that exist; default: every path exists. */
  existing?: readonly string[];
  writeFile?: CliDeps['writeFile'];
}

export function harness(o: HarnessOptions = {}): Harness {
  const stdout = recorder(o.stdoutTTY ?? false);
  const stderr = recorder(o.stderrTTY ?? false);
  const calls: Harness['calls'] = [];
  const scan: CliDeps['scan'] = async (paths, options) => {
    calls.push({ paths, options });
    if (o.scan) return o.scan(paths, options);
    return reportFor(o.findings ?? [], options.failOn ?? 'medium');
  };
  const deps: CliDeps = {
    scan,
    stdout,
    stderr,
    env: o.env ?? {},
    version: '9.9.9',
    pathExists: async (p) => o.existing === undefined || o.existing.includes(p),
    ...(o.writeFile ? { writeFile: o.writeFile } : {}),
  };
  return { stdout, stderr, calls, run: (...argv) => runCli(argv, deps) };
}

export const ANSI = /\x1b\[[0-9;]*m/;

export interface CommandRun {
  code: number;
  stdout: Recorder;
  stderr: Recorder;
}

interface CommandIo {
  stdout: Recorder;
  stderr: Recorder;
  setExitCode(code: number): void;
}

/** One command group on a bare program, run the way runCli runs it: commander errors are usage errors (2), --help is 0. */
export async function runCommand(
  register: (program: Command, io: CommandIo) => void,
  argv: readonly string[],
): Promise<CommandRun> {
  const stdout = recorder();
  const stderr = recorder();
  let code = 0;
  const program = new Command('vacsrp').exitOverride().configureOutput({
    writeOut: (s) => void stdout.write(s),
    writeErr: (s) => void stderr.write(s),
    outputError: (s, write) => write(errorLine(s.replace(/^error: /, ''))),
  });
  register(program, { stdout, stderr, setExitCode: (c) => (code = c) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}
