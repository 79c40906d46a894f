/**
 * Outcomes of program-attestation verification and of building program documents. A failed
 * verification is a value with exactly one code from a closed list; only faults of the environment
 * (unreadable disk, bugs) throw. Codes are quoted by the CLI, the service and docs/attestations.md:
 * never reuse or rename one.
 */

/** Why an attestation does not verify, in the order the checks run (docs/attestations.md). */
export const ATTESTATION_FAILURE_CODES = [
  /** Not JSON, wrong shape, wrong payloadType/_type/predicateType, not canonical, or a size/count limit exceeded. */
  'MALFORMED',
  /** No signature names (or, without a keyid, verifies with) a key in the JWKS. */
  'UNKNOWN_KEY',
  /** A known key is named but its signature does not verify over PAE(payloadType, payload). */
  'BAD_SIGNATURE',
  /** The signing key is in the JWKS but was not active at the statement's issuedAt (before activation or after retirement). */
  'KEY_INACTIVE',
  /** A revocation list was handed in but cannot be trusted (malformed, unknown key, bad signature, inactive key). */
  'REVOCATION_LIST_INVALID',
  /** The attestation id is on the (verified) revocation list with a revocation time at or before the verification time. */
  'REVOKED',
  /** The verification time is before the statement's issuedAt. */
  'NOT_YET_VALID',
  /** The verification time is at or after the statement's expiresAt. */
  'EXPIRED',
  /** At least one local file has another SHA-256 than its subject (every mismatch and missing file is listed). */
  'DIGEST_MISMATCH',
  /** No digest mismatch, but at least one subject has no regular file of that name in the artifact directory. */
  'MISSING_ARTIFACT',
] as const;

export type AttestationFailureCode = (typeof ATTESTATION_FAILURE_CODES)[number];

/** One subject that does not match the local artifacts. */
export interface ArtifactProblem {
  readonly name: string;
  readonly problem: 'digest-mismatch' | 'missing';
  /** The subject's SHA-256 (lower-case hex). */
  readonly expected: string;
  /** The local file's SHA-256, for a digest mismatch. */
  readonly actual?: string;
}

/** Why a revocation list was not trusted (a subset of the attestation codes, applied to the list). */
export type RevocationListFailureCode = 'MALFORMED' | 'UNKNOWN_KEY' | 'BAD_SIGNATURE' | 'KEY_INACTIVE';

export interface AttestationFailure {
  readonly ok: false;
  readonly code: AttestationFailureCode;
  /** One human-readable sentence naming the field, key, file or list at fault. */
  readonly message: string;
  /** JSON path of the offending field, for MALFORMED. */
  readonly field?: string;
  /** The attestation id, once the statement has been read from a verified signature. */
  readonly attestationId?: string;
  /** For DIGEST_MISMATCH and MISSING_ARTIFACT: every problem found, in subject order. */
  readonly artifacts?: readonly ArtifactProblem[];
  /** For REVOCATION_LIST_INVALID: why the list was not trusted. */
  readonly revocationList?: { readonly code: RevocationListFailureCode; readonly message: string };
  /** For REVOKED: the revocation entry. */
  readonly revocation?: {
    readonly revokedAt: string;
    readonly reason: string;
    readonly note?: string;
  };
}

/** Failures of building or loading program inputs (statement input, keys, JWKS): the caller's data is wrong. */
export const PROGRAM_INPUT_CODES = [
  /** The attestation or revocation input breaks a rule of the format (docs/attestations.md). */
  'INVALID_INPUT',
  /** A private or public key cannot be used (not PEM, not Ed25519 / P-256, wrong type). */
  'INVALID_KEY',
  /** A JWKS document is not a valid program key set. */
  'INVALID_JWKS',
] as const;

export type ProgramInputCode = (typeof PROGRAM_INPUT_CODES)[number];

export interface ProgramInputFailure {
  readonly ok: false;
  readonly code: ProgramInputCode;
  readonly message: string;
  readonly field?: string;
}

export type InputResult<T> = ({ readonly ok: true } & T) | ProgramInputFailure;

export const inputFailure = (code: ProgramInputCode, message: string, field?: string): ProgramInputFailure =>
  field === undefined ? { ok: false, code, message } : { ok: false, code, message, field };
