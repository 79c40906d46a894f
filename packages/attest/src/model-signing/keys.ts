/**
 * Keys and certificates from PEM text, and how each key type signs: ECDSA P-256/P-384/P-521 with
 * SHA-256/384/512 (DER signatures, as model_signing writes them) and Ed25519 (pure).
 */
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { bytesOf } from './dsse.js';
import { fail, type Result } from './result.js';

export type KeyAlgorithm = 'ecdsa-p256-sha256' | 'ecdsa-p384-sha384' | 'ecdsa-p521-sha512' | 'ed25519';

export function keyAlgorithm(key: KeyObject): KeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType !== 'ec') return undefined;
  switch (key.asymmetricKeyDetails?.namedCurve) {
    case 'prime256v1':
      return 'ecdsa-p256-sha256';
    case 'secp384r1':
      return 'ecdsa-p384-sha384';
    case 'secp521r1':
      return 'ecdsa-p521-sha512';
    default:
      return undefined;
  }
}

/** The digest name node:crypto's sign/verify take (null for Ed25519, which hashes internally). */
export function digestFor(alg: KeyAlgorithm): string | null {
  switch (alg) {
    case 'ecdsa-p256-sha256':
      return 'sha256';
    case 'ecdsa-p384-sha384':
      return 'sha384';
    case 'ecdsa-p521-sha512':
      return 'sha512';
    case 'ed25519':
      return null;
  }
}

/** The publicKey.hint model_signing ≥ 1.1 writes: hex SHA-256 of the canonical SPKI PEM. */
export function publicKeyHint(key: KeyObject): string {
  return createHash('sha256')
    .update(String(key.export({ type: 'spki', format: 'pem' })))
    .digest('hex');
}

interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
  readonly line: number;
}

/** Every PEM block in the text (text before, between and after blocks is allowed, as OpenSSL does). */
export function pemBlocks(text: string, source: string): Result<{ blocks: PemBlock[] }> {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (const m of text.matchAll(re)) {
    const line = text.slice(0, m.index).split('\n').length;
    if (m[1] !== m[3]) {
      return fail('TRUST_INPUT_INVALID', `${source} line ${line}: BEGIN ${m[1]} ends with END ${m[3]}`);
    }
    const body = m[2]!.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) {
      return fail('TRUST_INPUT_INVALID', `${source} line ${line}: ${m[1]} block is not base64`);
    }
    blocks.push({ label: m[1]!, der: Buffer.from(body, 'base64'), line });
  }
  if (blocks.length === 0) return fail('TRUST_INPUT_INVALID', `${source}: no PEM block found`);
  return { ok: true, blocks };
}

export function parsePublicKeyPem(text: string, source: string): Result<{ key: KeyObject }> {
  const r = pemBlocks(text, source);
  if (!r.ok) return r;
  const block = r.blocks.find((b) => b.label === 'PUBLIC KEY');
  if (block === undefined) return fail('TRUST_INPUT_INVALID', `${source}: no PUBLIC KEY block`);
  try {
    const key = createPublicKey({ key: block.der, format: 'der', type: 'spki' });
    if (keyAlgorithm(key) === undefined) {
      return fail(
        'UNSUPPORTED',
        `${source} line ${block.line}: key type ${describeKey(key)} is not supported (ECDSA P-256/P-384/P-521 or Ed25519)`,
      );
    }
    return { ok: true, key };
  } catch (err) {
    return fail(
      'TRUST_INPUT_INVALID',
      `${source} line ${block.line}: not a public key (${(err as Error).message})`,
    );
  }
}

export function parseCertificatesPem(
  text: string,
  source: string,
): Result<{ certificates: X509Certificate[] }> {
  const r = pemBlocks(text, source);
  if (!r.ok) return r;
  const certificates: X509Certificate[] = [];
  for (const b of r.blocks) {
    if (b.label !== 'CERTIFICATE') continue;
    try {
      certificates.push(new X509Certificate(bytesOf(b.der)));
    } catch (err) {
      return fail(
        'TRUST_INPUT_INVALID',
        `${source} line ${b.line}: not an X.509 certificate (${(err as Error).message})`,
      );
    }
  }
  if (certificates.length === 0) return fail('TRUST_INPUT_INVALID', `${source}: no CERTIFICATE block`);
  return { ok: true, certificates };
}

export function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'unknown'}${curve === undefined ? '' : ` ${curve}`}`;
}
