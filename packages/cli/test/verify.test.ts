/** `vacsrp verify ATTESTATION`: exit codes, text and JSON reports, pinned keys offline, --program over loopback. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildJwks,
  type CompletionInput,
  DEFAULT_ATTESTATION_LIMITS,
  generateProgramKey,
  issueAttestation,
  loadSigningKey,
  type ProgramSigningKey,
  publicJwkOf,
  signRevocationList,
} from '@vacsrp/attest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerVerifyCommand } from '../src/commands/verify.js';
import { type CommandRun, harness, runCommand } from './helpers.js';

const AT = new Date('2026-06-01T00:00:00Z');
const LIMITS = DEFAULT_ATTESTATION_LIMITS;
const hex = (data: string) => createHash('sha256').update(data).digest('hex');
const FILES = { 'config.json': '{"layers": 2}', 'weights/model.safetensors': 'weights-bytes' };

const run = (...argv: string[]): Promise<CommandRun> =>
  runCommand(
    (program, io) => registerVerifyCommand(program, { ...io, now: () => AT, fetchTimeoutMs: 1000 }),
    argv,
  );

function signingKey(): ProgramSigningKey {
  const pair = generateProgramKey('EdDSA');
  const r = loadSigningKey(pair.privateKeyPem);
  if (!r.ok) throw new Error(r.message);
  return r.key;
}

function attestationInput(overrides: Partial<CompletionInput> = {}): CompletionInput {
  return {
    attestationId: 'att-2026-000042',
    program: { name: 'Voluntary AI Cybersecurity Review Program', url: 'https://vacsrp.example.gov' },
    criteriaVersion: 'vacsrp-criteria-v1',
    submission: { id: 'sub-7f3a', revision: 3 },
    artifacts: Object.entries(FILES).map(([name, data]) => ({ name, sha256: hex(data) })),
    criteria: [
      { id: 'MI-1', outcome: 'met' },
      { id: 'AR-2', outcome: 'risk-accepted' },
    ],
    acceptedRisks: [
      { criterion: 'AR-2', severity: 'high', justification: 'Jailbreak rate 4%; gated behind a filter.' },
    ],
    issuedAt: new Date('2026-03-01T12:00:00Z'),
    expiresAt: new Date('2027-03-01T12:00:00Z'),
    publicSummaryUrl: 'https://vacsrp.example.gov/registry/att-2026-000042',
    ...overrides,
  };
}

let dir = '';
let key: ProgramSigningKey;
let jwksText = '';
let paths: { attestation: string; jwks: string; revocations: string; artifacts: string };

function jwksFor(k: ProgramSigningKey): string {
  const publicJwk = publicJwkOf(k.privateKey);
  if (publicJwk === undefined) throw new Error('no JWK');
  const r = buildJwks([{ publicJwk, activatedAt: new Date('2026-01-01T00:00:00Z') }], LIMITS);
  if (!r.ok) throw new Error(r.message);
  return r.text;
}

function issue(k: ProgramSigningKey, overrides: Partial<CompletionInput> = {}): string {
  const r = issueAttestation(attestationInput(overrides), k);
  if (!r.ok) throw new Error(r.message);
  return r.envelope;
}

function revocationList(k: ProgramSigningKey, ids: readonly string[]): string {
  const r = signRevocationList(
    {
      program: { name: 'VACSRP', url: 'https://vacsrp.example.gov' },
      issuedAt: new Date('2026-05-02T00:00:00Z'),
      revoked: ids.map((attestationId) => ({
        attestationId,
        revokedAt: new Date('2026-05-01T00:00:00Z'),
        reason: 'criteria-violation' as const,
      })),
    },
    k,
    LIMITS,
  );
  if (!r.ok) throw new Error(r.message);
  return r.envelope;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-verify-'));
  key = signingKey();
  jwksText = jwksFor(key);
  paths = {
    attestation: join(dir, 'attestation.json'),
    jwks: join(dir, 'jwks.json'),
    revocations: join(dir, 'revocations.json'),
    artifacts: join(dir, 'model'),
  };
  await writeFile(paths.attestation, issue(key));
  await writeFile(paths.jwks, jwksText);
  await writeFile(paths.revocations, revocationList(key, ['att-2026-000001']));
  await mkdir(join(paths.artifacts, 'weights'), { recursive: true });
  for (const [name, data] of Object.entries(FILES)) await writeFile(join(paths.artifacts, name), data);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

describe('vacsrp verify: verified (exit 0)', () => {
  it('with pinned keys, a revocation list and artifacts: text report on stdout, no warning', async () => {
    const r = await run(
      'verify',
      paths.attestation,
      '--keys',
      paths.jwks,
      '--revocations',
      paths.revocations,
      '--artifacts',
      paths.artifacts,
    );
    expect(r.stderr.text()).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout.text();
    expect(out).toMatch(/^verified attestation att-2026-000042 /);
    expect(out).toContain('revocation:     not revoked (list issued 2026-05-02T00:00:00Z, 1 entries)');
    expect(out).toContain('artifacts:      2 attested file(s) match');
    expect(out).toMatch(/AR-2 +risk-accepted/);
    expect(out).toMatch(/AR-2 +high +Jailbreak rate 4%/);
    expect(out).toContain(`sha256:${hex(FILES['config.json'])}  config.json`);
  });

  it('without revocation information: exit 0 with a warning (text) and revocationChecked: false (json)', async () => {
    const text = await run('verify', paths.attestation, '--keys', paths.jwks);
    expect(text.code).toBe(0);
    expect(text.stdout.text()).toContain('NOT CHECKED');
    expect(text.stderr.text()).toMatch(/^vacsrp: warning: no revocation list was checked/);
    const json = await run('verify', paths.attestation, '--keys', paths.jwks, '--format', 'json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.text());
    expect(report).toMatchObject({
      ok: true,
      attestationId: 'att-2026-000042',
      revocationChecked: false,
      artifactsChecked: false,
      warnings: [expect.stringMatching(/no revocation list/)],
      key: { kid: key.kid, alg: 'EdDSA' },
      statement: { predicateType: 'https://vacsrp.example.gov/attestation/completion/v1' },
    });
    expect(json.stderr.text()).toBe('');
  });

  it('verifies with --keys without touching the network', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const r = await run(
      'verify',
      paths.attestation,
      '--keys',
      paths.jwks,
      '--revocations',
      paths.revocations,
    );
    expect(r.code).toBe(0);
    expect(connect).not.toHaveBeenCalled();
  });

  it('is registered in the vacsrp program (runCli)', async () => {
    const h = harness();
    expect(
      await h.run('verify', paths.attestation, '--keys', paths.jwks, '--revocations', paths.revocations),
    ).toBe(0);
    expect(h.stdout.text()).toMatch(/^verified attestation/);
    const help = harness();
    expect(await help.run('verify', '--help')).toBe(0);
    expect(help.stdout.text()).toContain('--program <url>');
  });
});

describe('vacsrp verify: not verified (exit 1, the code on stderr or in the JSON)', () => {
  it('a tampered attestation → BAD_SIGNATURE', async () => {
    const env = JSON.parse(issue(key));
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    st.predicate.criteria[0].outcome = 'met';
    env.payload = Buffer.from(JSON.stringify(st)).toString('base64');
    await writeFile(paths.attestation, JSON.stringify(env));
    const r = await run('verify', paths.attestation, '--keys', paths.jwks);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toMatch(/^vacsrp: not verified \[BAD_SIGNATURE\]: /);
    expect(r.stdout.text()).toBe('');
  });

  it('--at after expiry → EXPIRED; --at before issue → NOT_YET_VALID', async () => {
    const late = await run('verify', paths.attestation, '--keys', paths.jwks, '--at', '2027-06-01');
    expect(late.code).toBe(1);
    expect(late.stderr.text()).toContain('[EXPIRED]');
    const early = await run(
      'verify',
      paths.attestation,
      '--keys',
      paths.jwks,
      '--at',
      '2026-02-01T00:00:00+01:00',
    );
    expect(early.stderr.text()).toContain('[NOT_YET_VALID]');
  });

  it('a revoked attestation → REVOKED (json on stdout)', async () => {
    await writeFile(paths.revocations, revocationList(key, ['att-2026-000042']));
    const r = await run(
      'verify',
      paths.attestation,
      '--keys',
      paths.jwks,
      '--revocations',
      paths.revocations,
      '-f',
      'json',
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.text())).toMatchObject({
      ok: false,
      code: 'REVOKED',
      attestationId: 'att-2026-000042',
      revocation: { revokedAt: '2026-05-01T00:00:00Z', reason: 'criteria-violation' },
    });
  });

  it('a revocation list signed by another key → REVOCATION_LIST_INVALID', async () => {
    await writeFile(paths.revocations, revocationList(signingKey(), []));
    const r = await run(
      'verify',
      paths.attestation,
      '--keys',
      paths.jwks,
      '--revocations',
      paths.revocations,
    );
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toContain('[REVOCATION_LIST_INVALID]');
  });

  it('a changed and a missing file → DIGEST_MISMATCH, each named on its own line', async () => {
    await writeFile(join(paths.artifacts, 'config.json'), '{"layers": 3}');
    await rm(join(paths.artifacts, 'weights/model.safetensors'));
    const r = await run('verify', paths.attestation, '--keys', paths.jwks, '--artifacts', paths.artifacts);
    expect(r.code).toBe(1);
    const lines = r.stderr.text().trim().split('\n');
    expect(lines[0]).toMatch(/^vacsrp: not verified \[DIGEST_MISMATCH\]/);
    expect(lines.slice(1)).toEqual([
      `vacsrp: config.json: digest mismatch (expected sha256 ${hex(FILES['config.json'])}, found ${hex('{"layers": 3}')})`,
      `vacsrp: weights/model.safetensors: missing (expected sha256 ${hex(FILES['weights/model.safetensors'])})`,
    ]);
  });

  it('a key not in the JWKS → UNKNOWN_KEY; garbage → MALFORMED', async () => {
    await writeFile(paths.attestation, issue(signingKey()));
    expect((await run('verify', paths.attestation, '--keys', paths.jwks)).stderr.text()).toContain(
      '[UNKNOWN_KEY]',
    );
    await writeFile(paths.attestation, 'not json');
    const r = await run('verify', paths.attestation, '--keys', paths.jwks, '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.text())).toMatchObject({ ok: false, code: 'MALFORMED', field: '$' });
  });

  it('an attestation over the size limit → MALFORMED (read only up to the limit)', async () => {
    await writeFile(paths.attestation, Buffer.alloc(LIMITS.maxEnvelopeBytes + 10, 0x20));
    const r = await run('verify', paths.attestation, '--keys', paths.jwks);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toMatch(/\[MALFORMED\].*more than the limit/);
  });
});

describe('vacsrp verify: usage errors (exit 2)', () => {
  const cases: [string, () => string[], RegExp][] = [
    ['no key source', () => ['verify', paths.attestation], /exactly one of --keys and --program/],
    [
      'both key sources',
      () => ['verify', paths.attestation, '--keys', paths.jwks, '--program', 'https://vacsrp.example.gov'],
      /exactly one/,
    ],
    [
      'a missing attestation',
      () => ['verify', join(dir, 'nope.json'), '--keys', paths.jwks],
      /no such attestation file/,
    ],
    [
      'a missing JWKS',
      () => ['verify', paths.attestation, '--keys', join(dir, 'nope.json')],
      /no such JWKS file/,
    ],
    ['an invalid JWKS', () => ['verify', paths.attestation, '--keys', paths.attestation], /INVALID_JWKS/],
    [
      'a missing artifacts directory',
      () => ['verify', paths.attestation, '--keys', paths.jwks, '--artifacts', join(dir, 'none')],
      /no such directory/,
    ],
    [
      'a bad --at',
      () => ['verify', paths.attestation, '--keys', paths.jwks, '--at', 'yesterday'],
      /ISO 8601/,
    ],
    [
      'a bad --format',
      () => ['verify', paths.attestation, '--keys', paths.jwks, '--format', 'xml'],
      /Allowed choices/,
    ],
    [
      'plain http to a remote host',
      () => ['verify', paths.attestation, '--program', 'http://vacsrp.example.gov'],
      /must use https/,
    ],
    [
      'a program URL with credentials',
      () => ['verify', paths.attestation, '--program', 'https://u:p@vacsrp.example.gov'],
      /credentials/,
    ],
  ];
  for (const [what, argv, message] of cases) {
    it(`${what}`, async () => {
      const r = await run(...argv());
      expect(r.code).toBe(2);
      expect(r.stderr.text()).toMatch(message);
      expect(r.stdout.text()).toBe('');
    });
  }
});

describe('vacsrp verify --program (a local server on 127.0.0.1)', () => {
  type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
  let server: http.Server | undefined;
  const requested: string[] = [];

  async function serve(routes: Record<string, Route>): Promise<string> {
    requested.length = 0;
    server = http.createServer((req, res) => {
      requested.push(req.url ?? '');
      const route = routes[req.url ?? ''];
      if (route === undefined) {
        res.statusCode = 404;
        res.end();
      } else route(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  afterEach(stop);
  const body =
    (text: string): Route =>
    (_req, res) =>
      res.end(text);

  it('fetches the JWKS and the revocation list from the well-known paths', async () => {
    const url = await serve({
      '/.well-known/vacsrp/jwks.json': body(jwksText),
      '/.well-known/vacsrp/revocations.json': body(revocationList(key, ['att-2026-000042'])),
    });
    const r = await run('verify', paths.attestation, '--program', `${url}/`);
    expect(requested.sort()).toEqual([
      '/.well-known/vacsrp/jwks.json',
      '/.well-known/vacsrp/revocations.json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toContain('[REVOKED]');
  });

  it('a program with no revocation list (404) verifies with the warning', async () => {
    const url = await serve({ '/.well-known/vacsrp/jwks.json': body(jwksText) });
    const r = await run('verify', paths.attestation, '--program', url, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.text())).toMatchObject({ ok: true, revocationChecked: false });
  });

  it('--revocations FILE overrides the served list (which is then not fetched)', async () => {
    const url = await serve({ '/.well-known/vacsrp/jwks.json': body(jwksText) });
    const r = await run('verify', paths.attestation, '--program', url, '--revocations', paths.revocations);
    expect(r.code).toBe(0);
    expect(requested).toEqual(['/.well-known/vacsrp/jwks.json']);
  });

  it('refuses redirects, oversized answers, errors and silence (exit 2)', async () => {
    const big = 'x'.repeat(LIMITS.maxJwksBytes + 1);
    const cases: [Route, RegExp][] = [
      [
        (_req, res) => {
          res.writeHead(302, { location: 'https://elsewhere.example/jwks.json' });
          res.end();
        },
        /redirect to https:\/\/elsewhere.example\/jwks.json not followed/,
      ],
      [body(big), /more than the limit/],
      [
        (_req, res) => {
          res.writeHead(200); // no content-length: the limit applies while streaming
          res.write(big.slice(0, 100_000));
          res.end(big.slice(100_000));
        },
        /more than the limit/,
      ],
      [
        (_req, res) => {
          res.statusCode = 500;
          res.end();
        },
        /answered 500/,
      ],
      [() => {}, /no complete answer within 1000 ms/],
    ];
    for (const [route, message] of cases) {
      const url = await serve({ '/.well-known/vacsrp/jwks.json': route });
      const r = await run('verify', paths.attestation, '--program', url);
      expect(r.code, r.stderr.text()).toBe(2);
      expect(r.stderr.text()).toMatch(message);
      await stop();
    }
  });
});
