/** The facts about the machine that a benchmark result needs next to it. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly openssl: string;
  readonly kernel: string;
  readonly gnuTime: boolean;
}

export function describeMachine(gnuTime: boolean): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1]!.trim();
  } catch {}
  let openssl = 'not installed';
  try {
    openssl = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    openssl,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    gnuTime,
  };
}
