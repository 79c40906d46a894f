/**
 * Interoperability: the nine upstream model-signing vectors (releases 1.0.0–1.1.0; key, certificate
 * and Sigstore methods) verify, and each fails with the right code when tampered with.
 */

import { generateKeyPairSync } from 'node:crypto';
import { readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCertificatesPem, type TrustPolicy, verifyModel } from '../src/index.js';
import {
  ALL_VECTORS,
  copyVector,
  fulcioRootPem,
  IDENTITY,
  ISSUER,
  modelOf,
  removeTemp,
  sigstoreRoot,
  trustFor,
  VECTORS,
  type Vector,
} from './helpers.js';

async function verifyVector(v: Vector, dir: string, trust?: TrustPolicy, ignore = v.ignorePaths) {
  const { model, signaturePath } = modelOf(v, dir);
  return verifyModel(model, trust ?? (await trustFor(v.method)), { signaturePath, ignorePaths: ignore });
}

async function withCopy<T>(v: Vector, run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await copyVector(v);
  try {
    return await run(dir);
  } finally {
    await removeTemp(dir);
  }
}

describe.each(ALL_VECTORS)('vector $name', (v) => {
  it('verifies with its method and the provided keys or roots', async () => {
    const r = await verifyVector(v, join(VECTORS, v.name));
    expect(r).toMatchObject({ ok: true, signatureChecked: true });
    if (r.ok) expect(r.resources).toBe(v.singleFile ? 1 : 2);
  });

  it('fails with FILE_MODIFIED when a model file changes', async () => {
    const r = await withCopy(v, async (dir) => {
      await writeFile(join(dir, v.singleFile ? 'signme-1' : 'signme-2'), 'tampered');
      return verifyVector(v, dir);
    });
    expect(r).toMatchObject({ ok: false, code: 'FILE_MODIFIED' });
    if (!r.ok) expect(r.files?.modified).toEqual([v.singleFile ? '.' : 'signme-2']);
  });

  it.skipIf(v.singleFile)('fails with FILE_UNEXPECTED when a file is added', async () => {
    const r = await withCopy(v, async (dir) => {
      await writeFile(join(dir, 'extra.bin'), 'x');
      return verifyVector(v, dir);
    });
    expect(r).toMatchObject({ ok: false, code: 'FILE_UNEXPECTED', files: { unexpected: ['extra.bin'] } });
    if (!r.ok) expect(r.reason).toContain('"extra.bin"');
  });

  it.skipIf(v.singleFile)('fails with FILE_MISSING when a file is removed', async () => {
    const r = await withCopy(v, async (dir) => {
      await unlink(join(dir, 'signme-1'));
      return verifyVector(v, dir);
    });
    expect(r).toMatchObject({ ok: false, code: 'FILE_MISSING', files: { missing: ['signme-1'] } });
  });

  it('fails when the signature is flipped', async () => {
    const r = await withCopy(v, async (dir) => {
      const path = join(dir, 'model.sig');
      const bundle = JSON.parse(await readFile(path, 'utf8'));
      const sig = Buffer.from(bundle.dsseEnvelope.signatures[0].sig, 'base64');
      sig[sig.length - 1]! ^= 0x01;
      bundle.dsseEnvelope.signatures[0].sig = sig.toString('base64');
      await writeFile(path, JSON.stringify(bundle));
      return verifyVector(v, dir);
    });
    // Sigstore checks the Rekor entry (which records the signature) before the signature itself.
    expect(r).toMatchObject({
      ok: false,
      code: v.method === 'sigstore' ? 'SIGSTORE_INVALID' : 'SIGNATURE_INVALID',
    });
  });

  it('fails when the signed payload is altered', async () => {
    const r = await withCopy(v, async (dir) => {
      const path = join(dir, 'model.sig');
      const bundle = JSON.parse(await readFile(path, 'utf8'));
      const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8');
      bundle.dsseEnvelope.payload = Buffer.from(
        payload.replace(/"digest": "f6|"digest": "bc/, (m) => m.replace(/f6|bc/, '00')),
      ).toString('base64');
      await writeFile(path, JSON.stringify(bundle));
      return verifyVector(v, dir);
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['SIGNATURE_INVALID', 'SIGSTORE_INVALID']).toContain(r.code);
  });

  it('fails with the wrong key, chain or identity', async () => {
    let trust: TrustPolicy;
    let code: string;
    switch (v.method) {
      case 'elliptic-key': {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
        trust = { method: 'key', publicKey };
        code = 'KEY_MISMATCH';
        break;
      }
      case 'certificate': {
        const r = parseCertificatesPem(await fulcioRootPem(), 'fulcio');
        if (!r.ok) throw new Error(r.reason);
        trust = { method: 'certificate', anchors: r.certificates };
        code = 'CERTIFICATE_UNTRUSTED';
        break;
      }
      case 'sigstore':
        trust = {
          method: 'sigstore',
          trustMaterial: await sigstoreRoot(),
          identity: 'mallory@example.com',
          issuer: ISSUER,
        };
        code = 'IDENTITY_MISMATCH';
        break;
    }
    expect(await verifyVector(v, join(VECTORS, v.name), trust)).toMatchObject({ ok: false, code });
  });
});

describe('vector specifics', () => {
  const byName = (n: string) => ALL_VECTORS.find((v) => v.name === n)!;

  it('v1.0.1 signatures need the ignore path upstream passed at signing (they do not record it)', async () => {
    const v = byName('v1.0.1-certificate');
    const r = await verifyVector(v, join(VECTORS, v.name), undefined, []);
    expect(r).toMatchObject({ ok: false, code: 'FILE_UNEXPECTED', files: { unexpected: ['ignore-me'] } });
  });

  it('v1.1.0 signatures record ignore_paths, which the verifier honours without being told', async () => {
    const v = byName('v1.1.0-elliptic-key');
    const r = await verifyVector(v, join(VECTORS, v.name), undefined, []);
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.statement.serialization.ignore_paths).toContain('ignore-me');
  });

  it('a Sigstore signature is refused for the wrong OIDC issuer', async () => {
    const v = byName('v1.1.0-sigstore');
    const trust: TrustPolicy = {
      method: 'sigstore',
      trustMaterial: await sigstoreRoot(),
      identity: IDENTITY,
      issuer: 'https://accounts.google.com',
    };
    expect(await verifyVector(v, join(VECTORS, v.name), trust)).toMatchObject({
      ok: false,
      code: 'IDENTITY_MISMATCH',
    });
  });

  it('a certificate chain outside its validity at the verification time is untrusted', async () => {
    const v = byName('v1.1.0-certificate');
    const base = (await trustFor('certificate')) as Extract<TrustPolicy, { method: 'certificate' }>;
    for (const at of [new Date('2036-01-01T00:00:00Z'), new Date('2024-01-01T00:00:00Z')]) {
      const r = await verifyVector(v, join(VECTORS, v.name), { ...base, at });
      expect(r).toMatchObject({ ok: false, code: 'CERTIFICATE_UNTRUSTED' });
      if (!r.ok) expect(r.reason).toContain('is not valid at');
    }
  });

  it('the method must fit the material in the bundle', async () => {
    const key = byName('v1.1.0-elliptic-key');
    const cert = byName('v1.1.0-certificate');
    expect(await verifyVector(key, join(VECTORS, key.name), await trustFor('certificate'))).toMatchObject({
      code: 'KEY_MISMATCH',
    });
    expect(await verifyVector(cert, join(VECTORS, cert.name), await trustFor('elliptic-key'))).toMatchObject({
      code: 'KEY_MISMATCH',
    });
    expect(await verifyVector(key, join(VECTORS, key.name), await trustFor('sigstore'))).toMatchObject({
      code: 'KEY_MISMATCH',
    });
  });

  it('a Sigstore bundle does not verify by its certificate alone against the vectors CA', async () => {
    const v = byName('v1.1.0-sigstore');
    expect(await verifyVector(v, join(VECTORS, v.name), await trustFor('certificate'))).toMatchObject({
      ok: false,
      code: 'CERTIFICATE_UNTRUSTED',
    });
  });

  it('embedded trust (scanner) checks what the bundle carries and says when it cannot', async () => {
    const embedded: TrustPolicy = { method: 'embedded' };
    expect(
      await verifyVector(byName('v1.0.1-elliptic-key'), join(VECTORS, 'v1.0.1-elliptic-key'), embedded),
    ).toMatchObject({ ok: true, signatureChecked: true });
    expect(
      await verifyVector(byName('v1.1.0-elliptic-key'), join(VECTORS, 'v1.1.0-elliptic-key'), embedded),
    ).toMatchObject({ ok: true, signatureChecked: false });
    expect(
      await verifyVector(byName('v1.1.0-certificate'), join(VECTORS, 'v1.1.0-certificate'), embedded),
    ).toMatchObject({ ok: true, signatureChecked: true });
    expect(
      await verifyVector(byName('v1.0.0-sigstore'), join(VECTORS, 'v1.0.0-sigstore'), embedded),
    ).toMatchObject({ ok: true, signatureChecked: true });
  });

  it('a missing signature file is an environment fault (ENOENT), not a verdict', async () => {
    const v = byName('v1.1.0-certificate');
    const dir = await copyVector(v);
    try {
      await rm(join(dir, 'model.sig'));
      await expect(verifyVector(v, dir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await removeTemp(dir);
    }
  });
});
