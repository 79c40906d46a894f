/** Shared fixtures: the upstream interoperability vectors, copied to writable temp dirs for tampering. */

import { chmod, cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCertificatesPem, parsePublicKeyPem, parseTrustedRoot, type TrustPolicy } from '../src/index.js';

export const STANDARDS = fileURLToPath(
  new URL('../../../../shared/standards/model-signing', import.meta.url),
);
export const VECTORS = join(STANDARDS, 'vectors');
export const IDENTITY = 'stefanb@us.ibm.com';
export const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

export const RELEASES = ['1.0.0', '1.0.1', '1.1.0'] as const;
export const METHODS = ['elliptic-key', 'certificate', 'sigstore'] as const;
export type Method = (typeof METHODS)[number];

export interface Vector {
  readonly name: string;
  readonly release: (typeof RELEASES)[number];
  readonly method: Method;
  /** v1.0.0-elliptic-key signs one file, not the directory. */
  readonly singleFile: boolean;
  /** v1.0.1 predates recording ignore_paths, so the verifier must be told to skip `ignore-me`. */
  readonly ignorePaths: readonly string[];
}

export const ALL_VECTORS: readonly Vector[] = RELEASES.flatMap((release) =>
  METHODS.map((method) => ({
    name: `v${release}-${method}`,
    release,
    method,
    singleFile: release === '1.0.0' && method === 'elliptic-key',
    ignorePaths: release === '1.0.1' ? ['ignore-me'] : [],
  })),
);

/** The model path and signature path of a vector under `dir` (the vector itself or a copy). */
export function modelOf(v: Vector, dir: string): { model: string; signaturePath: string } {
  return { model: v.singleFile ? join(dir, 'signme-1') : dir, signaturePath: join(dir, 'model.sig') };
}

export async function trustFor(method: Method): Promise<TrustPolicy> {
  switch (method) {
    case 'elliptic-key': {
      const r = parsePublicKeyPem(await readFile(join(STANDARDS, 'keys/signing-key-pub.pem'), 'utf8'), 'pub');
      if (!r.ok) throw new Error(r.reason);
      return { method: 'key', publicKey: r.key };
    }
    case 'certificate': {
      const r = parseCertificatesPem(await readFile(join(STANDARDS, 'keys/ca-cert.pem'), 'utf8'), 'ca');
      if (!r.ok) throw new Error(r.reason);
      return { method: 'certificate', anchors: r.certificates };
    }
    case 'sigstore':
      return { method: 'sigstore', trustMaterial: await sigstoreRoot(), identity: IDENTITY, issuer: ISSUER };
  }
}

export async function sigstoreRoot() {
  const r = parseTrustedRoot(
    await readFile(join(STANDARDS, 'sigstore-public-good/trusted_root.json'), 'utf8'),
    'root',
  );
  if (!r.ok) throw new Error(r.reason);
  return r.trustMaterial;
}

/** The Fulcio root from the public-good trusted root as PEM: a real CA that did not issue the vectors' chain. */
export async function fulcioRootPem(): Promise<string> {
  const root = JSON.parse(await readFile(join(STANDARDS, 'sigstore-public-good/trusted_root.json'), 'utf8'));
  const der: string = root.certificateAuthorities[0].certChain.certificates.at(-1).rawBytes;
  return `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export async function tempDir(prefix = 'vacsrp-attest-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A writable copy of a vector (the originals are read-only). */
export async function copyVector(v: Vector): Promise<string> {
  const dir = join(await tempDir(), v.name);
  await cp(join(VECTORS, v.name), dir, { recursive: true });
  await chmod(dir, 0o755);
  for (const f of await readdir(dir)) await chmod(join(dir, f), 0o644);
  return dir;
}

export async function removeTemp(dir: string): Promise<void> {
  await rm(join(dir, '..'), { recursive: true, force: true });
}
