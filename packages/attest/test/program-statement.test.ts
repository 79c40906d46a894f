/** The completion statement: golden bytes, determinism, schema validity, and the input rules. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import AjvDraft4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  buildCompletionStatement,
  COMPLETION_PREDICATE_TYPE,
  COMPLETION_STATEMENT_SCHEMA,
  canonicalJson,
  IN_TOTO_PAYLOAD_TYPE,
  issueAttestation,
  parseCompletionStatement,
} from '../src/index.js';
import { ED, FIXTURES, fixtureKey, input, LIMITS, sha, T } from './fixtures/program/helpers.js';

const IN_TOTO = fileURLToPath(new URL('../../../../shared/standards/in-toto/schemas', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function golden(name: string, text: string): void {
  const file = join(FIXTURES, name);
  if (update || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

function build(overrides: Parameters<typeof input>[0] = {}) {
  return buildCompletionStatement(input(overrides), LIMITS);
}

describe('completion statement', () => {
  it('matches the golden statement byte for byte (UPDATE_GOLDEN=1 rewrites)', () => {
    const r = build();
    if (!r.ok) throw new Error(r.message);
    golden('statement.golden.json', new TextDecoder().decode(r.payload));
    expect(r.statement.predicateType).toBe(COMPLETION_PREDICATE_TYPE);
    expect(r.statement.subject.map((s) => s.name)).toEqual([
      'acme-llm-7b',
      'config.json',
      'model.safetensors',
      'tokenizer/tokenizer.json',
    ]);
    expect(r.statement.predicate.criteria.map((c) => c.id)).toEqual(['AR-1', 'AR-2', 'MI-1', 'PS-1', 'SC-1']);
    expect(r.statement.predicate.acceptedRisks.map((x) => x.severity)).toEqual(['high', 'medium']);
  });

  it('matches the golden Ed25519 envelope byte for byte (Ed25519 is deterministic)', () => {
    const r = issueAttestation(input(), ED());
    if (!r.ok) throw new Error(r.message);
    golden('envelope-ed25519.golden.json', r.envelope);
    const env = JSON.parse(r.envelope);
    expect(env.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(env.signatures).toEqual([{ keyid: ED().kid, sig: expect.any(String) }]);
    expect(Buffer.from(env.payload, 'base64').toString()).toBe(
      readFileSync(join(FIXTURES, 'statement.golden.json'), 'utf8'),
    );
  });

  it('gives the same bytes whatever the input order, and a sub-second part is dropped', () => {
    const a = build();
    const i = input();
    const b = buildCompletionStatement(
      {
        ...i,
        artifacts: [...i.artifacts].reverse(),
        criteria: [...i.criteria].reverse(),
        acceptedRisks: [...(i.acceptedRisks ?? [])].reverse(),
        issuedAt: new Date(i.issuedAt.getTime() + 999),
      },
      LIMITS,
    );
    if (!a.ok || !b.ok) throw new Error('build failed');
    expect(Buffer.from(b.payload).equals(Buffer.from(a.payload))).toBe(true);
  });

  it('is valid against the published statement schema (Ajv, draft 2020-12)', () => {
    const ajv = new Ajv2020.default({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(COMPLETION_STATEMENT_SCHEMA);
    const r = build();
    if (!r.ok) throw new Error(r.message);
    expect(validate(JSON.parse(new TextDecoder().decode(r.payload))), JSON.stringify(validate.errors)).toBe(
      true,
    );
    // The schema is not vacuous: a wrong outcome and an extra member are refused.
    const bad = JSON.parse(new TextDecoder().decode(r.payload));
    bad.predicate.criteria[0].outcome = 'passed';
    bad.predicate.score = 97;
    expect(validate(bad)).toBe(false);
    expect(validate.errors?.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'enum']);
  });

  it('its envelope is valid against the DSSE envelope schema in shared/standards/in-toto', () => {
    const schema = JSON.parse(readFileSync(join(IN_TOTO, 'dsse-envelope.schema.json'), 'utf8'));
    const ajv = new AjvDraft4.default({ strict: false });
    ajv.addFormat('binary', true); // base64 bytes; the parser checks the alphabet
    const validate = ajv.compile(schema);
    for (const key of [ED(), fixtureKey('p256')]) {
      const r = issueAttestation(input(), key);
      if (!r.ok) throw new Error(r.message);
      expect(validate(JSON.parse(r.envelope)), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate({ payloadType: 'x', payload: '', signatures: [], extra: 1 })).toBe(false);
  });

  it('a P-256 envelope carries a DER signature (not a raw r||s pair)', () => {
    const r = issueAttestation(input(), fixtureKey('p256'));
    if (!r.ok) throw new Error(r.message);
    const sig = Buffer.from(JSON.parse(r.envelope).signatures[0].sig, 'base64');
    expect(sig[0]).toBe(0x30); // DER SEQUENCE
    expect(sig[1]).toBe(sig.length - 2);
  });

  it('parse refuses payloads that are not the canonical JSON of what they hold', () => {
    const r = build();
    if (!r.ok) throw new Error(r.message);
    const text = new TextDecoder().decode(r.payload);
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    expect(parseCompletionStatement(new TextEncoder().encode(pretty), LIMITS)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/canonical/),
    });
    // A duplicate member: JSON.parse keeps the last, the canonical check sees the extra bytes.
    const dup = text.replace('"_type":', '"_type":"https://example.com/other","_type":');
    expect(parseCompletionStatement(new TextEncoder().encode(dup), LIMITS)).toMatchObject({ ok: false });
    expect(parseCompletionStatement(r.payload, LIMITS).ok).toBe(true);
  });
});

describe('statement input rules (INVALID_INPUT, with the field at fault)', () => {
  const cases: [string, Parameters<typeof input>[0], string][] = [
    ['no artifacts', { artifacts: [] }, 'subject'],
    [
      'a path escaping the directory',
      { artifacts: [{ name: '../etc/passwd', sha256: sha('1') }] },
      'subject[0].name',
    ],
    ['an absolute path', { artifacts: [{ name: '/model.bin', sha256: sha('1') }] }, 'subject[0].name'],
    [
      'an upper-case digest',
      { artifacts: [{ name: 'm.bin', sha256: sha('A') }] },
      'subject[1].digest.sha256',
    ],
    [
      'a duplicate artifact',
      {
        artifacts: [
          { name: 'm.bin', sha256: sha('1') },
          { name: 'm.bin', sha256: sha('2') },
        ],
      },
      'subject[2]',
    ],
    [
      'an unknown outcome',
      { criteria: [{ id: 'MI-1', outcome: 'passed' as 'met' }] },
      'predicate.criteria[0].outcome',
    ],
    [
      'a duplicate criterion',
      {
        criteria: [
          { id: 'MI-1', outcome: 'met' },
          { id: 'MI-1', outcome: 'not-met' },
        ],
        acceptedRisks: [],
      },
      'predicate.criteria[1]',
    ],
    ['a risk-accepted criterion without a risk', { acceptedRisks: [] }, 'predicate.criteria[1]'],
    [
      'an accepted risk on a met criterion',
      { acceptedRisks: [{ criterion: 'MI-1', severity: 'low', justification: 'x' }] },
      'predicate.acceptedRisks[0].criterion',
    ],
    [
      'an http summary URL',
      { publicSummaryUrl: 'http://vacsrp.example.gov/x' },
      'predicate.publicSummaryUrl',
    ],
    ['expiry before issue', { expiresAt: T('2026-01-01T00:00:00Z') }, 'predicate.expiresAt'],
    ['revision 0', { submission: { id: 'sub-1', revision: 0 } }, 'predicate.submission.revision'],
    [
      'a control character in a justification',
      {
        acceptedRisks: [{ criterion: 'AR-2', severity: 'low', justification: 'ok\u001b[31m' }],
      },
      'predicate.acceptedRisks[0].justification',
    ],
    ['an attestation id with a space', { attestationId: 'att 1' }, 'predicate.attestationId'],
  ];
  for (const [what, overrides, field] of cases) {
    it(`refuses ${what}`, () => {
      const r = build(overrides);
      expect(r).toMatchObject({ ok: false, code: 'INVALID_INPUT', field });
    });
  }

  it('refuses an invalid date as INVALID_INPUT (not a throw)', () => {
    expect(build({ issuedAt: new Date('nope') })).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
  });

  it('enforces the count limits', () => {
    const many = Array.from({ length: 3 }, (_, i) => ({ name: `f${i}`, sha256: sha('1') }));
    const r = buildCompletionStatement(input({ artifacts: many, modelSigning: undefined }), {
      ...LIMITS,
      maxSubjects: 2,
    });
    expect(r).toMatchObject({ ok: false, code: 'INVALID_INPUT', field: 'subject' });
  });

  it('without model signing there is no manifest subject', () => {
    const r = build({ modelSigning: undefined });
    if (!r.ok) throw new Error(r.message);
    expect(r.statement.subject.every((s) => s.annotations === undefined)).toBe(true);
    expect(canonicalJson(r.statement)).not.toContain('annotations');
  });
});
