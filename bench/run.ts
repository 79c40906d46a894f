/**
 * The benchmark harness (`npm run bench`). Generates the inputs if needed, then runs every scenario
 * as a child process (one warm-up run, then `--runs` measured runs, default 5) and reports the median
 * wall time, peak RSS and CPU/wall ratio of the child. Prints a Markdown table and writes it to
 * bench/out/results.md (and the raw numbers to bench/out/results.json).
 *
 *   node --import tsx bench/run.ts [--runs 5] [--only id,id] [--scale 1] [--out DIR]
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DigestOnlyResult } from './digest-only.js';
import { generate } from './generate.js';
import { describeMachine, type Machine } from './lib/machine.js';
import { hasGnuTime, measure, median, type Sample } from './lib/measure.js';
import { DEFAULT_OUT, REPO_DIR } from './lib/targets.js';

const CLI = path.join(REPO_DIR, 'packages/cli/dist/main.js');

interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly kind: 'cli' | 'digest' | 'openssl' | 'openssl-parallel';
  readonly args: readonly string[];
  /** Input bytes, for throughput. */
  readonly bytes: number;
  /** Input files, for throughput when they are many and small. */
  readonly files?: number;
  readonly target?: string;
}

interface Outcome {
  readonly scenario: Scenario;
  readonly samples: readonly Sample[];
  readonly skipped?: string;
  readonly failed?: string;
  readonly wall?: number;
  readonly wallMin?: number;
  readonly wallMax?: number;
  readonly rssMiB?: number;
  readonly cpuPerWall?: number;
  /** median CPU used by other processes during the runs, in cores */
  readonly backgroundCores?: number;
  /** digest-only: the in-process hashing time (median) */
  readonly hashSeconds?: number;
  readonly digest?: string;
  verdict?: string;
}

const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined ? '–' : value.toFixed(digits);
const gbps = (bytes: number, seconds: number | undefined): string =>
  seconds ? `${(bytes / seconds / 1e9).toFixed(2)} GB/s` : '–';

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

/** Whether the CLI exists and produces a JSON report; the reason if not. */
async function checkCli(sample: string): Promise<string | undefined> {
  if (!existsSync(CLI)) return `${path.relative(REPO_DIR, CLI)} is missing (run \`npm run build\`)`;
  const probe = await measure(
    process.execPath,
    [CLI, 'scan', sample, '--format', 'json', '--no-color'],
    REPO_DIR,
  );
  if (probe.exitCode !== 0 && probe.exitCode !== 1) {
    return `\`vacsrp scan\` exited with ${probe.exitCode}: ${probe.stderr.trim().split('\n').slice(0, 3).join(' / ')}`;
  }
  try {
    JSON.parse(probe.stdout);
  } catch {
    return `\`vacsrp scan --format json\` did not print JSON: ${probe.stdout.slice(0, 120)}`;
  }
  return undefined;
}

function command(scenario: Scenario): { command: string; args: string[] } {
  switch (scenario.kind) {
    case 'cli':
      return {
        command: process.execPath,
        args: [CLI, 'scan', ...scenario.args, '--format', 'json', '--no-color'],
      };
    case 'digest':
      return {
        command: process.execPath,
        args: ['--import', 'tsx', 'bench/digest-only.ts', ...scenario.args],
      };
    case 'openssl':
      return { command: 'openssl', args: ['dgst', '-sha256', ...scenario.args] };
    case 'openssl-parallel':
      // One openssl process per file, all at once: the machine's own two-core reference.
      return {
        command: 'sh',
        args: ['-c', 'for f in "$@"; do openssl dgst -sha256 "$f" & done; wait', 'sh', ...scenario.args],
      };
    default: {
      const never: never = scenario.kind;
      throw new Error(`unknown kind ${never}`);
    }
  }
}

function succeeded(scenario: Scenario, sample: Sample): boolean {
  // The scan exits 1 when findings reach --fail-on; that is still a completed scan.
  return sample.exitCode === 0 || (scenario.kind === 'cli' && sample.exitCode === 1);
}

