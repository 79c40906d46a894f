/** verifyAttestation: each rejection with its own code, key rotation, revocation, and a mutation property. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTESTATION_FAILURE_CODES,
  type AttestationFailureCode,
  canonicalJson,
  type DsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  REVOCATION_PAYLOAD_TYPE,
  serializeEnvelope,
  signEnvelope,
  signRevocationList,
  type VerifyAttestationOptions,
  type VerifyAttestationResult,
  verifyAttestation,
} from '../src/index.js';
import {
  AT,
  defaultKeyring,
  ED,
  fixtureKey,
  issue,
  keyring,
  LIMITS,
  published,
  sha,
  T,
} from './fixtures/program/helpers.js';

const verify = (
  envelope: string | Uint8Array,
  o: Partial<VerifyAttestationOptions> = {},
): VerifyAttestationResult => verifyAttestation(envelope, { jwks: defaultKeyring(), now: AT, ...o });

function expectCode(r: VerifyAttestationResult, code: AttestationFailureCode): void {
  if (r.ok) throw new Error(`expected ${code}, got ok`);
  expect(r.code, r.message).toBe(code);
  expect(r.message.length).toBeGreaterThan(10);
}

const envOf = (text: string): DsseEnvelope => JSON.parse(text);
const payloadOf = (text: string) => JSON.parse(Buffer.from(envOf(text).payload, 'base64').toString('utf8'));
/** Re-signs arbitrary statement JSON with a key (for "validly signed but wrong" cases). */
const signed = (statement: unknown, key = ED(), type = IN_TOTO_PAYLOAD_TYPE): string =>
  serializeEnvelope(signEnvelope(type, new TextEncoder().encode(canonicalJson(statement)), key));

describe('verifyAttestation: success', () => {
  it('verifies an Ed25519 and a P-256 attestation and returns the statement and key', () => {
    for (const key of [ED(), fixtureKey('p256')]) {
      const ring = keyring([published(key, T('2026-01-01T00:00:00Z'))]).keyring;
      const r = verify(issue(key), { jwks: ring });
      if (!r.ok) throw new Error(r.message);
      expect(r.statement.predicate.attestationId).toBe('att-2026-000042');
      expect(r.key).toEqual({ kid: key.kid, alg: key.alg, activatedAt: '2026-01-01T00:00:00Z' });
      expect(r.revocation).toEqual({ checked: false });
      expect(r.artifactsMatched).toBeUndefined();
    }
  });

  it('accepts bytes and text alike, and a signature without keyid that verifies with a known key', () => {
    const text = issue(ED());
    expect(verify(new TextEncoder().encode(text)).ok).toBe(true);
    const env = envOf(text);
    const keyless = JSON.stringify({ ...env, signatures: [{ sig: env.signatures[0]!.sig }] });
    expect(verify(keyless).ok).toBe(true);
  });

  it('P-256 signatures are randomised yet each verifies', () => {
    const key = fixtureKey('p256');
    const ring = keyring([published(key, T('2026-01-01T00:00:00Z'))]).keyring;
    const a = issue(key);
    const b = issue(key);
    expect(envOf(a).signatures[0]!.sig).not.toBe(envOf(b).signatures[0]!.sig);
    expect(verify(a, { jwks: ring }).ok).toBe(true);
    expect(verify(b, { jwks: ring }).ok).toBe(true);
  });
});

