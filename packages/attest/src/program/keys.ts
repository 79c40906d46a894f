/**
 * Program signing keys: Ed25519 (JOSE `EdDSA`) or ECDSA P-256 (`ES256`), named by their RFC 7638
 * JWK thumbprint, published as an RFC 7517 JWKS whose `vacsrp` member says when each key was active.
 * Keys rotate by retiring (never deleting) the old one: what it signed while active still verifies.
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parsePrivateKeyPem } from '../model-signing/sign.js';
import { canonicalJson } from './canonical.js';
import { array, compareStrings, formatTime, Invalid, object, oneOf, string, timestamp } from './check.js';
import type { AttestationLimits } from './limits.js';
import { type InputResult, inputFailure } from './result.js';

export const PROGRAM_KEY_ALGORITHMS = ['EdDSA', 'ES256'] as const;
/** JOSE algorithm names (RFC 8037, RFC 7518): Ed25519, or ECDSA P-256 with SHA-256. */
export type ProgramKeyAlgorithm = (typeof PROGRAM_KEY_ALGORITHMS)[number];

/** The public part of a program key as a JWK (only the members RFC 7638 hashes). */
export type ProgramPublicJwk =
  | { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string }
  | { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };

/** When a key may sign: from `activatedAt` (inclusive) until `retiredAt` (exclusive; absent = still active). */
export interface KeyValidity {
  readonly activatedAt: string;
  readonly retiredAt?: string;
}

/** One entry of the published JWKS. */
export type ProgramJwk = ProgramPublicJwk & {
  readonly kid: string;
  readonly alg: ProgramKeyAlgorithm;
  readonly use: 'sig';
  readonly vacsrp: KeyValidity;
};

export interface ProgramJwks {
  readonly keys: readonly ProgramJwk[];
}

export interface ProgramKeyPair {
  readonly alg: ProgramKeyAlgorithm;
  /** The RFC 7638 thumbprint of the public key: the JWKS `kid` and the DSSE `keyid`. */
  readonly kid: string;
  /** Unencrypted PKCS#8 PEM. A secret: store it as a file only its owner can read, or in a KMS. */
  readonly privateKeyPem: string;
  readonly publicJwk: ProgramPublicJwk;
}

/** A private key ready to sign program documents. */
export interface ProgramSigningKey {
  readonly alg: ProgramKeyAlgorithm;
  readonly kid: string;
  readonly privateKey: KeyObject;
}

/** A verified JWKS entry: the key object and its active window as dates. */
export interface KeyringEntry {
  readonly kid: string;
  readonly alg: ProgramKeyAlgorithm;
  readonly publicKey: KeyObject;
  readonly jwk: ProgramJwk;
  readonly activatedAt: Date;
  readonly retiredAt?: Date;
}

/** The program's public keys by kid, as parsed from a JWKS. */
export interface Keyring {
  readonly keys: ReadonlyMap<string, KeyringEntry>;
}

const B64URL_32 = /^[A-Za-z0-9_-]{43}$/;

export function generateProgramKey(alg: ProgramKeyAlgorithm = 'EdDSA'): ProgramKeyPair {
  const { privateKey, publicKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicJwk = publicJwkOf(publicKey);
  if (publicJwk === undefined) throw new Error('generated key has no JWK form');
  return {
    alg,
    kid: jwkThumbprint(publicJwk),
    privateKeyPem: String(privateKey.export({ type: 'pkcs8', format: 'pem' })),
    publicJwk,
  };
}

/** RFC 7638: base64url SHA-256 of the required members, in lexicographic order, without whitespace. */
export function jwkThumbprint(jwk: ProgramPublicJwk): string {
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(canonicalJson(members)).digest('base64url');
}

export function algorithmOf(key: KeyObject): ProgramKeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

/** The public JWK of an Ed25519 or P-256 key (public or private); undefined for any other key type. */
export function publicJwkOf(key: KeyObject): ProgramPublicJwk | undefined {
  const alg = algorithmOf(key);
  if (alg === undefined) return undefined;
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  if (alg === 'EdDSA') return { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) };
  return { kty: 'EC', crv: 'P-256', x: String(jwk.x), y: String(jwk.y) };
}