/**
 * Runs the scenarios round-robin: one warm-up each, then run 1 of every scenario, run 2 of every
 * scenario, and so on. On a shared machine the background load drifts; interleaving spreads it over
 * all scenarios instead of penalising whichever ran during a busy minute.
 */
async function runAll(
  scenarios: readonly Scenario[],
  runs: number,
  log: (line: string) => void,
): Promise<Map<string, Sample[] | string>> {
  const results = new Map<string, Sample[] | string>(scenarios.map((s) => [s.id, []]));
  for (let i = 0; i <= runs; i++) {
    for (const scenario of scenarios) {
      const samples = results.get(scenario.id);
      if (!Array.isArray(samples)) continue; // failed earlier
      const { command: cmd, args } = command(scenario);
      const sample = await measure(cmd, args, REPO_DIR);
      if (!succeeded(scenario, sample)) {
        const why = sample.stderr.trim().split('\n').slice(0, 4).join(' / ');
        results.set(scenario.id, `exit ${sample.exitCode}: ${why}`);
        log(`  ${scenario.id} FAILED: ${why}`);
        continue;
      }
      if (i > 0) samples.push(sample); // run 0 is the warm-up
      log(`  ${scenario.id} ${i === 0 ? 'warm-up' : `run ${i}/${runs}`}: ${sample.wallSeconds.toFixed(3)} s`);
    }
  }
  return results;
}

function summarise(scenario: Scenario, samples: readonly Sample[]): Outcome {
  const walls = samples.map((s) => s.wallSeconds);
  const rss = samples.flatMap((s) => (s.maxRssKiB === undefined ? [] : [s.maxRssKiB / 1024]));
  const ratios = samples.flatMap((s) => (s.cpuSeconds === undefined ? [] : [s.cpuSeconds / s.wallSeconds]));
  const background = samples.flatMap((s) => (s.backgroundCores === undefined ? [] : [s.backgroundCores]));
  let hashSeconds: number | undefined;
  let digest: string | undefined;
  if (scenario.kind === 'digest') {
    const results = samples.map((s) => JSON.parse(s.stdout) as DigestOnlyResult);
    hashSeconds = median(results.map((r) => r.seconds));
    digest = Object.values(results[0]!.digests)[0];
  } else if (scenario.kind === 'openssl') {
    digest = /= ([0-9a-f]{64})/.exec(samples[0]!.stdout)?.[1];
  }
  return {
    scenario,
    samples,
    wall: median(walls),
    wallMin: Math.min(...walls),
    wallMax: Math.max(...walls),
    rssMiB: rss.length ? median(rss) : undefined,
    backgroundCores: background.length ? median(background) : undefined,
    cpuPerWall: ratios.length ? median(ratios) : undefined,
    hashSeconds,
    digest,
  };
}

