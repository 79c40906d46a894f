/** Signing round trips, the bundle layout other implementations expect, hashing rules and limits. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUNDLE_MEDIA_TYPE,
  hashModel,
  PREDICATE_TYPE,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  publicKeyHint,
  signModel,
  subjectDigest,
  verifyModel,
} from '../src/index.js';
import { STANDARDS, tempDir, VECTORS } from './helpers.js';

let root = '';
let model = '';
beforeEach(async () => {
  root = await tempDir();
  model = join(root, 'my-model');
  await mkdir(join(model, 'sub/deeper'), { recursive: true });
  await writeFile(join(model, 'config.json'), '{"a":1}');
  await writeFile(join(model, 'weights.safetensors'), new Uint8Array(10_000).fill(7));
  await writeFile(join(model, 'sub/deeper/tokenizer.json'), '{}');
  await writeFile(join(model, 'sub/empty.txt'), '');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const KEYS: [string, () => { publicKey: KeyObject; privateKey: KeyObject }][] = [
  ['ECDSA P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
  ['ECDSA P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
  ['Ed25519', () => generateKeyPairSync('ed25519')],
];

async function signTo(privateKey: KeyObject, options: Parameters<typeof signModel>[2] = {}) {
  const signed = await signModel(model, privateKey, options);
  if (!signed.ok) throw new Error(signed.reason);
  await writeFile(join(model, 'model.sig'), signed.signature);
  return signed;
}

describe('round trip', () => {
  it.each(KEYS)('%s: signs a directory and verifies it', async (_name, make) => {
    const { publicKey, privateKey } = make();
    const signed = await signTo(privateKey);
    expect(signed.manifest.resources.map((r) => r.name)).toEqual([
      'config.json',
      'sub/deeper/tokenizer.json',
      'sub/empty.txt',
      'weights.safetensors',
    ]);
    expect(signed.subjectDigest).toBe(subjectDigest(signed.manifest.resources));
    const r = await verifyModel(model, { method: 'key', publicKey });
    expect(r).toMatchObject({ ok: true, signatureChecked: true, resources: 4 });
  });

  it('PEM files in and out: PKCS#8 and SEC1 private keys, SPKI public key', async () => {
    const { publicKey, privateKey } = KEYS[1]![1]();
    const pkcs8 = parsePrivateKeyPem(String(privateKey.export({ type: 'pkcs8', format: 'pem' })), 'k.pem');
    const sec1 = parsePrivateKeyPem(String(privateKey.export({ type: 'sec1', format: 'pem' })), 'k.pem');
    const pub = parsePublicKeyPem(
      `Comment before the block\n${String(publicKey.export({ type: 'spki', format: 'pem' }))}`,
      'p.pem',
    );
    expect(pkcs8.ok && sec1.ok && pub.ok).toBe(true);
    if (!(pkcs8.ok && pub.ok)) return;
    await signTo(pkcs8.key);
    expect(await verifyModel(model, { method: 'key', publicKey: pub.key })).toMatchObject({ ok: true });
  });

  it('Ed25519 signatures are deterministic: the same model gives the same model.sig', async () => {
    const { privateKey } = KEYS[2]![1]();
    const a = await signModel(model, privateKey);
    const b = await signModel(model, privateKey);
    expect(a.ok && b.ok && a.signature === b.signature).toBe(true);
  });

  it('tampering after signing: modified, missing, unexpected, all reported at once', async () => {
    const { publicKey, privateKey } = KEYS[0]![1]();
    await signTo(privateKey);
    await writeFile(join(model, 'config.json'), '{"a":2}');
    await rm(join(model, 'sub/empty.txt'));
    await writeFile(join(model, 'sub/new.bin'), 'x');
    const r = await verifyModel(model, { method: 'key', publicKey });
    expect(r).toMatchObject({
      ok: false,
      code: 'FILE_MODIFIED',
      files: { modified: ['config.json'], missing: ['sub/empty.txt'], unexpected: ['sub/new.bin'] },
    });
    if (!r.ok)
      expect(r.reason).toBe(
        'the model does not match its signature: 1 modified: "config.json"; 1 missing: "sub/empty.txt"; 1 not in the signature: "sub/new.bin"',
      );
  });

  it('a signature from another key is refused by its hint', async () => {
    await signTo(KEYS[0]![1]().privateKey);
    const other = KEYS[0]![1]().publicKey;
    expect(await verifyModel(model, { method: 'key', publicKey: other })).toMatchObject({
      ok: false,
      code: 'KEY_MISMATCH',
    });
  });
});

describe('bundle layout matches the key vectors (model_signing 1.1.0)', () => {
  const shape = (v: unknown): unknown =>
    // Arrays by the shape of their first element, so lists of different lengths compare.
    Array.isArray(v)
      ? v.slice(0, 1).map(shape)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
          )
        : typeof v;

  it('same fields, media types, payload type, predicate type and serialization fields', async () => {
    const { privateKey, publicKey } = KEYS[1]![1]();
    const ours = JSON.parse((await signTo(privateKey, { ignorePaths: ['ignore-me'] })).signature);
    const theirs = JSON.parse(await readFile(join(VECTORS, 'v1.1.0-elliptic-key/model.sig'), 'utf8'));
    expect(shape(ours)).toEqual(shape(theirs));
    expect(ours.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(ours.mediaType).toBe(theirs.mediaType);
    expect(ours.dsseEnvelope.payloadType).toBe(theirs.dsseEnvelope.payloadType);
    expect(ours.dsseEnvelope.signatures[0].keyid).toBe(theirs.dsseEnvelope.signatures[0].keyid);
    expect(ours.verificationMaterial.publicKey.hint).toBe(publicKeyHint(publicKey));
    const p = (b: { dsseEnvelope: { payload: string } }) =>
      JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8'));
    const [op, tp] = [p(ours), p(theirs)];
    expect(shape(op)).toEqual(shape(tp));
    expect(op.predicateType).toBe(PREDICATE_TYPE);
    expect(op._type).toBe(tp._type);
    expect(op.subject[0].name).toBe('my-model');
    expect(op.predicate.serialization.ignore_paths).toEqual([
      '.git',
      '.gitattributes',
      '.github',
      '.gitignore',
      'ignore-me',
      'model.sig',
    ]);
  });

  it('the vector public key hashes to the hint the vector carries', async () => {
    const pub = parsePublicKeyPem(await readFile(join(STANDARDS, 'keys/signing-key-pub.pem'), 'utf8'), 'pub');
    expect(pub.ok && publicKeyHint(pub.key)).toBe(
      'e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e',
    );
  });
});

describe('hashing rules', () => {
  it('ignores model.sig and git metadata, and caller ignore paths (files and directories)', async () => {
    await mkdir(join(model, '.git/objects'), { recursive: true });
    await writeFile(join(model, '.git/objects/x'), 'x');
    await writeFile(join(model, '.gitattributes'), '*');
    await writeFile(join(model, 'model.sig'), '{}');
    await mkdir(join(model, 'cache'));
    await writeFile(join(model, 'cache/a'), 'a');
    const r = await hashModel(model, { ignorePaths: ['cache', join(model, 'sub/empty.txt')] });
    expect(r.ok && r.manifest.resources.map((x) => x.name)).toEqual([
      'config.json',
      'sub/deeper/tokenizer.json',
      'weights.safetensors',
    ]);
  });

  it('a one-file model is resource "." named after the file', async () => {
    const r = await hashModel(join(model, 'config.json'));
    expect(r.ok && r.manifest.modelName).toBe('config.json');
    expect(r.ok && r.manifest.resources.map((x) => x.name)).toEqual(['.']);
  });

  it('refuses an ignore path outside the model', async () => {
    expect(await hashModel(model, { ignorePaths: ['../x'] })).toMatchObject({
      ok: false,
      code: 'PATH_REFUSED',
    });
  });

  it('shards: one digest per byte range, verified and localised on tampering', async () => {
    const { publicKey, privateKey } = KEYS[0]![1]();
    const signed = await signTo(privateKey, { method: 'shards', shardSize: 4096 });
    const names = signed.manifest.resources.map((r) => r.name);
    expect(names).toContain('weights.safetensors:0:4096');
    expect(names).toContain('weights.safetensors:8192:10000');
    expect(names).toContain('sub/empty.txt:0:0');
    expect(signed.manifest.resources[0]!.algorithm).toBe('sha256-sharded-4096');
    expect(await verifyModel(model, { method: 'key', publicKey })).toMatchObject({ ok: true });
    const bytes = new Uint8Array(10_000).fill(7);
    bytes[5000] = 8;
    await writeFile(join(model, 'weights.safetensors'), bytes);
    expect(await verifyModel(model, { method: 'key', publicKey })).toMatchObject({
      ok: false,
      code: 'FILE_MODIFIED',
      files: { modified: ['weights.safetensors:4096:8192'] },
    });
  });

  it('refuses symbolic links unless allowed, and never follows one out of the model root', async () => {
    await symlink('config.json', join(model, 'link.json'));
    expect(await hashModel(model)).toMatchObject({ ok: false, code: 'SYMLINK_REFUSED' });
    const allowed = await hashModel(model, { allowSymlinks: true });
    expect(allowed.ok).toBe(true);
    if (allowed.ok) {
      const byName = new Map(allowed.manifest.resources.map((r) => [r.name, r.digest]));
      expect(byName.get('link.json')).toBe(byName.get('config.json'));
    }
    await writeFile(join(root, 'outside.txt'), 'secret');
    await symlink('../outside.txt', join(model, 'escape'));
    const escaped = await hashModel(model, { allowSymlinks: true });
    expect(escaped).toMatchObject({ ok: false, code: 'SYMLINK_REFUSED' });
    if (!escaped.ok) expect(escaped.reason).toBe('escape links outside the model root');
  });

  it('a link swapped in for a signed file is refused at verification', async () => {
    const { publicKey, privateKey } = KEYS[0]![1]();
    await signTo(privateKey);
    await rm(join(model, 'config.json'));
    await symlink('sub/deeper/tokenizer.json', join(model, 'config.json'));
    expect(await verifyModel(model, { method: 'key', publicKey })).toMatchObject({
      ok: false,
      code: 'SYMLINK_REFUSED',
    });
  });
});

describe('malformed and oversized input', () => {
  async function verifySig(text: string, limits = {}) {
    await writeFile(join(model, 'model.sig'), text);
    return verifyModel(model, { method: 'key', publicKey: KEYS[0]![1]().publicKey }, { limits });
  }

  it('not JSON: located error', async () => {
    const r = await verifySig('{"mediaType": ');
    expect(r).toMatchObject({ ok: false, code: 'BUNDLE_MALFORMED' });
    if (!r.ok) expect(r.reason).toMatch(/model\.sig: JSON: /);
  });

  it('wrong media type, missing envelope, two signatures, bad base64', async () => {
    const mt = 'application/vnd.dev.sigstore.bundle.v0.3+json';
    expect(await verifySig('{"mediaType":"x"}')).toMatchObject({ code: 'UNSUPPORTED' });
    expect(await verifySig(JSON.stringify({ mediaType: mt }))).toMatchObject({ code: 'BUNDLE_MALFORMED' });
    const env = {
      payload: 'e30=',
      payloadType: 'application/vnd.in-toto+json',
      signatures: [{ sig: 'AA==' }, { sig: 'AA==' }],
    };
    const r = await verifySig(
      JSON.stringify({
        mediaType: mt,
        verificationMaterial: { publicKey: { hint: 'x' } },
        dsseEnvelope: env,
      }),
    );
    expect(r).toMatchObject({ code: 'BUNDLE_MALFORMED' });
    if (!r.ok) expect(r.reason).toContain('dsseEnvelope.signatures: expected exactly one signature');
    env.signatures = [{ sig: '!!!' }];
    const b = await verifySig(
      JSON.stringify({
        mediaType: mt,
        verificationMaterial: { publicKey: { hint: 'x' } },
        dsseEnvelope: env,
      }),
    );
    if (!b.ok) expect(b.reason).toContain('dsseEnvelope.signatures[0].sig');
  });

  it('model.sig larger than maxSignatureBytes is refused before parsing', async () => {
    expect(await verifySig('x'.repeat(2000), { maxSignatureBytes: 1000 })).toMatchObject({
      ok: false,
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('a signed but malformed statement names the field at fault', async () => {
    const { publicKey, privateKey } = KEYS[0]![1]();
    const signed = await signTo(privateKey);
    // Re-sign a payload with an unsafe resource name through the public pieces.
    const { pae, IN_TOTO_PAYLOAD_TYPE } = await import('../src/index.js');
    const { sign } = await import('node:crypto');
    const bundle = JSON.parse(signed.signature);
    const stmt = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
    stmt.predicate.resources[0].name = '../../etc/passwd';
    const payload = Buffer.from(JSON.stringify(stmt));
    bundle.dsseEnvelope.payload = payload.toString('base64');
    bundle.dsseEnvelope.signatures[0].sig = sign(
      'sha256',
      pae(IN_TOTO_PAYLOAD_TYPE, new Uint8Array(payload)),
      privateKey,
    ).toString('base64');
    await writeFile(join(model, 'model.sig'), JSON.stringify(bundle));
    const r = await verifyModel(model, { method: 'key', publicKey });
    expect(r).toMatchObject({ ok: false, code: 'PAYLOAD_MALFORMED' });
    if (!r.ok) expect(r.reason).toContain('predicate.resources[0].name');
  });

  it('paths nested deeper than maxDepth or longer than maxPathBytes are refused', async () => {
    expect(await hashModel(model, { limits: { maxDepth: 1 } })).toMatchObject({
      ok: false,
      code: 'LIMIT_EXCEEDED',
    });
    expect(await hashModel(model, { limits: { maxPathBytes: 12 } })).toMatchObject({
      ok: false,
      code: 'LIMIT_EXCEEDED',
    });
    expect((await hashModel(model, { limits: { maxDepth: 2, maxPathBytes: 25 } })).ok).toBe(true);
  });

  it('more resources than maxResources is refused', async () => {
    const { privateKey } = KEYS[0]![1]();
    expect(await signModel(model, privateKey, { limits: { maxResources: 2 } })).toMatchObject({
      ok: false,
      code: 'LIMIT_EXCEEDED',
    });
    expect(
      await signModel(model, privateKey, { method: 'shards', shardSize: 1, limits: { maxResources: 100 } }),
    ).toMatchObject({
      ok: false,
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('PEM errors are located', () => {
    expect(parsePublicKeyPem('hello', 'k.pem')).toMatchObject({
      code: 'TRUST_INPUT_INVALID',
      reason: 'k.pem: no PEM block found',
    });
    const r = parsePublicKeyPem('\n\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'k.pem');
    expect(r).toMatchObject({ code: 'TRUST_INPUT_INVALID' });
    if (!r.ok) expect(r.reason).toMatch(/^k\.pem line 3: not a public key/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(
      parsePrivateKeyPem(String(privateKey.export({ type: 'pkcs8', format: 'pem' })), 'rsa.pem'),
    ).toMatchObject({ code: 'UNSUPPORTED' });
  });
});
