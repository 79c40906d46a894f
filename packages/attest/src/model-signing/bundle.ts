/**
 * `model.sig`: a Sigstore bundle v0.3 (JSON) holding one DSSE envelope. Parsing checks exactly what
 * verification relies on and names the JSON path at fault; building writes the layout model_signing
 * 1.1 writes for the key method, so other implementations read ours.
 */
import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { bytesOf, IN_TOTO_PAYLOAD_TYPE } from './dsse.js';
import type { ModelSigningLimits } from './limits.js';
import { fail, type Result } from './result.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export type VerificationMaterial =
  | {
      readonly kind: 'public-key';
      /** hex SHA-256 of the canonical SPKI PEM (model_signing ≥ 1.1). */
      readonly hint?: string;
      /** model_signing 1.0.x embeds the key itself (PEM text or DER) in a non-standard rawBytes field. */
      readonly key?: KeyObject;
    }
  | { readonly kind: 'certificate-chain'; readonly certificates: readonly X509Certificate[] }
  | { readonly kind: 'certificate'; readonly certificate: X509Certificate };

export interface ParsedBundle {
  /** The bundle JSON as read, for @sigstore/bundle. */
  readonly json: Record<string, unknown>;
  readonly payloadType: string;
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly material: VerificationMaterial;
  readonly tlogEntries: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function base64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || v.length % 4 !== 0 || !B64.test(v)) return undefined;
  return Buffer.from(v, 'base64');
}

export function parseBundle(
  bytes: Buffer,
  source: string,
  limits: ModelSigningLimits,
): Result<{ bundle: ParsedBundle }> {
  if (bytes.length > limits.maxSignatureBytes) {
    return fail(
      'LIMIT_EXCEEDED',
      `${source} is ${bytes.length} bytes, more than maxSignatureBytes (${limits.maxSignatureBytes})`,
    );
  }
  const bad = (where: string, what: string) => fail('BUNDLE_MALFORMED', `${source}: ${where}: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return bad('JSON', (err as Error).message);
  }
  if (!isRecord(json)) return bad('top level', 'not a JSON object');
  if (json.mediaType !== BUNDLE_MEDIA_TYPE) {
    return fail(
      'UNSUPPORTED',
      `${source}: mediaType ${JSON.stringify(json.mediaType)} is not ${BUNDLE_MEDIA_TYPE}`,
    );
  }
  if (json.messageSignature !== undefined)
    return fail('UNSUPPORTED', `${source}: messageSignature bundles are not model signatures`);
  const env = json.dsseEnvelope;
  if (!isRecord(env)) return bad('dsseEnvelope', 'missing or not an object');
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return fail(
      'UNSUPPORTED',
      `${source}: dsseEnvelope.payloadType ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const payload = base64(env.payload);
  if (payload === undefined) return bad('dsseEnvelope.payload', 'missing or not base64');
  if (!Array.isArray(env.signatures) || env.signatures.length !== 1) {
    return bad('dsseEnvelope.signatures', 'expected exactly one signature');
  }
  const sigEntry = env.signatures[0];
  if (!isRecord(sigEntry)) return bad('dsseEnvelope.signatures[0]', 'not an object');
  const signature = base64(sigEntry.sig);
  if (signature === undefined || signature.length === 0)
    return bad('dsseEnvelope.signatures[0].sig', 'missing or not base64');

  const vm = json.verificationMaterial;
  if (!isRecord(vm)) return bad('verificationMaterial', 'missing or not an object');
  const tlog = vm.tlogEntries;
  if (tlog !== undefined && !Array.isArray(tlog))
    return bad('verificationMaterial.tlogEntries', 'not a list');
  const material = parseMaterial(vm, source);
  if (!material.ok) return material;
  return {
    ok: true,
    bundle: {
      json,
      payloadType: env.payloadType,
      payload,
      signature,
      material: material.material,
      tlogEntries: Array.isArray(tlog) ? tlog.length : 0,
    },
  };
}

function parseMaterial(
  vm: Record<string, unknown>,
  source: string,
): Result<{ material: VerificationMaterial }> {
  const bad = (where: string, what: string) =>
    fail('BUNDLE_MALFORMED', `${source}: verificationMaterial.${where}: ${what}`);
  const kinds = ['publicKey', 'x509CertificateChain', 'certificate'].filter((k) => vm[k] !== undefined);
  if (kinds.length !== 1)
    return bad(
      'content',
      `expected exactly one of publicKey, x509CertificateChain, certificate; found ${kinds.length}`,
    );
  const cert = (v: unknown, where: string): Result<{ certificate: X509Certificate }> => {
    const der = isRecord(v) ? base64(v.rawBytes) : undefined;
    if (der === undefined) return bad(`${where}.rawBytes`, 'missing or not base64');
    try {
      return { ok: true, certificate: new X509Certificate(bytesOf(der)) };
    } catch (err) {
      return bad(`${where}.rawBytes`, `not a DER X.509 certificate (${(err as Error).message})`);
    }
  };
  if (vm.publicKey !== undefined) {
    const pk = vm.publicKey;
    if (!isRecord(pk)) return bad('publicKey', 'not an object');
    let hint: string | undefined;
    if (pk.hint !== undefined) {
      if (typeof pk.hint !== 'string' || pk.hint.length > 512) return bad('publicKey.hint', 'not a string');
      hint = pk.hint;
    }
    let key: KeyObject | undefined;
    if (pk.rawBytes !== undefined) {
      const raw = base64(pk.rawBytes);
      if (raw === undefined) return bad('publicKey.rawBytes', 'not base64');
      try {
        const text = raw.toString('latin1');
        key = text.includes('-----BEGIN PUBLIC KEY-----')
          ? createPublicKey(text)
          : createPublicKey({ key: raw, format: 'der', type: 'spki' });
      } catch (err) {
        return bad('publicKey.rawBytes', `not a public key (${(err as Error).message})`);
      }
    }
    if (hint === undefined && key === undefined) return bad('publicKey', 'neither hint nor rawBytes');
    return {
      ok: true,
      material: {
        kind: 'public-key',
        ...(hint === undefined ? {} : { hint }),
        ...(key === undefined ? {} : { key }),
      },
    };
  }
  if (vm.x509CertificateChain !== undefined) {
    const chain = vm.x509CertificateChain;
    if (!isRecord(chain) || !Array.isArray(chain.certificates) || chain.certificates.length === 0) {
      return bad('x509CertificateChain.certificates', 'missing or empty');
    }
    if (chain.certificates.length > 10)
      return bad('x509CertificateChain.certificates', 'more than 10 certificates');
    const certificates: X509Certificate[] = [];
    for (const [i, c] of chain.certificates.entries()) {
      const r = cert(c, `x509CertificateChain.certificates[${i}]`);
      if (!r.ok) return r;
      certificates.push(r.certificate);
    }
    return { ok: true, material: { kind: 'certificate-chain', certificates } };
  }
  const r = cert(vm.certificate, 'certificate');
  if (!r.ok) return r;
  return { ok: true, material: { kind: 'certificate', certificate: r.certificate } };
}

/** The bundle model_signing 1.1 writes for the key method (field order as it writes them). */
export function buildKeyBundle(payload: Buffer, signature: Buffer, hint: string): Record<string, unknown> {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString('base64'), keyid: '' }],
    },
  };
}