describe('verifyAttestation: each rejection has its own code', () => {
  it('tampered payload → BAD_SIGNATURE', () => {
    const text = issue(ED());
    const st = payloadOf(text);
    st.predicate.criteria[0].outcome = 'met';
    const env = envOf(text);
    const forged = serializeEnvelope({
      ...env,
      payload: Buffer.from(canonicalJson(st)).toString('base64'),
    });
    expectCode(verify(forged), 'BAD_SIGNATURE');
  });

  it('tampered signature → BAD_SIGNATURE (Ed25519 and P-256)', () => {
    for (const key of [ED(), fixtureKey('p256')]) {
      const ring = keyring([published(key, T('2026-01-01T00:00:00Z'))]).keyring;
      const env = envOf(issue(key));
      const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
      sig[sig.length - 3]! ^= 0x01;
      const forged = serializeEnvelope({
        ...env,
        signatures: [{ keyid: key.kid, sig: sig.toString('base64') }],
      });
      expectCode(verify(forged, { jwks: ring }), 'BAD_SIGNATURE');
    }
  });

  it('signed by another key but naming a program key → BAD_SIGNATURE', () => {
    const env = envOf(issue(fixtureKey('ed25519-next')));
    const relabelled = serializeEnvelope({
      ...env,
      signatures: [{ ...env.signatures[0]!, keyid: ED().kid }],
    });
    expectCode(verify(relabelled), 'BAD_SIGNATURE');
  });

  it('signed by a key not in the JWKS → UNKNOWN_KEY (with or without keyid)', () => {
    const text = issue(fixtureKey('ed25519-next'));
    const r = verify(text);
    expectCode(r, 'UNKNOWN_KEY');
    const env = envOf(text);
    expectCode(
      verify(JSON.stringify({ ...env, signatures: [{ sig: env.signatures[0]!.sig }] })),
      'UNKNOWN_KEY',
    );
  });

  it('revoked → REVOKED, from revokedAt on (earlier verification times are unaffected)', () => {
    const list = signRevocationList(
      {
        program: { name: 'VACSRP', url: 'https://vacsrp.example.gov' },
        issuedAt: T('2026-05-02T00:00:00Z'),
        revoked: [
          {
            attestationId: 'att-2026-000042',
            revokedAt: T('2026-05-01T00:00:00Z'),
            reason: 'criteria-violation',
          },
          { attestationId: 'att-2026-000007', revokedAt: T('2026-04-01T00:00:00Z'), reason: 'superseded' },
        ],
      },
      ED(),
      LIMITS,
    );
    if (!list.ok) throw new Error(list.message);
    const text = issue(ED());
    const r = verify(text, { revocations: list.envelope });
    expectCode(r, 'REVOKED');
    expect(r).toMatchObject({
      attestationId: 'att-2026-000042',
      revocation: { revokedAt: '2026-05-01T00:00:00Z', reason: 'criteria-violation' },
    });
    const before = verify(text, { revocations: list.envelope, now: T('2026-04-15T00:00:00Z') });
    expect(before).toMatchObject({
      ok: true,
      revocation: { checked: true, listIssuedAt: '2026-05-02T00:00:00Z', entries: 2 },
    });
    // Another attestation on the same list is not affected.
    expect(verify(issue(ED(), { attestationId: 'att-2026-000043' }), { revocations: list.envelope }).ok).toBe(
      true,
    );
  });

  it('expired → EXPIRED (at expiresAt exactly), not yet valid → NOT_YET_VALID', () => {
    const text = issue(ED());
    expectCode(verify(text, { now: T('2027-03-01T12:00:00Z') }), 'EXPIRED');
    expect(verify(text, { now: T('2027-03-01T11:59:59Z') }).ok).toBe(true);
    expectCode(verify(text, { now: T('2026-03-01T11:59:59Z') }), 'NOT_YET_VALID');
    expect(verify(text, { now: T('2026-03-01T12:00:00Z') }).ok).toBe(true);
  });

  it('a file that differs → DIGEST_MISMATCH naming every problem; only missing files → MISSING_ARTIFACT', () => {
    const text = issue(ED());
    const all = [
      { name: 'config.json', sha256: sha('b2') },
      { name: 'model.safetensors', sha256: sha('a1') },
      { name: 'tokenizer/tokenizer.json', sha256: sha('c3') },
    ];
    expect(verify(text, { artifacts: all })).toMatchObject({ ok: true, artifactsMatched: 3 });
    const r = verify(text, {
      artifacts: [
        { name: 'config.json', sha256: sha('ff') },
        { name: 'model.safetensors', sha256: sha('a1') },
        { name: 'tokenizer/tokenizer.json', sha256: null },
      ],
    });
    expectCode(r, 'DIGEST_MISMATCH');
    expect(r.ok ? [] : r.artifacts).toEqual([
      { name: 'config.json', problem: 'digest-mismatch', expected: sha('b2'), actual: sha('ff') },
      { name: 'tokenizer/tokenizer.json', problem: 'missing', expected: sha('c3') },
    ]);
    expect(r.ok ? '' : r.message).toContain('config.json');
    const missing = verify(text, { artifacts: all.slice(1) });
    expectCode(missing, 'MISSING_ARTIFACT');
    expect(missing.ok ? [] : missing.artifacts?.map((a) => a.name)).toEqual(['config.json']);
  });

  it('the model-signing subject is not a file to match', () => {
    const r = verify(issue(ED()), {
      artifacts: [
        { name: 'config.json', sha256: sha('b2') },
        { name: 'model.safetensors', sha256: sha('a1') },
        { name: 'tokenizer/tokenizer.json', sha256: sha('c3') },
      ],
    });
    expect(r.ok).toBe(true);
  });
});

