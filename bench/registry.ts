/**
 * Public registry lookup by artifact digest under load: the service runs as a separate process on
 * the embedded default (SQLite in a fresh data directory) with the demo program plus --entries
 * completed reviews seeded through the use cases; a Node load generator keeps --connections
 * keep-alive connections busy with `GET /api/v1/registry?digest=sha256:…` (a random attested digest
 * per request) for --seconds after a warm-up, --runs times. Prints p50, p99 and requests per second
 * of every run, their medians, and how busy the machine was.
 *
 *   node --import tsx bench/registry.ts [--entries 200] [--connections 200] [--seconds 10] [--runs 5]
 *
 * The server's per-client rate limit is raised for the run (one load generator is one client).
 */
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machineBusySeconds, median } from './lib/measure.js';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    data: { type: 'string' },
    entries: { type: 'string', default: '200' },
    connections: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    runs: { type: 'string', default: '5' },
  },
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The server process: start the service, seed, print `{ url, digests }` on one line, run until killed. */
async function serve(dataDir: string, entries: number): Promise<void> {
  const svc = await import('../packages/service/src/index.js');
  const { approvePublicSummary } = await import('../packages/service/src/app/outputs/summary.js');
  const { assignReviewer } = await import('../packages/service/src/app/reviewers.js');
  const { changeState, createSubmission } = await import('../packages/service/src/app/submissions.js');
  const config = svc.configFrom({ data: dataDir, port: 0 }, {});
  const running = await svc.startService({ ...config, rateLimit: 1_000_000_000 });
  const worker = (running as { worker?: { idle(): Promise<void> } }).worker;
  await svc.seedDemo(running.ctx, async () => worker?.idle());
  const ctx = running.ctx;
  const system = { actor: { role: 'administrator' as const, userId: 'system' }, where: 'bench' };
  const as = (u: Parameters<typeof svc.actorOf>[0]) => ({ actor: svc.actorOf(u), where: 'bench' });
  const org = await svc.createOrganisation(ctx, system, {
    name: 'Bench Models Inc',
    type: 'large-company',
    sizeBand: '1000+',
    sector: 'software',
  });
  const user = (
    email: string,
    role: 'submitter' | 'reviewer' | 'administrator',
    organisationId: string | null,
  ) => svc.createUser(ctx, system, { email, name: email, role, organisationId, password: randomUUID() });
  const dev = as(await user('dev@bench.example', 'submitter', org.id));
  const admin = as(await user('admin@bench.example', 'administrator', null));
  const r1 = await user('r1@bench.example', 'reviewer', null);
  const r2 = await user('r2@bench.example', 'reviewer', null);
  for (let i = 0; i < entries; i++) {
    const artifacts = [0, 1, 2]
      .map(
        (k) =>
          `  - path: shard-${k}.safetensors\n    sha256: ${sha256(`bench ${i} ${k}`)}\n    size: 1048576\n`,
      )
      .join('');
    const manifest = `manifestVersion: 1
model:
  name: bench-model-${i}
  version: 1.0.${i}
  licence:
    id: Apache-2.0
developer:
  organisation: "Bench Models Inc"
  securityContact: security@bench.example
intendedUses:
  - Benchmarking the registry
artifacts:
${artifacts}confidentiality: digests-only
`;
    const s = await createSubmission(ctx, dev, { manifest });
    await changeState(ctx, dev, s.id, { type: 'submit' });
    await assignReviewer(ctx, admin, s.id, r1.id);
    await assignReviewer(ctx, admin, s.id, r2.id);
    await changeState(ctx, admin, s.id, { type: 'start-review' });
    await changeState(ctx, as(r1), s.id, { type: 'issue-findings' });
    await changeState(ctx, as(r1), s.id, { type: 'sign-off' });
    await changeState(ctx, as(r2), s.id, { type: 'sign-off' });
    await changeState(ctx, admin, s.id, { type: 'issue-final-report' });
    await approvePublicSummary(ctx, admin, s.id);
    await changeState(ctx, admin, s.id, { type: 'complete' });
  }
  const digests = (await ctx.db.selectFrom('registry_digests').select('sha256').execute()).map(
    (d) => d.sha256,
  );
  process.stdout.write(`${JSON.stringify({ url: running.url, digests })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await running.close();
}

interface RunResult {
  readonly requests: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly machineCores: number | undefined;
  readonly load1: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

async function load(
  url: string,
  digests: readonly string[],
  connections: number,
  seconds: number,
  agent: http.Agent,
  record: boolean,
): Promise<Omit<RunResult, 'load1'>> {
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const busyBefore = machineBusySeconds();
  const start = performance.now();
  const end = start + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const digest = digests[Math.floor(Math.random() * digests.length)]!;
      const t0 = performance.now();
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `/api/v1/registry?digest=sha256:${digest}`,
          method: 'GET',
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - t0);
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const busyAfter = machineBusySeconds();
  const sorted = record ? latencies.sort((a, b) => a - b) : [];
  return {
    requests: latencies.length,
    errors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    rps: latencies.length / elapsed,
    machineCores:
      busyBefore === undefined || busyAfter === undefined ? undefined : (busyAfter - busyBefore) / elapsed,
  };
}

async function main(): Promise<void> {
  if (values.serve) return serve(values.data!, Number(values.entries));
  const connections = Number(values.connections);
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vacsrp-bench-registry-'));
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', self, '--serve', '--data', dataDir, '--entries', String(values.entries)],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VACSRP_MASTER_KEY: '' } },
  );
  try {
    const ready = await new Promise<{ url: string; digests: string[] }>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        const line = buffer.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) resolve(JSON.parse(line) as { url: string; digests: string[] });
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
    process.stderr.write(
      `registry: ${ready.digests.length} attested digests at ${ready.url}; ${connections} connections, ${seconds} s × ${runs} runs\n`,
    );
    await load(ready.url, ready.digests, connections, Number(values.warmup), agent, false);
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      const load1 = os.loadavg()[0]!;
      const r = { ...(await load(ready.url, ready.digests, connections, seconds, agent, true)), load1 };
      results.push(r);
      process.stderr.write(
        `run ${i + 1}: ${r.requests} ok, ${r.errors} errors, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.rps.toFixed(0)} req/s, machine ${r.machineCores?.toFixed(2) ?? '?'} cores busy, load ${load1.toFixed(2)}\n`,
      );
    }
    agent.destroy();
    const summary = {
      entries: Number(values.entries) + 1,
      digests: ready.digests.length,
      connections,
      seconds,
      runs,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      median: {
        p50: median(results.map((r) => r.p50)),
        p99: median(results.map((r) => r.p99)),
        rps: median(results.map((r) => r.rps)),
        machineCores: median(results.map((r) => r.machineCores ?? Number.NaN)),
        load1: median(results.map((r) => r.load1)),
      },
      errors: results.reduce((n, r) => n + r.errors, 0),
      runsDetail: results,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
