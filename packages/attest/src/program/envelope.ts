/**
 * DSSE envelopes for program documents: signing with a program key (keyid = JWK thumbprint), and
 * reading and verifying an envelope against a keyring. Ed25519 signs PAE directly; ECDSA P-256 signs
 * SHA-256(PAE) and is written as DER, as sigstore and model_signing do. Base64 is the standard
 * alphabet with padding (RFC 4648 §4), and only its canonical form is accepted, so one envelope has
 * one spelling of its payload and signatures.
 */
import { sign, verify } from 'node:crypto';
import { pae } from '../model-signing/dsse.js';
import { canonicalJson } from './canonical.js';
import { array, Invalid, object, string } from './check.js';
import type { Keyring, KeyringEntry, ProgramKeyAlgorithm, ProgramSigningKey } from './keys.js';
import type { AttestationLimits } from './limits.js';

export interface DsseSignature {
  readonly keyid: string;
  readonly sig: string;
}

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: string;
  readonly signatures: readonly DsseSignature[];
}

const digestOf = (alg: ProgramKeyAlgorithm): string | null => (alg === 'EdDSA' ? null : 'sha256');

export function signEnvelope(payloadType: string, payload: Uint8Array, key: ProgramSigningKey): DsseEnvelope {
  const sig = sign(digestOf(key.alg), pae(payloadType, payload), { key: key.privateKey, dsaEncoding: 'der' });
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: key.kid, sig: sig.toString('base64') }],
  };
}

/** The envelope as published: canonical JSON text (no trailing newline). */
export const serializeEnvelope = (envelope: DsseEnvelope): string => canonicalJson(envelope);

export interface ParsedEnvelope {
  readonly payloadType: string;
  /** The exact decoded payload bytes: what was signed and what the parser reads. */
  readonly payload: Uint8Array;
  readonly signatures: readonly { readonly keyid: string | undefined; readonly sig: Uint8Array }[];
}

export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: ParsedEnvelope }
  | { readonly ok: false; readonly message: string; readonly field: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// Ed25519 signatures are 64 bytes, DER P-256 at most 72: 128 base64 characters leave room.
const MAX_SIG_CHARS = 128;
const MAX_KEYID_BYTES = 128;

function base64(v: unknown, field: string, maxChars: number): Uint8Array {
  if (typeof v !== 'string') throw new Invalid(field, 'not a string');
  if (v.length > maxChars)
    throw new Invalid(field, `${v.length} characters, more than the limit of ${maxChars}`);
  if (!BASE64.test(v)) throw new Invalid(field, 'not standard padded base64');
  const bytes = Buffer.from(v, 'base64');
  // Unused low bits of the last character must be zero, or two spellings decode to the same bytes.
  if (bytes.toString('base64') !== v) throw new Invalid(field, 'not canonical base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads envelope bytes; the payload type must be `payloadType`. Unknown members are refused. */
export function parseEnvelope(
  bytes: Uint8Array,
  payloadType: string,
  maxBytes: number,
  limits: AttestationLimits,
): EnvelopeResult {
  if (bytes.length > maxBytes) {
    return {
      ok: false,
      field: '$',
      message: `envelope is ${bytes.length} bytes, more than the limit of ${maxBytes}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch (err) {
    return { ok: false, field: '$', message: `envelope is not UTF-8 JSON (${(err as Error).message})` };
  }
  try {
    const env = object(json, '$', ['payloadType', 'payload', 'signatures']);
    const type = string(env.payloadType, 'payloadType', { maxBytes: 256 });
    if (type !== payloadType) throw new Invalid('payloadType', `expected ${payloadType}`);
    // Base64 is 4/3 of the bytes; the envelope limit already bounds it, this names the field.
    const payload = base64(env.payload, 'payload', maxBytes);
    const signatures = array(env.signatures, 'signatures', limits.maxSignatures, 1).map((s, i) => {
      const o = object(s, `signatures[${i}]`, ['sig'], ['keyid']);
      const keyid =
        o.keyid === undefined || o.keyid === ''
          ? undefined
          : string(o.keyid, `signatures[${i}].keyid`, { maxBytes: MAX_KEYID_BYTES });
      return { keyid, sig: base64(o.sig, `signatures[${i}].sig`, MAX_SIG_CHARS) };
    });
    return { ok: true, envelope: { payloadType: type, payload, signatures } };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: `envelope ${err.message}` };
    throw err;
  }
}

export type SignatureCheck =
  | { readonly ok: true; readonly key: KeyringEntry }
  | { readonly ok: false; readonly code: 'UNKNOWN_KEY' | 'BAD_SIGNATURE'; readonly message: string };

/**
 * The first signature that verifies with a key of the keyring. A signature with a keyid is checked
 * only with that key; one without is tried against every key (the keyring is bounded by maxKeys).
 * UNKNOWN_KEY when no signature names a known key, BAD_SIGNATURE when a known key was named but no
 * signature verifies.
 */
export function verifyEnvelopeSignature(envelope: ParsedEnvelope, keyring: Keyring): SignatureCheck {
  const message = pae(envelope.payloadType, envelope.payload);
  const namedKnown = new Set<string>();
  const unknown: string[] = [];
  for (const s of envelope.signatures) {
    let candidates: KeyringEntry[];
    if (s.keyid === undefined) candidates = [...keyring.keys.values()];
    else {
      const key = keyring.keys.get(s.keyid);
      if (key === undefined) unknown.push(s.keyid);
      else namedKnown.add(key.kid);
      candidates = key === undefined ? [] : [key];
    }
    for (const key of candidates) if (verifies(key, message, s.sig)) return { ok: true, key };
  }
  if (namedKnown.size > 0) {
    return {
      ok: false,
      code: 'BAD_SIGNATURE',
      message: `the signature does not verify with key ${[...namedKnown].join(', ')}`,
    };
  }
  const named = unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(', ');
  return {
    ok: false,
    code: 'UNKNOWN_KEY',
    message:
      unknown.length > 0
        ? `signed with key id ${named}, which is not in the program's JWKS`
        : 'the signature carries no key id and verifies with no key in the program JWKS',
  };
}

function verifies(key: KeyringEntry, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    return verify(digestOf(key.alg), message, { key: key.publicKey, dsaEncoding: 'der' }, sig);
  } catch {
    // OpenSSL refuses some malformed DER outright instead of returning false.
    return false;
  }
}