/** Loads a PKCS#8 (or SEC1) PEM private key for signing; only Ed25519 and P-256 keys are accepted. */
export function loadSigningKey(pem: string, source = 'private key'): InputResult<{ key: ProgramSigningKey }> {
  const r = parsePrivateKeyPem(pem, source);
  if (!r.ok) return inputFailure('INVALID_KEY', r.reason);
  const alg = algorithmOf(r.key);
  const jwk = publicJwkOf(r.key);
  if (alg === undefined || jwk === undefined) {
    return inputFailure('INVALID_KEY', `${source}: program keys are Ed25519 or ECDSA P-256`);
  }
  return { ok: true, key: { alg, kid: jwkThumbprint(jwk), privateKey: r.key } };
}

/** A key to publish: its public JWK and when it was (or will be) active. */
export interface PublishedKey {
  readonly publicJwk: ProgramPublicJwk;
  readonly activatedAt: Date;
  readonly retiredAt?: Date;
}

/**
 * The JWKS document for these keys, sorted by activation time then kid, as canonical JSON text.
 * Every key the program ever signed with stays in it (retired, not removed) so that older
 * attestations keep verifying; a key removed from the JWKS makes everything it signed UNKNOWN_KEY.
 */
export function buildJwks(
  keys: readonly PublishedKey[],
  limits: AttestationLimits,
): InputResult<{ jwks: ProgramJwks; text: string }> {
  let draft: ProgramJwks;
  try {
    draft = {
      keys: keys
        .map((k): ProgramJwk => {
          const validity: KeyValidity =
            k.retiredAt === undefined
              ? { activatedAt: formatTime(k.activatedAt) }
              : { activatedAt: formatTime(k.activatedAt), retiredAt: formatTime(k.retiredAt) };
          return {
            ...k.publicJwk,
            kid: jwkThumbprint(k.publicJwk),
            alg: k.publicJwk.kty === 'OKP' ? 'EdDSA' : 'ES256',
            use: 'sig',
            vacsrp: validity,
          };
        })
        .sort(
          (a, b) =>
            compareStrings(a.vacsrp.activatedAt, b.vacsrp.activatedAt) || compareStrings(a.kid, b.kid),
        ),
    };
  } catch (err) {
    if (err instanceof Invalid) return inputFailure('INVALID_JWKS', err.message, err.field);
    throw err;
  }
  const text = canonicalJson(draft);
  const checked = parseJwks(text, limits);
  if (!checked.ok) return checked;
  return { ok: true, jwks: draft, text };
}

/**
 * Reads a JWKS into a keyring. Strict: every key must be an Ed25519 or P-256 public key whose `kid`
 * is its thumbprint, with `use: sig`, a matching `alg` and a `vacsrp` validity window; a private
 * member (`d`) or a duplicate kid makes the whole set invalid.
 */
