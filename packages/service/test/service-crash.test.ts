/**
 * Crash tests with real processes: the server is SIGKILLed during an upload and during a scan, and a
 * separate worker is SIGKILLed during a scan. After a restart nothing acknowledged is lost, no
 * half-written artifact is referenced, the scan completes once with one set of findings, and
 * `vacsrp audit verify` passes; altering one audit row makes it fail. Runs the compiled CLI, on
 * SQLite and on PostgreSQL.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, testSchemaName } from '../../../test/helpers/postgres.js';
import { BIN, BUILT, patchUpload, startVacsrp } from './helpers/processes.js';
import { STORES, TEST_DATABASE_URL } from './helpers/runtime.js';

const SIZE = 24 * 1024 * 1024;

describe.skipIf(!BUILT).each(STORES)('crash safety (%s)', (store) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vacsrp-crash-'));
  const schema = testSchemaName('c');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VACSRP_MASTER_KEY: randomBytes(32).toString('hex'),
    VACSRP_JOB_LEASE_MS: '1500',
    VACSRP_JOB_POLL_MS: '50',
    VACSRP_PASSWORD: 'a long enough password',
    ...(store === 'postgres'
      ? { DATABASE_URL: TEST_DATABASE_URL, VACSRP_DATABASE_SCHEMA: schema }
      : { DATABASE_URL: '' }),
  };
  const children = new Set<ChildProcess>();
  const logs: string[] = [];
  const lastSeen = '';
  const bytes = randomBytes(SIZE);
  const digest = createHash('sha256').update(bytes).digest('hex');
  let token = '';

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--data', dataDir], { env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  /** Starts `vacsrp serve` or `vacsrp worker` and resolves with its URL (serve) once it is ready. */
  const start = async (command: 'serve' | 'worker', args: string[] = []) => {
    const started = await startVacsrp(command, {
      dataDir,
      env,
      args,
      onStderr: (text) => logs.push(`${command}: ${text}`),
    });
    children.add(started.child);
    return started;
  };

  const kill = async (child: ChildProcess) => {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    children.delete(child);
  };

  const request = (url: string, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then(async (r) => ({
      status: r.status,
      json: (await r.json()) as Record<string, unknown> & unknown[],
    }));

  beforeAll(() => {
    const org = cli(
      'admin',
      'create-org',
      '--name',
      'Crash Lab',
      '--type',
      'small-business',
      '--size-band',
      '1-9',
      '--sector',
      'software',
    );
    expect(org.status, org.stderr).toBe(0);
    const orgId = (JSON.parse(org.stdout) as { id: string }).id;
    expect(
      cli(
        'admin',
        'create-user',
        '--email',
        'dev@crash.example',
        '--name',
        'Dev',
        '--role',
        'submitter',
        '--org',
        orgId,
      ).status,
    ).toBe(0);
    const t = cli('admin', 'create-token', '--email', 'dev@crash.example', '--name', 'crash test');
    expect(t.status, t.stderr).toBe(0);
    token = t.stdout.trim();
  }, 60_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  });

  const manifest = (name: string) => `manifestVersion: 1
model: { name: ${name}, version: 1.0.0, licence: { id: Apache-2.0 } }
developer: { organisation: Crash Lab, securityContact: security@crash.example }
intendedUses: [testing crash safety]
artifacts:
  - { path: weights.bin, sha256: ${digest}, size: ${SIZE} }
confidentiality: upload
`;

  /** PATCHes `part` at `offset`; with `stall`, sends the first half and never finishes. */
  const patch = (url: string, artifactId: string, offset: number, part: Buffer, stall = false) =>
    patchUpload(url, token, artifactId, offset, part.length, (req) => {
      if (stall) req.write(part.subarray(0, part.length >> 1));
      else req.end(part);
    });

  const waitFor = async <T>(f: () => Promise<T | undefined>, ms = 60_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      if (Date.now() > until)
        throw new Error(`timed out; last seen ${lastSeen}; process logs:\n${logs.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  it('loses nothing acknowledged when the server is killed during an upload and during a scan', async () => {
    let server = await start('serve');
    const created = await request(server.url, 'POST', '/api/v1/submissions', {
      manifest: manifest('crash-model'),
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const [artifact] = (await request(server.url, 'GET', `/api/v1/submissions/${id}/revisions/1/artifacts`))
      .json as { id: string }[];

    // An acknowledged first part, then a request that dies with the server half-way.
    const first = await patch(server.url, artifact!.id, 0, bytes.subarray(0, 8 << 20));
    expect(first.status, first.body).toBe(200);
    const stalled = patch(server.url, artifact!.id, 8 << 20, bytes.subarray(8 << 20), true).catch(
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 400));
    await kill(server.child);
    await stalled;

    server = await start('serve');
    const status = await request(server.url, 'GET', `/api/v1/artifacts/${artifact!.id}/upload`);
    const received = status.json.received as number;
    expect(received).toBeGreaterThanOrEqual(8 << 20); // the acknowledged part survived
    expect(received).toBeLessThan(SIZE);
    expect((status.json.artifact as { state: string }).state).toBe('pending'); // not referenced half-written
    const rest = await patch(server.url, artifact!.id, received, bytes.subarray(received));
    expect(rest.status, rest.body).toBe(200);
    expect((JSON.parse(rest.body) as { artifact: { state: string } }).artifact.state).toBe('stored');

    // Submit; kill the server while the scan runs; the restarted one finishes it exactly once.
    expect(
      (await request(server.url, 'POST', `/api/v1/submissions/${id}/transitions`, { action: 'submit' }))
        .status,
    ).toBe(200);
    await waitFor(async () => {
      const scans = (await request(server.url, 'GET', `/api/v1/submissions/${id}/scans`)).json as {
        state: string;
      }[];
      return scans[0]?.state === 'running' || scans[0]?.state === 'succeeded' ? true : undefined;
    });
    await kill(server.child);
    server = await start('serve');
    const done = await waitFor(async () => {
      const scans = (await request(server.url, 'GET', `/api/v1/submissions/${id}/scans`)).json as {
        state: string;
        attempts: number;
      }[];
      return scans[0]?.state === 'succeeded' ? scans : undefined;
    });
    expect(done).toHaveLength(1);
    const findings = (await request(server.url, 'GET', `/api/v1/submissions/${id}/findings`)).json as {
      scanId: string;
    }[];
    expect(new Set(findings.map((f) => f.scanId)).size).toBeLessThanOrEqual(1);
    await kill(server.child);
    // No decrypted artifact is left behind in the working directory.
    const work = join(dataDir, 'work');
    expect(existsSync(work) ? readdirSync(work) : []).toEqual([]);
  }, 180_000);

  it('retakes the job of a killed worker and completes it once', async () => {
    const server = await start('serve', ['--no-workers']);
    const created = await request(server.url, 'POST', '/api/v1/submissions', {
      manifest: manifest('worker-crash'),
    });
    const id = created.json.id as string;
    const [artifact] = (await request(server.url, 'GET', `/api/v1/submissions/${id}/revisions/1/artifacts`))
      .json as { id: string }[];
    expect((await patch(server.url, artifact!.id, 0, bytes)).status).toBe(200);
    expect(
      (await request(server.url, 'POST', `/api/v1/submissions/${id}/transitions`, { action: 'submit' }))
        .status,
    ).toBe(200);

    const worker = await start('worker');
    await waitFor(async () => {
      const scans = (await request(server.url, 'GET', `/api/v1/submissions/${id}/scans`)).json as {
        state: string;
      }[];
      return scans[0]?.state === 'running' || scans[0]?.state === 'succeeded' ? true : undefined;
    });
    await kill(worker.child);
    const second = await start('worker');
    const scans = await waitFor(async () => {
      const s = (await request(server.url, 'GET', `/api/v1/submissions/${id}/scans`)).json as {
        state: string;
        attempts: number;
      }[];
      return s[0]?.state === 'succeeded' ? s : undefined;
    });
    expect(scans).toHaveLength(1);
    await kill(second.child);
    await kill(server.child);

    const verified = cli('audit', 'verify');
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/audit log intact/);

    // Altering one audit row makes the verification fail (order within this file is shuffled, so here).
    if (store === 'sqlite') {
      const { default: Sqlite } = await import('better-sqlite3');
      const db = new Sqlite(join(dataDir, 'vacsrp.sqlite'));
      db.prepare(
        "update audit_log set event = replace(event, 'submission.created', 'submission.createD') where seq = (select min(seq) from audit_log where event like '%submission.created%')",
      ).run();
      db.close();
    } else {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(
        `update ${schema}.audit_log set event = replace(event, 'submission.created', 'submission.createD') where seq = (select min(seq) from ${schema}.audit_log where event like '%submission.created%')`,
      );
      await client.end();
    }
    const tampered = cli('audit', 'verify');
    expect(tampered.status).toBe(1);
    expect(tampered.stderr).toMatch(/ALTERED/);
  }, 180_000);
});