function judge(outcomes: Map<string, Outcome>): string[] {
  const notes: string[] = [];
  const zip = outcomes.get('cli-zip-nodigest');
  if (zip?.wall !== undefined) {
    zip.verdict = zip.wall < 0.5 ? 'met' : 'missed';
    notes.push(`Zip checkpoint without digests: ${fmt(zip.wall, 3)} s (target < 0.5 s: ${zip.verdict}).`);
  }
  const header = outcomes.get('cli-safetensors-nodigest');
  if (header?.wall !== undefined) {
    header.verdict = header.wall < 0.2 ? 'met' : 'missed';
    notes.push(
      `safetensors header validation of the 2 GB file: ${fmt(header.wall, 3)} s (target < 0.2 s: ${header.verdict}).`,
    );
  }
  const hdf5 = outcomes.get('cli-hdf5-nodigest');
  if (hdf5?.rssMiB !== undefined) {
    hdf5.verdict = hdf5.rssMiB < 200 ? 'met' : 'missed';
    notes.push(`HDF5 file: peak RSS ${fmt(hdf5.rssMiB, 0)} MiB (target < 200 MiB: ${hdf5.verdict}).`);
  }
  const cli = [...outcomes.values()].filter((o) => o.scenario.kind === 'cli' && o.rssMiB !== undefined);
  if (cli.length > 0) {
    const worst = Math.max(...cli.map((o) => o.rssMiB!));
    notes.push(
      `Peak RSS of the CLI across every input: at most ${fmt(worst, 0)} MiB (target < 150 MiB: ${worst < 150 ? 'met' : 'missed'}).`,
    );
  }
  const ours = outcomes.get('digest-one');
  const openssl = outcomes.get('openssl-one');
  if (ours?.hashSeconds !== undefined && openssl?.wall !== undefined) {
    const ratio = ours.hashSeconds / openssl.wall;
    ours.verdict = ratio <= 1.15 ? 'met' : 'missed';
    notes.push(
      `SHA-256 of the safetensors file on one worker: ${fmt(ours.hashSeconds, 3)} s in-process ` +
        `(${fmt(ours.wall, 3)} s for the whole child process incl. node + tsx start-up) vs ` +
        `\`openssl dgst -sha256\` ${fmt(openssl.wall, 3)} s: ratio ${ratio.toFixed(2)} (target ≤ 1.15: ${ours.verdict}).`,
    );
    if (ours.digest && openssl.digest && ours.digest !== openssl.digest) {
      notes.push(`DIGEST MISMATCH: digest pool ${ours.digest} vs openssl ${openssl.digest}.`);
    }
  }
  const pair = outcomes.get('digest-pair-2');
  if (pair?.cpuPerWall !== undefined) {
    const single = outcomes.get('digest-pair-1');
    const reference = outcomes.get('openssl-pair');
    // If two openssl processes could not keep both cores busy either, the machine was not free.
    const machineBusy = reference?.cpuPerWall !== undefined && reference.cpuPerWall < 1.5;
    pair.verdict =
      pair.cpuPerWall >= 1.5 ? 'met' : machineBusy ? 'inconclusive (reference also < 1.5)' : 'missed';
    notes.push(
      `Two large files at once on 2 workers: CPU/wall ${fmt(pair.cpuPerWall)} (both cores busy: ${pair.verdict})` +
        (single?.wall !== undefined && pair.wall !== undefined
          ? `; ${fmt(pair.wall, 3)} s vs ${fmt(single.wall, 3)} s on 1 worker (speed-up ${(single.wall / pair.wall).toFixed(2)}×)`
          : '') +
        (reference?.wall !== undefined
          ? `; two parallel \`openssl dgst\` processes: ${fmt(reference.wall, 3)} s, CPU/wall ${fmt(reference.cpuPerWall)}.`
          : '.'),
    );
  }
  return notes;
}

function table(outcomes: readonly Outcome[]): string {
  const rows = [
    '| scenario | median wall (s) | min–max (s) | peak RSS (MiB) | CPU/wall | other load (cores) | throughput | target | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const o of outcomes) {
    const name = `${o.scenario.title} (\`${o.scenario.id}\`)`;
    if (o.skipped || o.failed) {
      rows.push(
        `| ${name} | – | – | – | – | – | – | ${o.scenario.target ?? ''} | ${o.skipped ? 'not run' : 'FAILED'}: ${o.skipped ?? o.failed} |`,
      );
      continue;
    }
    const seconds = o.hashSeconds ?? o.wall;
    const rate =
      o.scenario.files !== undefined && seconds
        ? `${Math.round(o.scenario.files / seconds)} files/s`
        : gbps(o.scenario.bytes, seconds);
    const throughput = o.hashSeconds !== undefined ? `${rate} (in-process)` : rate;
    rows.push(
      `| ${name} | ${fmt(o.wall, 3)} | ${fmt(o.wallMin, 3)}–${fmt(o.wallMax, 3)} | ${fmt(o.rssMiB, 0)} | ${fmt(o.cpuPerWall)} | ${fmt(o.backgroundCores)} | ${throughput} | ${o.scenario.target ?? ''} | ${o.verdict ?? ''} |`,
    );
  }
  return rows.join('\n');
}

