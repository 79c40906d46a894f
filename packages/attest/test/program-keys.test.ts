/** Program keys: RFC 7638 thumbprints, key generation, the JWKS with validity periods, strict parsing. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildJwks,
  generateProgramKey,
  issueAttestation,
  jwkThumbprint,
  loadSigningKey,
  parseJwks,
  verifyAttestation,
} from '../src/index.js';
import {
  ED,
  FIXTURES,
  fixtureKey,
  input,
  keyring,
  LIMITS,
  published,
  T,
} from './fixtures/program/helpers.js';

describe('JWK thumbprints (RFC 7638)', () => {
  it('matches the Ed25519 example of RFC 8037 appendix A.3', () => {
    expect(
      jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }),
    ).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('hashes only the required members, in lexicographic order, for P-256', () => {
    const k = generateProgramKey('ES256');
    if (k.publicJwk.kty !== 'EC') throw new Error('expected EC');
    const manual = createHash('sha256')
      .update(`{"crv":"P-256","kty":"EC","x":"${k.publicJwk.x}","y":"${k.publicJwk.y}"}`)
      .digest('base64url');
    expect(k.kid).toBe(manual);
  });
});

describe('generateProgramKey / loadSigningKey', () => {
  for (const alg of ['EdDSA', 'ES256'] as const) {
    it(`${alg}: the PEM loads back to the same kid, and what it signs verifies`, () => {
      const pair = generateProgramKey(alg);
      expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const loaded = loadSigningKey(pair.privateKeyPem);
      if (!loaded.ok) throw new Error(loaded.message);
      expect(loaded.key).toMatchObject({ alg, kid: pair.kid });
      const ring = keyring([{ publicJwk: pair.publicJwk, activatedAt: T('2026-01-01T00:00:00Z') }]).keyring;
      const issued = issueAttestation(input(), loaded.key);
      if (!issued.ok) throw new Error(issued.message);
      expect(verifyAttestation(issued.envelope, { jwks: ring, now: T('2026-06-01T00:00:00Z') }).ok).toBe(
        true,
      );
    });
  }

  it('refuses P-384 and RSA keys, and non-PEM text, as INVALID_KEY', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(loadSigningKey(String(p384))).toMatchObject({ ok: false, code: 'INVALID_KEY' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(loadSigningKey(String(rsa))).toMatchObject({ ok: false, code: 'INVALID_KEY' });
    expect(loadSigningKey('not a key')).toMatchObject({ ok: false, code: 'INVALID_KEY' });
  });
});

describe('JWKS', () => {
  it('matches the golden JWKS (two keys, one retired) byte for byte (UPDATE_GOLDEN=1 rewrites)', () => {
    const built = buildJwks(
      [
        published(fixtureKey('ed25519-next'), T('2026-07-01T00:00:00Z')),
        published(ED(), T('2026-01-01T00:00:00Z'), T('2026-07-01T00:00:00Z')),
        published(fixtureKey('p256'), T('2026-02-01T00:00:00Z')),
      ],
      LIMITS,
    );
    if (!built.ok) throw new Error(built.message);
    const file = join(FIXTURES, 'jwks.golden.json');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, built.text);
    expect(built.text).toBe(readFileSync(file, 'utf8'));
    const keys = built.jwks.keys;
    expect(keys.map((k) => k.vacsrp.activatedAt)).toEqual([
      '2026-01-01T00:00:00Z',
      '2026-02-01T00:00:00Z',
      '2026-07-01T00:00:00Z',
    ]);
    expect(keys[0]).toMatchObject({ kid: ED().kid, alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519' });
    expect(keys[0]!.vacsrp.retiredAt).toBe('2026-07-01T00:00:00Z');
    expect(keys[1]).toMatchObject({ alg: 'ES256', kty: 'EC', crv: 'P-256', kid: fixtureKey('p256').kid });
    expect(built.text).not.toMatch(/"d"/);
  });

  const good = () => JSON.parse(keyring([published(ED(), T('2026-01-01T00:00:00Z'))]).text);
  type Jwks = { keys: Record<string, unknown>[] };
  const set = (member: string, value: unknown) => (j: Jwks) => {
    j.keys[0]![member] = value;
  };
  const cases: [string, (j: Jwks) => unknown, string][] = [
    ['private key material', set('d', 'secret'), 'keys[0]'],
    ['a kid that is not the thumbprint', set('kid', 'my-key'), 'keys[0].kid'],
    ['use: enc', set('use', 'enc'), 'keys[0].use'],
    ['an alg that does not fit the curve', set('alg', 'ES256'), 'keys[0].alg'],
    ['an RSA key', set('kty', 'RSA'), 'keys[0].kty'],
    ['no validity period', (j) => void delete j.keys[0]!.vacsrp, 'keys[0]'],
    [
      'retirement before activation',
      set('vacsrp', { activatedAt: '2026-01-01T00:00:00Z', retiredAt: '2025-01-01T00:00:00Z' }),
      'keys[0].vacsrp.retiredAt',
    ],
    ['a duplicate key', (j) => void j.keys.push(j.keys[0]!), 'keys[1].kid'],
    ['an unknown member', set('x5c', []), 'keys[0]'],
    ['an empty set', (j) => j.keys.splice(0), 'keys'],
  ];
  for (const [what, mutate, field] of cases) {
    it(`refuses ${what} (INVALID_JWKS)`, () => {
      const j = good();
      mutate(j);
      expect(parseJwks(JSON.stringify(j), LIMITS)).toMatchObject({ ok: false, code: 'INVALID_JWKS', field });
    });
  }

  it('refuses a JWKS over the size limit, and one that is not JSON', () => {
    const text = JSON.stringify(good());
    expect(parseJwks(text, { ...LIMITS, maxJwksBytes: 10 })).toMatchObject({
      ok: false,
      code: 'INVALID_JWKS',
    });
    expect(parseJwks('{"keys":', LIMITS)).toMatchObject({ ok: false, code: 'INVALID_JWKS' });
    expect(parseJwks(new Uint8Array([0xff, 0xfe]), LIMITS)).toMatchObject({
      ok: false,
      code: 'INVALID_JWKS',
    });
  });

  it('refuses a point that is not on the curve', () => {
    const j = JSON.parse(keyring([published(fixtureKey('p256'), T('2026-01-01T00:00:00Z'))]).text);
    const k = j.keys[0];
    k.y = k.x; // (x, x) is (almost surely) not a P-256 point
    k.kid = jwkThumbprint({ kty: 'EC', crv: 'P-256', x: k.x, y: k.y });
    expect(parseJwks(JSON.stringify(j), LIMITS)).toMatchObject({
      ok: false,
      code: 'INVALID_JWKS',
      field: 'keys[0]',
    });
  });
});
