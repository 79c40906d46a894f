/**
 * Uploads keep the server's memory flat: a 384 MiB artifact streamed through the HTTP API of a real
 * `vacsrp serve` process (in 64 MiB requests, generated on the fly, never held in the test either)
 * raises the server's peak resident memory (VmHWM) by far less than its size, and arrives verified.
 * Both stores.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, testSchemaName } from '../../../test/helpers/postgres.js';
import { BIN, BUILT, patchUpload, startVacsrp } from './helpers/processes.js';
import { STORES, TEST_DATABASE_URL } from './helpers/runtime.js';

const SIZE = 384 * 1024 * 1024;
const REQUEST = 64 * 1024 * 1024;
/** Deterministic bytes at any offset, so nothing needs to be kept: block i is sha256(seed ‖ i) repeated. */
const BLOCK = 1024 * 1024;
const seed = randomBytes(16);
const block = (i: number) => {
  const unit = createHash('sha256').update(seed).update(String(i)).digest();
  return Buffer.alloc(BLOCK, unit);
};
function* bytes(from: number, to: number): Generator<Buffer> {
  for (let i = from / BLOCK; i < to / BLOCK; i++) yield block(i);
}

const vmHwmKiB = (pid: number): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN);
};

describe.skipIf(!BUILT || process.platform !== 'linux').each(STORES)('upload memory (%s)', (store) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vacsrp-mem-'));
  const schema = testSchemaName('m');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VACSRP_MASTER_KEY: randomBytes(32).toString('hex'),
    VACSRP_PASSWORD: 'a long enough password',
    ...(store === 'postgres'
      ? { DATABASE_URL: TEST_DATABASE_URL, VACSRP_DATABASE_SCHEMA: schema }
      : { DATABASE_URL: '' }),
  };
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres') await dropSchema(schema);
  });
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args, '--data', dataDir], { env, encoding: 'utf8' });

  it('streams a 384 MiB artifact with flat server memory', async () => {
    const org = JSON.parse(
      cli(
        'admin',
        'create-org',
        '--name',
        'Mem Lab',
        '--type',
        'small-business',
        '--size-band',
        '1-9',
        '--sector',
        'software',
      ).stdout,
    ) as { id: string };
    expect(
      cli(
        'admin',
        'create-user',
        '--email',
        'dev@mem.example',
        '--name',
        'Dev',
        '--role',
        'submitter',
        '--org',
        org.id,
      ).status,
    ).toBe(0);
    const token = cli('admin', 'create-token', '--email', 'dev@mem.example', '--name', 'mem').stdout.trim();

    const started = await startVacsrp('serve', { dataDir, env, args: ['--no-workers'] });
    server = started.child;
    const url = started.url;
    const api = async (method: string, path: string, body?: unknown) =>
      (await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then((r) => r.json())) as Record<string, unknown> & unknown[];

    const digest = createHash('sha256');
    for (const b of bytes(0, SIZE)) digest.update(b);
    const manifest = `manifestVersion: 1
model: { name: big-model, version: 1.0.0, licence: { id: Apache-2.0 } }
developer: { organisation: Mem Lab, securityContact: security@mem.example }
intendedUses: [testing memory]
artifacts:
  - { path: weights.bin, sha256: ${digest.digest('hex')}, size: ${SIZE} }
confidentiality: upload
`;
    const created = await api('POST', '/api/v1/submissions', { manifest });
    const [artifact] = (await api('GET', `/api/v1/submissions/${created.id}/revisions/1/artifacts`)) as {
      id: string;
    }[];
    const before = vmHwmKiB(server!.pid!);
    let last: { status: number; body: string } = { status: 0, body: '' };
    for (let offset = 0; offset < SIZE; offset += REQUEST) {
      last = await patchUpload(url, token, artifact!.id, offset, REQUEST, (req) => {
        Readable.from(bytes(offset, offset + REQUEST)).pipe(req);
      });
      expect(last.status, last.body).toBe(200);
    }
    expect((JSON.parse(last.body) as { artifact: { state: string } }).artifact.state).toBe('stored');
    const growthMiB = (vmHwmKiB(server!.pid!) - before) / 1024;
    expect(growthMiB).toBeLessThan(96);
  }, 240_000);
});
