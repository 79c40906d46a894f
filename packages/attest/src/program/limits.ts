/** Named limits on everything an attacker controls in an attestation, a revocation list or a JWKS. */

export interface AttestationLimits {
  /** Bytes of a DSSE envelope (attestation) read and parsed (CWE-400: memory). */
  readonly maxEnvelopeBytes: number;
  /** Signatures in one envelope (CWE-770: each costs a verification). */
  readonly maxSignatures: number;
  /** Subjects (artifacts plus the model-signing manifest) in a statement (CWE-770). */
  readonly maxSubjects: number;
  /** Criterion outcomes in a statement (CWE-770). */
  readonly maxCriteria: number;
  /** Accepted risks in a statement (CWE-770). */
  readonly maxAcceptedRisks: number;
  /** UTF-8 bytes of a subject name, a relative path (CWE-400; PATH_MAX on Linux is 4096). */
  readonly maxPathBytes: number;
  /** UTF-8 bytes of an id, name, version or URL (CWE-400). */
  readonly maxStringBytes: number;
  /** UTF-8 bytes of free text: a risk justification, a revocation note (CWE-400). */
  readonly maxTextBytes: number;
  /** Bytes of a JWKS document (CWE-400). */
  readonly maxJwksBytes: number;
  /** Keys in a JWKS (CWE-770: a key without keyid is tried against each). */
  readonly maxKeys: number;
  /** Bytes of a signed revocation list (CWE-400). */
  readonly maxRevocationListBytes: number;
  /** Entries in a revocation list (CWE-770). */
  readonly maxRevocations: number;
}

export const DEFAULT_ATTESTATION_LIMITS: AttestationLimits = {
  maxEnvelopeBytes: 4 * 1024 * 1024,
  maxSignatures: 4,
  maxSubjects: 10_000,
  maxCriteria: 1_000,
  maxAcceptedRisks: 1_000,
  maxPathBytes: 4096,
  maxStringBytes: 1024,
  maxTextBytes: 8192,
  maxJwksBytes: 256 * 1024,
  maxKeys: 64,
  maxRevocationListBytes: 16 * 1024 * 1024,
  maxRevocations: 100_000,
};

export function resolveAttestationLimits(
  overrides: Partial<AttestationLimits> | undefined,
): AttestationLimits {
  return { ...DEFAULT_ATTESTATION_LIMITS, ...overrides };
}
