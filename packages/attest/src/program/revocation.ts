/**
 * The program's revocation list: a DSSE-signed, canonical JSON document listing revoked attestation
 * ids with the time each revocation takes effect and why. Signed by a program key from the same
 * JWKS as the attestations (its own payloadType, so neither document can pass for the other).
 */

import { canonicalBytes, decodeJsonPayload, sameBytes } from './canonical.js';
import {
  array,
  ascending,
  compareStrings,
  formatTime,
  httpsUrl,
  ID,
  Invalid,
  object,
  oneOf,
  string,
  timestamp,
} from './check.js';
import { parseEnvelope, serializeEnvelope, signEnvelope, verifyEnvelopeSignature } from './envelope.js';
import { type Keyring, keyActiveAt, type ProgramSigningKey } from './keys.js';
import type { AttestationLimits } from './limits.js';
import { type InputResult, inputFailure, type RevocationListFailureCode } from './result.js';

export const REVOCATION_PAYLOAD_TYPE = 'application/vnd.vacsrp.revocations+json';
/** `_type` of revocation list version 1. */
export const REVOCATION_LIST_TYPE = 'https://vacsrp.example.gov/attestation/revocations/v1';

export const REVOCATION_REASONS = [
  /** A newer attestation (a later revision) replaces this one. */
  'superseded',
  /** The signing key was compromised; revokedAt is the earliest possible compromise. */
  'key-compromise',
  /** Issued by mistake (wrong submission, wrong outcome). */
  'issued-in-error',
  /** The developer withdrew from the program or the model from the market. */
  'withdrawn',
  /** Facts found after issue contradict the attested outcomes (misrepresentation, undisclosed risk). */
  'criteria-violation',
  'other',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface RevocationEntry {
  readonly attestationId: string;
  /** From this time on the attestation is revoked (verification at an earlier time is unaffected). */
  readonly revokedAt: string;
  readonly reason: RevocationReason;
  /** Plain words for the public, optional. */
  readonly note?: string;
}

export interface RevocationList {
  readonly _type: typeof REVOCATION_LIST_TYPE;
  readonly program: { readonly name: string; readonly url: string };
  readonly issuedAt: string;
  /** Sorted by attestation id, each id at most once. */
  readonly revoked: readonly RevocationEntry[];
}

export interface RevocationListInput {
  readonly program: { readonly name: string; readonly url: string };
  readonly issuedAt: Date;
  readonly revoked: readonly {
    readonly attestationId: string;
    readonly revokedAt: Date;
    readonly reason: RevocationReason;
    readonly note?: string;
  }[];
}

export function buildRevocationList(
  input: RevocationListInput,
  limits: AttestationLimits,
): InputResult<{ list: RevocationList; payload: Uint8Array }> {
  let payload: Uint8Array;
  try {
    const draft: RevocationList = {
      _type: REVOCATION_LIST_TYPE,
      program: { name: input.program.name, url: input.program.url },
      issuedAt: formatTime(input.issuedAt),
      revoked: input.revoked
        .map((r) => ({
          attestationId: r.attestationId,
          revokedAt: formatTime(r.revokedAt),
          reason: r.reason,
          ...(r.note === undefined ? {} : { note: r.note }),
        }))
        .sort((a, b) => compareStrings(a.attestationId, b.attestationId)),
    };
    payload = canonicalBytes(draft);
  } catch (err) {
    if (err instanceof Invalid) return inputFailure('INVALID_INPUT', err.message, err.field);
    if (err instanceof TypeError) return inputFailure('INVALID_INPUT', err.message);
    throw err;
  }
  const checked = parseRevocationList(payload, limits);
  if (!checked.ok) return inputFailure('INVALID_INPUT', checked.message, checked.field);
  return { ok: true, list: checked.list, payload };
}

/** Builds and signs the list; the result is the envelope text to publish at /.well-known/vacsrp/revocations.json. */
export function signRevocationList(
  input: RevocationListInput,
  key: ProgramSigningKey,
  limits: AttestationLimits,
): InputResult<{ list: RevocationList; envelope: string }> {
  const built = buildRevocationList(input, limits);
  if (!built.ok) return built;
  return {
    ok: true,
    list: built.list,
    envelope: serializeEnvelope(signEnvelope(REVOCATION_PAYLOAD_TYPE, built.payload, key)),
  };
}

export type RevocationListParse =
  | { readonly ok: true; readonly list: RevocationList }
  | { readonly ok: false; readonly message: string; readonly field: string };

export function parseRevocationList(payload: Uint8Array, limits: AttestationLimits): RevocationListParse {
  const decoded = decodeJsonPayload(payload, 'revocation list');
  if (!decoded.ok) return decoded;
  const json = decoded.json;
  let list: RevocationList;
  try {
    const o = object(json, '$', ['_type', 'program', 'issuedAt', 'revoked']);
    if (o._type !== REVOCATION_LIST_TYPE) throw new Invalid('_type', `expected ${REVOCATION_LIST_TYPE}`);
    const program = object(o.program, 'program', ['name', 'url']);
    const idRule = { maxBytes: Math.min(limits.maxStringBytes, 128), pattern: ID, describe: 'an identifier' };
    const revoked = array(o.revoked, 'revoked', limits.maxRevocations).map((r, i): RevocationEntry => {
      const where = `revoked[${i}]`;
      const e = object(r, where, ['attestationId', 'revokedAt', 'reason'], ['note']);
      const entry = {
        attestationId: string(e.attestationId, `${where}.attestationId`, idRule),
        revokedAt: timestamp(e.revokedAt, `${where}.revokedAt`).text,
        reason: oneOf(e.reason, `${where}.reason`, REVOCATION_REASONS),
      };
      return e.note === undefined
        ? entry
        : {
            ...entry,
            note: string(e.note, `${where}.note`, { maxBytes: limits.maxTextBytes, multiline: true }),
          };
    });
    ascending(
      revoked,
      'revoked',
      (a, b) => compareStrings(a.attestationId, b.attestationId),
      'attestationId',
    );
    list = {
      _type: REVOCATION_LIST_TYPE,
      program: {
        name: string(program.name, 'program.name', { maxBytes: limits.maxStringBytes }),
        url: httpsUrl(program.url, 'program.url', limits.maxStringBytes),
      },
      issuedAt: timestamp(o.issuedAt, 'issuedAt').text,
      revoked,
    };
  } catch (err) {
    if (err instanceof Invalid)
      return { ok: false, field: err.field, message: `revocation list ${err.message}` };
    throw err;
  }
  if (!sameBytes(canonicalBytes(list), payload)) {
    return { ok: false, field: 'payload', message: 'revocation list is not canonical JSON (RFC 8785)' };
  }
  return { ok: true, list };
}

export type RevocationListResult =
  | { readonly ok: true; readonly list: RevocationList; readonly kid: string }
  | { readonly ok: false; readonly code: RevocationListFailureCode; readonly message: string };

/**
 * Verifies a signed revocation list against the program keyring: the DSSE signature, then the list,
 * then that the signing key was active when the list was issued. A list that fails any step must
 * not be used, in either direction (neither to revoke nor to vouch).
 */
export function verifyRevocationList(
  bytes: Uint8Array,
  keyring: Keyring,
  limits: AttestationLimits,
): RevocationListResult {
  const env = parseEnvelope(bytes, REVOCATION_PAYLOAD_TYPE, limits.maxRevocationListBytes, limits);
  if (!env.ok) return { ok: false, code: 'MALFORMED', message: env.message };
  const signed = verifyEnvelopeSignature(env.envelope, keyring);
  if (!signed.ok) return { ok: false, code: signed.code, message: signed.message };
  const parsed = parseRevocationList(env.envelope.payload, limits);
  if (!parsed.ok) return { ok: false, code: 'MALFORMED', message: parsed.message };
  if (!keyActiveAt(signed.key, new Date(parsed.list.issuedAt))) {
    return {
      ok: false,
      code: 'KEY_INACTIVE',
      message: `the list was issued at ${parsed.list.issuedAt}, outside the active period of key ${signed.key.kid}`,
    };
  }
  return { ok: true, list: parsed.list, kid: signed.key.kid };
}
