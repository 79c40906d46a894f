/**
 * Outcomes of signing and verification. An expected failure (a changed file, a bad signature, an
 * untrusted certificate) is a value with a code from this closed list; only faults of the environment
 * (unreadable disk, bugs) throw. Codes are quoted by reports: never reuse or rename one.
 */

export const FAILURE_CODES = [
  /** model.sig (or another input file) is larger than its limit. */
  'LIMIT_EXCEEDED',
  /** model.sig is not JSON or not a Sigstore bundle v0.3 with one DSSE signature. */
  'BUNDLE_MALFORMED',
  /** The DSSE payload is not an in-toto Statement v1 with a valid model-signing v1.0 predicate. */
  'PAYLOAD_MALFORMED',
  /** A predicate type, hash type, serialization method or key type this verifier does not support. */
  'UNSUPPORTED',
  /** A key, certificate or trusted root handed in by the caller cannot be parsed. */
  'TRUST_INPUT_INVALID',
  /** The bundle's verification material does not fit the chosen method or does not match the key. */
  'KEY_MISMATCH',
  /** The DSSE signature does not verify over PAE(payloadType, payload). */
  'SIGNATURE_INVALID',
  /** The signing certificate does not chain to the given trust anchors (or is outside its validity). */
  'CERTIFICATE_UNTRUSTED',
  /** Sigstore verification (Fulcio chain, SCT, Rekor entry, timestamps) failed. */
  'SIGSTORE_INVALID',
  /** The certificate's identity or OIDC issuer is not the expected one. */
  'IDENTITY_MISMATCH',
  /** The subject digest is not the SHA-256 over the resource digests. */
  'SUBJECT_DIGEST_MISMATCH',
  /** A file listed in the signature is missing on disk. */
  'FILE_MISSING',
  /** A file on disk (not ignored) is not listed in the signature. */
  'FILE_UNEXPECTED',
  /** A file on disk has a different digest than the signature lists. */
  'FILE_MODIFIED',
  /** A symbolic link was found and links are not allowed, or it leaves the model root. */
  'SYMLINK_REFUSED',
  /** A path is not a regular file or directory (FIFO, socket, device), or is not a valid resource name. */
  'PATH_REFUSED',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Failure {
  readonly ok: false;
  readonly code: FailureCode;
  /** One human-readable sentence naming the field, file or certificate at fault. */
  readonly reason: string;
  /** For file-level failures: every discrepancy found (each list bounded). */
  readonly files?: FileDiscrepancies;
}

export interface FileDiscrepancies {
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly modified: readonly string[];
}

export type Result<T> = ({ readonly ok: true } & T) | Failure;

export const fail = (code: FailureCode, reason: string, files?: FileDiscrepancies): Failure =>
  files === undefined ? { ok: false, code, reason } : { ok: false, code, reason, files };

/** Thrown inside a module to stop early with a failure value; converted back at the API boundary. */
export class Stop extends Error {
  constructor(readonly failure: Failure) {
    super(failure.reason);
    this.name = 'Stop';
  }
}
