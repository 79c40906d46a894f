/**
 * Runs a command as a child process and measures it: wall time (parent's monotonic clock), peak RSS
 * and CPU time of the child (GNU time when installed, else an exit hook for node children), and how
 * busy the rest of the machine was meanwhile (from /proc/stat, on Linux).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './targets.js';

const GNU_TIME = '/usr/bin/time';
const PROBE = path.join(BENCH_DIR, 'rss-probe.mjs');

export interface Sample {
  readonly wallSeconds: number;
  readonly maxRssKiB: number | undefined;
  readonly cpuSeconds: number | undefined;
  /** CPU used by everything else on the machine during the run, in cores (0 = quiet machine). */
  readonly backgroundCores: number | undefined;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const hasGnuTime = (): boolean => existsSync(GNU_TIME);

/** Busy CPU seconds of the whole machine so far (all cores; /proc/stat counts in USER_HZ = 1/100 s). */
export function machineBusySeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    return busy / 100;
  } catch {
    return undefined;
  }
}

export async function measure(command: string, args: readonly string[], cwd: string): Promise<Sample> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vacsrp-bench-'));
  const report = path.join(dir, 'usage');
  try {
    let argv: string[];
    const env = { ...process.env };
    if (hasGnuTime()) {
      argv = [GNU_TIME, '-f', '%M %U %S', '-o', report, command, ...args];
    } else if (command === process.execPath) {
      argv = [command, '--import', PROBE, ...args];
      env.VACSRP_BENCH_PROBE_FILE = report;
    } else {
      argv = [command, ...args];
    }
    const busyBefore = machineBusySeconds();
    const started = process.hrtime.bigint();
    const { exitCode, stdout, stderr } = await run(argv, cwd, env);
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const busyAfter = machineBusySeconds();
    const usage = await readFile(report, 'utf8').catch(() => '');
    let maxRssKiB: number | undefined;
    let cpuSeconds: number | undefined;
    if (hasGnuTime()) {
      // GNU time prefixes "Command exited with non-zero status N" when the child fails.
      const fields = usage.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
      if (fields.length === 3 && fields.every(Number.isFinite)) {
        maxRssKiB = fields[0];
        cpuSeconds = fields[1]! + fields[2]!;
      }
    } else if (usage) {
      const probe = JSON.parse(usage) as { maxRssKiB: number; cpuSeconds: number };
      maxRssKiB = probe.maxRssKiB;
      cpuSeconds = probe.cpuSeconds;
    }
    const backgroundCores =
      busyBefore === undefined || busyAfter === undefined || cpuSeconds === undefined
        ? undefined
        : Math.max(0, busyAfter - busyBefore - cpuSeconds) / wallSeconds;
    return { wallSeconds, maxRssKiB, cpuSeconds, backgroundCores, exitCode, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