describe('verifyAttestation: MALFORMED', () => {
  const good = () => issue(ED());
  const cases: [string, () => string | Uint8Array, string?][] = [
    ['not JSON', () => '{"payloadType":', '$'],
    ['not UTF-8', () => new Uint8Array([0x7b, 0xff, 0x7d]), '$'],
    ['an array', () => '[]', '$'],
    [
      'another payloadType',
      () => serializeEnvelope(signEnvelope('application/json', new TextEncoder().encode('{}'), ED())),
      'payloadType',
    ],
    [
      'a revocation list passed as an attestation',
      () => serializeEnvelope(signEnvelope(REVOCATION_PAYLOAD_TYPE, new TextEncoder().encode('{}'), ED())),
      'payloadType',
    ],
    ['no signatures', () => JSON.stringify({ ...envOf(good()), signatures: [] }), 'signatures'],
    [
      'too many signatures',
      () => {
        const e = envOf(good());
        return JSON.stringify({ ...e, signatures: Array(LIMITS.maxSignatures + 1).fill(e.signatures[0]) });
      },
      'signatures',
    ],
    ['an unknown envelope member', () => JSON.stringify({ ...envOf(good()), extra: 1 }), '$'],
    [
      'URL-safe base64',
      () => {
        const e = envOf(good());
        return JSON.stringify({ ...e, payload: Buffer.from(e.payload, 'base64').toString('base64url') });
      },
      'payload',
    ],
    [
      'a non-canonical base64 signature (unused bits set)',
      () => {
        const e = envOf(good());
        const sig = e.signatures[0]!.sig; // 64 bytes: 86 characters, 4 unused bits, then ==
        const last = sig[85]!;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const bumped = alphabet[alphabet.indexOf(last) + 1]!;
        return JSON.stringify({
          ...e,
          signatures: [{ ...e.signatures[0], sig: `${sig.slice(0, 85)}${bumped}==` }],
        });
      },
      'signatures[0].sig',
    ],
    [
      'a validly signed statement of another predicate type',
      () => signed({ ...payloadOf(good()), predicateType: 'https://slsa.dev/provenance/v1' }),
      'predicateType',
    ],
    [
      'a validly signed statement of another _type',
      () => signed({ ...payloadOf(good()), _type: 'https://in-toto.io/Statement/v0.1' }),
      '_type',
    ],
    [
      'a validly signed statement with an aggregate score',
      () => {
        const st = payloadOf(good());
        st.predicate.score = 97;
        return signed(st);
      },
      'predicate',
    ],
    [
      'a validly signed statement with unsorted criteria',
      () => {
        const st = payloadOf(good());
        st.predicate.criteria.reverse();
        return signed(st);
      },
      'predicate.criteria[1]',
    ],
    [
      'a validly signed, pretty-printed statement',
      () =>
        serializeEnvelope(
          signEnvelope(
            IN_TOTO_PAYLOAD_TYPE,
            new TextEncoder().encode(JSON.stringify(payloadOf(good()), null, 1)),
            ED(),
          ),
        ),
      'payload',
    ],
  ];
  for (const [what, make, field] of cases) {
    it(`refuses ${what}`, () => {
      const r = verify(make());
      expectCode(r, 'MALFORMED');
      if (field !== undefined) expect(r.ok ? '' : r.field).toBe(field);
    });
  }

  it('enforces the envelope size limit before parsing', () => {
    const text = good();
    expectCode(verify(text, { limits: { maxEnvelopeBytes: text.length - 1 } }), 'MALFORMED');
    expect(verify(text, { limits: { maxEnvelopeBytes: text.length } }).ok).toBe(true);
  });

  it('enforces subject, criteria and string limits on what it reads', () => {
    const text = good();
    expectCode(verify(text, { limits: { maxSubjects: 3 } }), 'MALFORMED');
    expectCode(verify(text, { limits: { maxCriteria: 4 } }), 'MALFORMED');
    expectCode(verify(text, { limits: { maxTextBytes: 40 } }), 'MALFORMED');
    expectCode(verify(text, { limits: { maxPathBytes: 16 } }), 'MALFORMED');
  });
});