function machineSection(machine: Machine, load: { before: number[]; after: number[] }): string {
  const avg = (l: number[]): string => l.map((v) => v.toFixed(2)).join(' / ');
  return [
    `- CPU: ${machine.cpuModel}, ${machine.cpus} logical CPUs available`,
    `- RAM: ${machine.memoryGiB} GiB`,
    `- OS: ${machine.kernel}`,
    `- Node ${machine.node}; ${machine.openssl}`,
    `- load average (1 / 5 / 15 min) before: ${avg(load.before)}, after: ${avg(load.after)}. Above ~1 before the run, other work shares the ${machine.cpus} CPUs`,
    `- peak RSS / CPU time: ${machine.gnuTime ? 'GNU time (`/usr/bin/time -f "%M %U %S"`)' : 'process.resourceUsage() via bench/rss-probe.mjs (node children only)'}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      scale: { type: 'string', default: '1' },
      out: { type: 'string', default: DEFAULT_OUT },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer: ${values.runs}`);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };

  const loadBefore = os.loadavg();
  const t = await generate({ out: values.out, scale: Number(values.scale), log });
  const sizes = {
    zip: await fileSize(t.zip),
    safetensors: await fileSize(t.safetensors),
    legacy: await fileSize(t.legacy),
  };
  const rel = (file: string): string => path.relative(REPO_DIR, file);
  // The HDF5 input comes from bench/gen-hdf5.ts (h5wasm, idempotent), run as a child process.
  const outDir = values.out ?? DEFAULT_OUT;
  const HDF5_FILE = path.join(outDir, 'model.h5');
  const scale = values.scale ?? '1';
  const gen = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_DIR, 'bench', 'gen-hdf5.ts'), '--out', outDir, '--scale', scale],
    { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const hdf5Bytes = gen.status === 0 ? await fileSize(HDF5_FILE).catch(() => undefined) : undefined;
  if (hdf5Bytes === undefined)
    log(`no ${rel(HDF5_FILE)} (bench/gen-hdf5.ts failed): the HDF5 scenario is skipped`);
  const treeEntries = await readdir(t.tree, { recursive: true, withFileTypes: true });
  const treeFiles = treeEntries.filter((entry) => entry.isFile()).length;
  const tree = { bytes: 0, files: treeFiles };
  const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;
  const big = gb(sizes.zip);
  const scenarios: Scenario[] = [
    {
      id: 'cli-zip-nodigest',
      title: `${gb(sizes.zip)} torch zip, \`--no-digest\``,
      kind: 'cli',
      args: [rel(t.zip), '--no-digest'],
      bytes: sizes.zip,
      target: '< 0.5 s',
    },
    {
      id: 'cli-zip',
      title: `${gb(sizes.zip)} torch zip, with digest`,
      kind: 'cli',
      args: [rel(t.zip)],
      bytes: sizes.zip,
    },
    {
      id: 'cli-safetensors-nodigest',
      title: `${gb(sizes.safetensors)} safetensors, \`--no-digest\` (header validation only)`,
      kind: 'cli',
      args: [rel(t.safetensors), '--no-digest'],
      bytes: sizes.safetensors,
      target: '< 0.2 s',
    },
    ...(hdf5Bytes !== undefined
      ? [
          {
            id: 'cli-hdf5-nodigest',
            title: `${gb(hdf5Bytes)} HDF5 (Keras weights), \`--no-digest\``,
            kind: 'cli' as const,
            args: [rel(HDF5_FILE), '--no-digest'],
            bytes: hdf5Bytes,
            target: '< 200 MiB RSS',
          },
        ]
      : []),
    {
      id: 'cli-safetensors',
      title: `${gb(sizes.safetensors)} safetensors, with digest`,
      kind: 'cli',
      args: [rel(t.safetensors)],
      bytes: sizes.safetensors,
    },
    {
      id: 'cli-legacy',
      title: `${gb(sizes.legacy)} legacy torch, with digest`,
      kind: 'cli',
      args: [rel(t.legacy)],
      bytes: sizes.legacy,
    },
    {
      id: 'cli-tree',
      title: `tree of ${treeFiles} small files, with digests`,
      kind: 'cli',
      args: [rel(t.tree)],
      ...tree,
    },
    {
      id: 'cli-tree-nodigest',
      title: `tree of ${treeFiles} small files, \`--no-digest\``,
      kind: 'cli',
      args: [rel(t.tree), '--no-digest'],
      ...tree,
    },
    {
      id: 'cli-pair',
      title: `dir with both ${big} files, with digests`,
      kind: 'cli',
      args: [rel(t.pair)],
      bytes: sizes.zip + sizes.safetensors,
    },
    {
      id: 'openssl-one',
      title: `\`openssl dgst -sha256\`, ${gb(sizes.safetensors)} safetensors`,
      kind: 'openssl',
      args: [rel(t.safetensors)],
      bytes: sizes.safetensors,
      target: 'reference',
    },
    {
      id: 'digest-one',
      title: `digest pool, 1 worker, ${gb(sizes.safetensors)} safetensors`,
      kind: 'digest',
      args: ['--threads', '1', rel(t.safetensors)],
      bytes: sizes.safetensors,
      target: '≤ 1.15 × openssl',
    },
    {
      id: 'openssl-pair',
      title: `two \`openssl dgst -sha256\` at once, both ${big} files`,
      kind: 'openssl-parallel',
      args: [rel(t.zip), rel(t.safetensors)],
      bytes: sizes.zip + sizes.safetensors,
      target: 'reference',
    },
    {
      id: 'digest-pair-1',
      title: `digest pool, 1 worker, both ${big} files`,
      kind: 'digest',
      args: ['--threads', '1', rel(t.pair)],
      bytes: sizes.zip + sizes.safetensors,
    },
    {
      id: 'digest-pair-2',
      title: `digest pool, 2 workers, both ${big} files`,
      kind: 'digest',
      args: ['--threads', '2', rel(t.pair)],
      bytes: sizes.zip + sizes.safetensors,
      target: 'CPU/wall ≥ 1.5',
    },
    {
      id: 'digest-tree',
      title: `digest pool, tree of ${treeFiles} small files`,
      kind: 'digest',
      args: [rel(t.tree)],
      ...tree,
    },
  ];
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const selected = scenarios.filter((s) => !only || only.has(s.id));

  const cliProblem = selected.some((s) => s.kind === 'cli')
    ? await checkCli(path.join(t.tree, 'd00', 's00', 'f000.pkl'))
    : undefined;
  if (cliProblem) log(`CLI scenarios skipped: ${cliProblem}`);
  const opensslMissing = describeMachine(hasGnuTime()).openssl === 'not installed';

  const skipped = new Map<string, string>();
  for (const scenario of selected) {
    if (scenario.kind === 'cli' && cliProblem) skipped.set(scenario.id, cliProblem);
    const usesOpenssl = scenario.kind === 'openssl' || scenario.kind === 'openssl-parallel';
    if (usesOpenssl && opensslMissing) skipped.set(scenario.id, 'openssl is not installed');
  }
  const results = await runAll(
    selected.filter((s) => !skipped.has(s.id)),
    runs,
    log,
  );
  const outcomes = new Map<string, Outcome>();
  for (const scenario of selected) {
    const reason = skipped.get(scenario.id);
    const result = results.get(scenario.id);
    if (reason !== undefined) outcomes.set(scenario.id, { scenario, samples: [], skipped: reason });
    else if (typeof result === 'string') outcomes.set(scenario.id, { scenario, samples: [], failed: result });
    else outcomes.set(scenario.id, summarise(scenario, result ?? []));
  }

  const notes = judge(outcomes);
  const machine = describeMachine(hasGnuTime());
  const markdown = [
    `## Results (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; median of ${runs} interleaved runs after 1 warm-up, warm page cache)`,
    '',
    machineSection(machine, { before: loadBefore, after: os.loadavg() }),
    '',
    table([...outcomes.values()]),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
  process.stdout.write(markdown);
  await writeFile(t.results, markdown);
  await writeFile(
    t.results.replace(/\.md$/, '.json'),
    `${JSON.stringify(
      {
        machine,
        runs,
        outcomes: [...outcomes.values()].map(({ samples, ...rest }) => ({
          ...rest,
          samples: samples.map(({ stdout: _stdout, stderr: _stderr, ...sample }) => sample),
        })),
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${rel(t.results)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
