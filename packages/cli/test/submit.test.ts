/**
 * `vacsrp submit` and `vacsrp status` against a real service over a socket, on SQLite and PostgreSQL:
 * a package is created, uploaded (resuming an interrupted upload) and submitted; the scan runs; the
 * status shows it. The token only ever comes from the environment.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  actorOf,
  createOrganisation,
  createToken,
  createUser,
  demoPackage,
  type RunningService,
  startService,
} from '@vacsrp/service';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema, TEST_DATABASE_URL, testSchemaName } from '../../../test/helpers/postgres.js';
import { registerSubmitCommands } from '../src/commands/submit.js';
import { recorder } from './helpers.js';

const SYSTEM = { actor: { role: 'administrator' as const, userId: 'system' }, where: 'test' };

async function run(argv: string[], env: Record<string, string>) {
  const stdout = recorder();
  const stderr = recorder();
  let code = 0;
  const program = new Command('vacsrp')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: (s) => void stderr.write(s) });
  registerSubmitCommands(program, {
    stdout,
    stderr,
    env,
    setExitCode: (c) => (code = c),
    sleep: async () => {},
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = err.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe.each(['sqlite', 'postgres'] as const)('vacsrp submit and status (%s)', (store) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vacsrp-submit-'));
  const packageDir = mkdtempSync(join(tmpdir(), 'vacsrp-package-'));
  const schema = testSchemaName('s');
  let service: RunningService;
  let env: Record<string, string>;

  beforeAll(async () => {
    service = await startService({
      dataDir,
      ...(store === 'postgres' ? { databaseUrl: TEST_DATABASE_URL, pgSchema: schema } : {}),
      masterKey: { kind: 'env', value: randomBytes(32).toString('hex') },
      host: '127.0.0.1',
      port: 0,
      inProcessWorkers: true,
      rateLimit: 10_000,
      loginRateLimit: 100,
      logger: false,
      trustProxy: false,
      jobPollMs: 50,
    });
    const org = await createOrganisation(service.ctx, SYSTEM, {
      name: 'CLI Lab',
      type: 'academic-lab',
      sizeBand: '1-9',
      sector: 'research',
    });
    const user = await createUser(service.ctx, SYSTEM, {
      email: 'dev@cli.example',
      name: 'Dev',
      role: 'submitter',
      organisationId: org.id,
    });
    const { secret } = await createToken(
      service.ctx,
      { actor: actorOf(user), where: 'test' },
      { name: 'cli' },
    );
    env = { VACSRP_TOKEN: secret };
    const pkg = demoPackage({ name: 'cli-model' });
    writeFileSync(join(packageDir, 'vacsrp.yaml'), pkg.manifest);
    for (const f of pkg.files) {
      mkdirSync(dirname(join(packageDir, f.path)), { recursive: true });
      writeFileSync(join(packageDir, f.path), f.bytes);
    }
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(packageDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  });

  it('refuses to run without a token, over plain http to another host, or without a manifest', async () => {
    expect((await run(['submit', packageDir, '--server', service.url], {})).code).toBe(2);
    const remote = await run(['submit', packageDir, '--server', 'http://review.example.gov'], env);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toMatch(/https/);
    expect((await run(['submit', tmpdir(), '--server', service.url], env)).code).toBe(2);
  });

  it('submits a package, resumes an interrupted upload, and shows the scan', async () => {
    // Start a submission by hand and upload half of one artifact, as an interrupted run would leave it.
    const created = await fetch(`${service.url}/api/v1/submissions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.VACSRP_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: demoPackage({ name: 'cli-model' }).manifest }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const artifacts = await fetch(`${service.url}/api/v1/submissions/${created.id}/revisions/1/artifacts`, {
      headers: { authorization: `Bearer ${env.VACSRP_TOKEN}` },
    }).then((r) => r.json() as Promise<{ id: string; path: string }[]>);
    const model = artifacts.find((a) => a.path.endsWith('model.pt'))!;
    const bytes = demoPackage().files.find((f) => f.path.endsWith('model.pt'))!.bytes;
    const half = await fetch(`${service.url}/api/v1/artifacts/${model.id}/upload`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${env.VACSRP_TOKEN}`,
        'content-type': 'application/offset+octet-stream',
        'upload-offset': '0',
      },
      body: Buffer.from(bytes.subarray(0, 100)),
    });
    expect(half.status).toBe(200);

    const resumed = await run(
      ['submit', packageDir, '--server', service.url, '--submission', created.id, '--format', 'json'],
      env,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    const submitted = JSON.parse(resumed.stdout) as { id: string; state: string };
    expect(submitted).toMatchObject({ id: created.id, state: 'submitted' });

    // A second, fresh submission straight from the directory.
    const fresh = await run(['submit', packageDir, '--server', service.url], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/is submitted/);

    for (let i = 0; i < 200; i++) {
      const s = await run(['status', created.id, '--server', service.url, '--format', 'json'], env);
      const scans = (JSON.parse(s.stdout) as { scans: { state: string }[] }).scans;
      if (scans[0]?.state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const status = await run(['status', created.id, '--server', service.url], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/scan of revision 1: succeeded/);
    expect(status.stdout).toMatch(/findings: [1-9]/);
    const list = await run(['status', '--server', service.url], env);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);

    const missing = await run(
      ['status', '00000000-0000-4000-8000-000000000000', '--server', service.url],
      env,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404/);
  });
});