describe('key rotation', () => {
  const A = ED();
  const B = fixtureKey('ed25519-next');
  const rotated = () =>
    keyring([
      published(A, T('2026-01-01T00:00:00Z'), T('2026-07-01T00:00:00Z')),
      published(B, T('2026-07-01T00:00:00Z')),
    ]).keyring;

  it('an attestation signed by the old key while it was active still verifies after rotation', () => {
    const old = issue(A);
    const r = verify(old, { jwks: rotated(), now: T('2026-09-01T00:00:00Z') });
    expect(r).toMatchObject({ ok: true, key: { kid: A.kid, retiredAt: '2026-07-01T00:00:00Z' } });
  });

  it('a new attestation by the new key verifies', () => {
    const fresh = issue(B, { issuedAt: T('2026-08-01T00:00:00Z') });
    expect(verify(fresh, { jwks: rotated(), now: T('2026-09-01T00:00:00Z') }).ok).toBe(true);
  });

  it('a new attestation signed by the retired key after its retirement → KEY_INACTIVE', () => {
    const late = issue(A, { issuedAt: T('2026-07-01T00:00:00Z') });
    expectCode(verify(late, { jwks: rotated(), now: T('2026-09-01T00:00:00Z') }), 'KEY_INACTIVE');
  });

  it('an attestation dated before its key was activated → KEY_INACTIVE', () => {
    const early = issue(B, { issuedAt: T('2026-03-01T00:00:00Z') });
    expectCode(verify(early, { jwks: rotated(), now: T('2026-09-01T00:00:00Z') }), 'KEY_INACTIVE');
  });

  it('a key removed from the JWKS makes what it signed UNKNOWN_KEY', () => {
    const ring = keyring([published(B, T('2026-07-01T00:00:00Z'))]).keyring;
    expectCode(verify(issue(A), { jwks: ring, now: T('2026-09-01T00:00:00Z') }), 'UNKNOWN_KEY');
  });
});

describe('revocation lists that cannot be trusted', () => {
  const program = { name: 'VACSRP', url: 'https://vacsrp.example.gov' };
  const listBy = (key = ED(), issuedAt = T('2026-05-02T00:00:00Z')) => {
    const r = signRevocationList(
      {
        program,
        issuedAt,
        revoked: [
          { attestationId: 'att-2026-000042', revokedAt: T('2026-05-01T00:00:00Z'), reason: 'other' },
        ],
      },
      key,
      LIMITS,
    );
    if (!r.ok) throw new Error(r.message);
    return r.envelope;
  };

  it('a list signed by an unknown key → REVOCATION_LIST_INVALID (UNKNOWN_KEY), never REVOKED or ok', () => {
    const r = verify(issue(ED()), { revocations: listBy(fixtureKey('ed25519-next')) });
    expectCode(r, 'REVOCATION_LIST_INVALID');
    expect(r.ok ? undefined : r.revocationList?.code).toBe('UNKNOWN_KEY');
  });

  it('a tampered list → REVOCATION_LIST_INVALID (BAD_SIGNATURE): an attacker cannot drop an entry', () => {
    const env = envOf(listBy());
    const list = JSON.parse(Buffer.from(env.payload, 'base64').toString());
    list.revoked = [];
    const forged = serializeEnvelope({
      ...env,
      payload: Buffer.from(canonicalJson(list)).toString('base64'),
    });
    const r = verify(issue(ED()), { revocations: forged });
    expectCode(r, 'REVOCATION_LIST_INVALID');
    expect(r.ok ? undefined : r.revocationList?.code).toBe('BAD_SIGNATURE');
  });

  it('an attestation passed as the list, or garbage → REVOCATION_LIST_INVALID (MALFORMED)', () => {
    for (const bad of [issue(ED()), 'not json']) {
      const r = verify(issue(ED()), { revocations: bad });
      expectCode(r, 'REVOCATION_LIST_INVALID');
      expect(r.ok ? undefined : r.revocationList?.code).toBe('MALFORMED');
    }
  });

  it('a list issued by a key outside its active period → REVOCATION_LIST_INVALID (KEY_INACTIVE)', () => {
    const ring = keyring([published(ED(), T('2026-01-01T00:00:00Z'), T('2026-04-01T00:00:00Z'))]).keyring;
    const r = verify(issue(ED()), { jwks: ring, revocations: listBy(ED(), T('2026-05-02T00:00:00Z')) });
    expectCode(r, 'REVOCATION_LIST_INVALID');
    expect(r.ok ? undefined : r.revocationList?.code).toBe('KEY_INACTIVE');
  });
});

