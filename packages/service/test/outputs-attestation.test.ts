/**
 * The attestation the service issues verifies offline against the JWKS it publishes (with
 * verifyAttestation and with `vacsrp verify --program`), keeps verifying after a key rotation, and
 * fails as REVOKED once revoked, with the revocation list the service serves.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJwks, verifyAttestation } from '@vacsrp/attest';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerVerifyCommand } from '../../cli/src/commands/verify.js';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';
import { reviewToFinalReport } from './outputs-fixture.js';

describe.each(STORES)('completion attestations (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
  });
  afterAll(async () => svc?.close());

  const inject = (user: Cast['admin'] | undefined, method: 'GET' | 'POST', url: string, payload?: object) =>
    svc.app.inject({
      method,
      url,
      headers: user === undefined ? {} : bearer(cast, user),
      ...(payload === undefined ? {} : { payload }),
    });
  const jwks = async () => {
    const res = await inject(undefined, 'GET', '/.well-known/vacsrp/jwks.json');
    expect(res.statusCode).toBe(200);
    const parsed = parseJwks(res.body, (await import('@vacsrp/attest')).DEFAULT_ATTESTATION_LIMITS);
    if (!parsed.ok) throw new Error(parsed.message);
    return { text: res.body, keyring: parsed.keyring, res };
  };
  const revocations = async () =>
    (await inject(undefined, 'GET', '/.well-known/vacsrp/revocations.json')).body;

  async function completed(modelName: string, salt?: string) {
    const r = await reviewToFinalReport(svc, cast, { modelName, ...(salt === undefined ? {} : { salt }) });
    expect(
      (await inject(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/public-summary`)).statusCode,
    ).toBe(200);
    const done = await inject(cast.admin, 'POST', `/api/v1/submissions/${r.submissionId}/transitions`, {
      action: 'complete',
    });
    expect(done.statusCode, done.body).toBe(200);
    const att = (
      await inject(cast.submitterA, 'GET', `/api/v1/submissions/${r.submissionId}/attestation`)
    ).json();
    return {
      ...r,
      attestation: att as { id: string; envelope: string; kid: string; registryEntryId: string },
    };
  }

  it('verifies against the served JWKS and revocation list, through rotation, until revoked', async () => {
    const first = await completed('attested-one');
    const keys = await jwks();
    expect(keys.res.headers['content-type']).toContain('application/jwk-set+json');
    expect(keys.res.headers['cache-control']).toBe(`public, max-age=300`);
    const ok = verifyAttestation(first.attestation.envelope, {
      jwks: keys.keyring,
      revocations: await revocations(),
      now: new Date(),
    });
    if (!ok.ok) throw new Error(`${ok.code}: ${ok.message}`);
    expect(ok.revocation.checked).toBe(true);
    expect(ok.key.kid).toBe(first.attestation.kid);
    const p = ok.statement.predicate;
    expect(p.attestationId).toBe(first.attestation.id);
    expect(p.submission).toEqual({ id: first.submissionId, revision: 1 });
    expect(p.publicSummaryUrl).toBe(
      `https://vacsrp.example.gov/registry/${first.attestation.registryEntryId}`,
    );
    expect(ok.statement.subject.map((s) => s.digest.sha256)).toEqual(first.digests);
    expect(new Date(p.expiresAt).getTime() - new Date(p.issuedAt).getTime()).toBe(365 * 86_400_000);
    // Digests are the subjects: matching local files by digest-named subjects works.
    expect(
      verifyAttestation(first.attestation.envelope, {
        jwks: keys.keyring,
        now: new Date(),
        artifacts: first.digests.map((d) => ({ name: `sha256-${d}`, sha256: d })),
      }).ok,
    ).toBe(true);

    // Rotation: only administrators; the old key stays published, retired; old attestations verify.
    expect((await inject(cast.submitterA, 'POST', '/api/v1/program-keys/rotation', {})).statusCode).toBe(403);
    const rotated = await inject(cast.admin, 'POST', '/api/v1/program-keys/rotation', { alg: 'ES256' });
    expect(rotated.statusCode, rotated.body).toBe(201);
    expect(rotated.json().retired.kid).toBe(first.attestation.kid);
    expect(rotated.json().current.alg).toBe('ES256');
    const after = await jwks();
    expect(after.keyring.keys.size).toBe(2);
    expect(after.keyring.keys.get(first.attestation.kid)?.retiredAt).toBeInstanceOf(Date);
    expect(verifyAttestation(first.attestation.envelope, { jwks: after.keyring, now: new Date() }).ok).toBe(
      true,
    );

    // The next attestation is signed by the new key once it is active (the switch is at a whole second).
    await new Promise((r) => setTimeout(r, 1100));
    const second = await completed('attested-two');
    expect(second.attestation.kid).toBe(rotated.json().current.kid);
    const both = await jwks();
    expect(verifyAttestation(second.attestation.envelope, { jwks: both.keyring, now: new Date() }).ok).toBe(
      true,
    );

    // Revocation: administrators only, with a reason; the served list makes it REVOKED.
    const url = `/api/v1/attestations/${first.attestation.id}/revocation`;
    expect((await inject(cast.reviewer1, 'POST', url, { reason: 'issued-in-error' })).statusCode).toBe(403);
    expect((await inject(cast.admin, 'POST', url, { reason: 'because' })).statusCode).toBe(400);
    const revoked = await inject(cast.admin, 'POST', url, {
      reason: 'issued-in-error',
      note: 'Wrong revision.',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().status).toBe('revoked');
    expect((await inject(cast.admin, 'POST', url, { reason: 'other' })).statusCode).toBe(409);
    expect(
      (
        await inject(
          cast.admin,
          'POST',
          '/api/v1/attestations/00000000-0000-4000-8000-000000000000/revocation',
          {
            reason: 'other',
          },
        )
      ).statusCode,
    ).toBe(404);
    const list = await revocations();
    await new Promise((r) => setTimeout(r, 1000)); // revokedAt is a whole second; verify after it
    const refused = verifyAttestation(first.attestation.envelope, {
      jwks: both.keyring,
      revocations: list,
      now: new Date(),
    });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.code).toBe('REVOKED');
    // The other attestation is untouched by the list.
    expect(
      verifyAttestation(second.attestation.envelope, {
        jwks: both.keyring,
        revocations: list,
        now: new Date(),
      }).ok,
    ).toBe(true);
    const entry = (
      await inject(undefined, 'GET', `/api/v1/registry/${first.attestation.registryEntryId}`)
    ).json();
    expect(entry.attestation.status).toBe('revoked');
    expect(entry.attestation.revocationReason).toBe('issued-in-error');
  });

  it('verifies with `vacsrp verify --program` against the running service', async () => {
    const salt = 'cli-verified-salt';
    const one = await completed('cli-verified', salt);
    await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const address = svc.app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const dir = await mkdtemp(join(tmpdir(), 'vacsrp-att-'));
    try {
      const file = join(dir, 'attestation.json');
      await writeFile(file, one.attestation.envelope);
      const run = async (argv: string[]) => {
        let out = '';
        let err = '';
        let code = -1;
        const program = new Command('vacsrp').exitOverride();
        const stream = (sink: (s: string) => void) => ({
          isTTY: false,
          columns: 80,
          write: (s: string) => {
            sink(s);
            return true;
          },
        });
        registerVerifyCommand(program, {
          stdout: stream((s) => (out += s)),
          stderr: stream((s) => (err += s)),
          setExitCode: (c: number) => (code = c),
        } as unknown as Parameters<typeof registerVerifyCommand>[1]);
        await program.parseAsync(argv, { from: 'user' });
        return { code, out, err };
      };
      const good = await run(['verify', file, '--program', `http://127.0.0.1:${port}`, '--format', 'json']);
      expect(good.code, good.out + good.err).toBe(0);
      expect(JSON.parse(good.out).ok).toBe(true);
      const jwksFile = join(dir, 'jwks.json');
      await writeFile(jwksFile, (await jwks()).text);
      expect((await run(['verify', file, '--keys', jwksFile])).code).toBe(0);
      // The buyer's copy of the model, under names of its own: subjects are matched by digest.
      const model = join(dir, 'model');
      await mkdir(join(model, 'nested'), { recursive: true });
      await writeFile(join(model, 'weights.bin'), `weights ${salt}`);
      await writeFile(join(model, 'nested', 'tok.json'), `tokenizer ${salt}`);
      expect((await run(['verify', file, '--keys', jwksFile, '--artifacts', model])).code).toBe(0);
      await writeFile(join(model, 'weights.bin'), 'tampered weights');
      const tampered = await run(['verify', file, '--keys', jwksFile, '--artifacts', model]);
      expect(tampered.code).toBe(1);
      expect(tampered.err).toMatch(/MISSING_ARTIFACT/);
      await writeFile(file, one.attestation.envelope.replace(/"sig":"./, '"sig":"A'));
      expect((await run(['verify', file, '--keys', jwksFile])).code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the private key sealed: the row holds no key material', async () => {
    await jwks();
    const rows = await svc.ctx.db.selectFrom('program_keys').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(JSON.stringify(row)).not.toMatch(/PRIVATE KEY|"d":/);
      expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d');
    }
    const served = (await jwks()).text;
    expect(served).not.toContain('"d"');
    // The sealed blob on disk is ciphertext.
    const files = (await readdir(svc.dataDir, { recursive: true, withFileTypes: true })).filter((e) =>
      e.isFile(),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = await readFile(join(f.parentPath, f.name));
      expect(bytes.includes('PRIVATE KEY'), f.name).toBe(false);
    }
  });
});