export function parseJwks(
  input: Uint8Array | string,
  limits: AttestationLimits,
): InputResult<{ keyring: Keyring }> {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > limits.maxJwksBytes) {
    return inputFailure(
      'INVALID_JWKS',
      `JWKS is ${size} bytes, more than the limit of ${limits.maxJwksBytes}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input),
    );
  } catch (err) {
    return inputFailure('INVALID_JWKS', `JWKS is not UTF-8 JSON (${(err as Error).message})`);
  }
  try {
    const doc = object(json, '$', ['keys']);
    const keys = new Map<string, KeyringEntry>();
    for (const [i, k] of array(doc.keys, 'keys', limits.maxKeys, 1).entries()) {
      const entry = checkJwk(k, `keys[${i}]`);
      if (keys.has(entry.kid)) throw new Invalid(`keys[${i}].kid`, 'duplicate kid');
      keys.set(entry.kid, entry);
    }
    return { ok: true, keyring: { keys } };
  } catch (err) {
    if (err instanceof Invalid) return inputFailure('INVALID_JWKS', `JWKS ${err.message}`, err.field);
    throw err;
  }
}

function checkJwk(v: unknown, where: string): KeyringEntry {
  if (v !== null && typeof v === 'object' && 'd' in v) {
    throw new Invalid(where, 'holds private key material (d); publish public keys only');
  }
  const kty = (v as { kty?: unknown } | null)?.kty;
  const o =
    kty === 'EC'
      ? object(v, where, ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use', 'vacsrp'])
      : object(v, where, ['kty', 'crv', 'x', 'kid', 'alg', 'use', 'vacsrp']);
  const coordinate = (m: unknown, f: string) =>
    string(m, f, { maxBytes: 43, pattern: B64URL_32, describe: '32 bytes in unpadded base64url' });
  let jwk: ProgramPublicJwk;
  if (o.kty === 'OKP') {
    if (o.crv !== 'Ed25519') throw new Invalid(`${where}.crv`, 'an OKP key must be Ed25519');
    jwk = { kty: 'OKP', crv: 'Ed25519', x: coordinate(o.x, `${where}.x`) };
  } else if (o.kty === 'EC') {
    if (o.crv !== 'P-256') throw new Invalid(`${where}.crv`, 'an EC key must be P-256');
    jwk = { kty: 'EC', crv: 'P-256', x: coordinate(o.x, `${where}.x`), y: coordinate(o.y, `${where}.y`) };
  } else {
    throw new Invalid(`${where}.kty`, 'must be OKP (Ed25519) or EC (P-256)');
  }
  const alg = oneOf(o.alg, `${where}.alg`, PROGRAM_KEY_ALGORITHMS);
  if (alg !== (jwk.kty === 'OKP' ? 'EdDSA' : 'ES256'))
    throw new Invalid(`${where}.alg`, `does not fit a ${jwk.crv} key`);
  if (o.use !== 'sig') throw new Invalid(`${where}.use`, 'must be "sig"');
  const kid = jwkThumbprint(jwk);
  if (o.kid !== kid) throw new Invalid(`${where}.kid`, 'is not the RFC 7638 thumbprint of the key');
  const validity = object(o.vacsrp, `${where}.vacsrp`, ['activatedAt'], ['retiredAt']);
  const activatedAt = timestamp(validity.activatedAt, `${where}.vacsrp.activatedAt`);
  const retiredAt =
    validity.retiredAt === undefined ? undefined : timestamp(validity.retiredAt, `${where}.vacsrp.retiredAt`);
  if (retiredAt !== undefined && retiredAt.date <= activatedAt.date) {
    throw new Invalid(`${where}.vacsrp.retiredAt`, 'not after activatedAt');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: { ...jwk }, format: 'jwk' });
  } catch (err) {
    throw new Invalid(where, `not a usable public key (${(err as Error).message})`);
  }
  const vacsrp: KeyValidity =
    retiredAt === undefined
      ? { activatedAt: activatedAt.text }
      : { activatedAt: activatedAt.text, retiredAt: retiredAt.text };
  return {
    kid,
    alg,
    publicKey,
    jwk: { ...jwk, kid, alg, use: 'sig', vacsrp },
    activatedAt: activatedAt.date,
    ...(retiredAt === undefined ? {} : { retiredAt: retiredAt.date }),
  };
}

/** Whether the key may have signed something issued at `at`: activatedAt <= at < retiredAt. */
export function keyActiveAt(entry: KeyringEntry, at: Date): boolean {
  return entry.activatedAt <= at && (entry.retiredAt === undefined || at < entry.retiredAt);
}