describe('order of checks (exactly one code when several apply)', () => {
  it('signature before time: a tampered, expired attestation is BAD_SIGNATURE', () => {
    const env = envOf(issue(ED()));
    const forged = serializeEnvelope({
      ...env,
      signatures: [{ keyid: ED().kid, sig: Buffer.alloc(64).toString('base64') }],
    });
    expectCode(verify(forged, { now: T('2030-01-01T00:00:00Z') }), 'BAD_SIGNATURE');
  });

  it('revocation before expiry: a revoked, expired attestation is REVOKED', () => {
    const list = signRevocationList(
      {
        program: { name: 'VACSRP', url: 'https://vacsrp.example.gov' },
        issuedAt: T('2026-05-02T00:00:00Z'),
        revoked: [
          { attestationId: 'att-2026-000042', revokedAt: T('2026-05-01T00:00:00Z'), reason: 'withdrawn' },
        ],
      },
      ED(),
      LIMITS,
    );
    if (!list.ok) throw new Error(list.message);
    expectCode(
      verify(issue(ED()), { revocations: list.envelope, now: T('2030-01-01T00:00:00Z') }),
      'REVOKED',
    );
  });

  it('time before artifacts: an expired attestation with a changed file is EXPIRED', () => {
    expectCode(verify(issue(ED()), { now: T('2030-01-01T00:00:00Z'), artifacts: [] }), 'EXPIRED');
  });

  it('every code returned is in the closed list', () => {
    expect(ATTESTATION_FAILURE_CODES).toContain('KEY_INACTIVE');
    expect(new Set(ATTESTATION_FAILURE_CODES).size).toBe(ATTESTATION_FAILURE_CODES.length);
  });
});

describe('mutation property (fast-check)', () => {
  const original = issue(ED());
  const bytes = new TextEncoder().encode(original);
  const originalJson: unknown = JSON.parse(original);
  const ring = defaultKeyring();

  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 16 }),
    }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      data: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  );

  function apply(src: Uint8Array, ms: readonly Mutation[]): Uint8Array {
    let b = Buffer.from(src);
    for (const m of ms) {
      const at = m.at % (b.length + 1);
      switch (m.kind) {
        case 'set':
          if (at < b.length) b[at] = m.byte;
          break;
        case 'flip':
          if (at < b.length) b[at]! ^= 1 << m.bit;
          break;
        case 'delete':
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
          break;
        case 'insert':
          b = Buffer.concat([b.subarray(0, at), Buffer.from(m.data), b.subarray(at)]);
          break;
        case 'truncate':
          b = b.subarray(0, at);
          break;
      }
    }
    return new Uint8Array(b);
  }

  /** The same JSON document (a no-op mutation, or whitespace the JSON grammar ignores). */
  function sameDocument(mutated: Uint8Array): boolean {
    try {
      return (
        canonicalJson(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(mutated))) ===
        canonicalJson(originalJson)
      );
    } catch {
      return false;
    }
  }

  it('random mutations of a valid envelope never verify and never throw (seed 42)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const mutated = apply(bytes, ms);
        const r = verifyAttestation(mutated, { jwks: ring, now: AT });
        if (sameDocument(mutated)) return r.ok;
        return !r.ok && (ATTESTATION_FAILURE_CODES as readonly string[]).includes(r.code);
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('mutations of the decoded statement, re-encoded without re-signing, never verify', () => {
    const payload = Buffer.from(envOf(original).payload, 'base64');
    const env = envOf(original);
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        const p = apply(payload, ms);
        if (Buffer.from(p).equals(payload)) return true;
        const text = JSON.stringify({ ...env, payload: Buffer.from(p).toString('base64') });
        const r = verifyAttestation(text, { jwks: ring, now: AT });
        return !r.ok && (r.code === 'BAD_SIGNATURE' || r.code === 'MALFORMED');
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; data: Uint8Array }
  | { kind: 'truncate'; at: number };
