/** The signed revocation list: golden bytes, build rules, strict parsing, verification. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildRevocationList,
  parseRevocationList,
  REVOCATION_LIST_TYPE,
  REVOCATION_PAYLOAD_TYPE,
  type RevocationListInput,
  signRevocationList,
  verifyRevocationList,
} from '../src/index.js';
import { defaultKeyring, ED, FIXTURES, fixtureKey, LIMITS, T } from './fixtures/program/helpers.js';

const program = { name: 'Voluntary AI Cybersecurity Review Program', url: 'https://vacsrp.example.gov' };
const listInput = (overrides: Partial<RevocationListInput> = {}): RevocationListInput => ({
  program,
  issuedAt: T('2026-05-02T00:00:00Z'),
  revoked: [
    {
      attestationId: 'att-2026-000042',
      revokedAt: T('2026-05-01T00:00:00Z'),
      reason: 'criteria-violation',
      note: 'Undisclosed training-data source.',
    },
    { attestationId: 'att-2026-000007', revokedAt: T('2026-04-01T00:00:00Z'), reason: 'superseded' },
  ],
  ...overrides,
});

describe('revocation list', () => {
  it('matches the golden signed list byte for byte (UPDATE_GOLDEN=1 rewrites)', () => {
    const r = signRevocationList(listInput(), ED(), LIMITS);
    if (!r.ok) throw new Error(r.message);
    const file = join(FIXTURES, 'revocations-ed25519.golden.json');
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, r.envelope);
    expect(r.envelope).toBe(readFileSync(file, 'utf8'));
    const env = JSON.parse(r.envelope);
    expect(env.payloadType).toBe(REVOCATION_PAYLOAD_TYPE);
    expect(r.list._type).toBe(REVOCATION_LIST_TYPE);
    expect(r.list.revoked.map((e) => e.attestationId)).toEqual(['att-2026-000007', 'att-2026-000042']);
  });

  it('verifies with the program keyring and returns the list and kid', () => {
    const r = signRevocationList(listInput(), ED(), LIMITS);
    if (!r.ok) throw new Error(r.message);
    const v = verifyRevocationList(new TextEncoder().encode(r.envelope), defaultKeyring(), LIMITS);
    expect(v).toMatchObject({ ok: true, kid: ED().kid, list: { issuedAt: '2026-05-02T00:00:00Z' } });
  });

  it('an empty list is valid (the program publishes one before any revocation)', () => {
    const r = signRevocationList(listInput({ revoked: [] }), fixtureKey('p256'), LIMITS);
    expect(r.ok).toBe(true);
  });

  it('refuses a duplicate id, an unknown reason and an invalid id as INVALID_INPUT', () => {
    const at = T('2026-04-01T00:00:00Z');
    const dup = listInput({
      revoked: [
        { attestationId: 'a-1', revokedAt: at, reason: 'other' },
        { attestationId: 'a-1', revokedAt: at, reason: 'withdrawn' },
      ],
    });
    expect(buildRevocationList(dup, LIMITS)).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      field: 'revoked[1]',
    });
    const reason = listInput({
      revoked: [{ attestationId: 'a-1', revokedAt: at, reason: 'because' as 'other' }],
    });
    expect(buildRevocationList(reason, LIMITS)).toMatchObject({ ok: false, field: 'revoked[0].reason' });
    const id = listInput({ revoked: [{ attestationId: '', revokedAt: at, reason: 'other' }] });
    expect(buildRevocationList(id, LIMITS)).toMatchObject({ ok: false, field: 'revoked[0].attestationId' });
  });

  it('parse refuses unknown members, non-canonical bytes and too many entries', () => {
    const built = buildRevocationList(listInput(), LIMITS);
    if (!built.ok) throw new Error(built.message);
    const json = JSON.parse(new TextDecoder().decode(built.payload));
    expect(
      parseRevocationList(new TextEncoder().encode(JSON.stringify({ ...json, extra: true })), LIMITS),
    ).toMatchObject({
      ok: false,
      field: '$',
    });
    expect(
      parseRevocationList(new TextEncoder().encode(JSON.stringify(json, null, 2)), LIMITS),
    ).toMatchObject({
      ok: false,
      field: 'payload',
    });
    expect(parseRevocationList(built.payload, { ...LIMITS, maxRevocations: 1 })).toMatchObject({
      ok: false,
      field: 'revoked',
    });
    expect(parseRevocationList(built.payload, LIMITS).ok).toBe(true);
  });

  it('verification refuses oversize lists before parsing', () => {
    const r = signRevocationList(listInput(), ED(), LIMITS);
    if (!r.ok) throw new Error(r.message);
    const bytes = new TextEncoder().encode(r.envelope);
    expect(
      verifyRevocationList(bytes, defaultKeyring(), { ...LIMITS, maxRevocationListBytes: 100 }),
    ).toMatchObject({
      ok: false,
      code: 'MALFORMED',
    });
  });
});
