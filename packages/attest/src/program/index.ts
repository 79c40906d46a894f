/** Program completion attestations: issue, publish keys, revoke, verify offline (docs/attestations.md). */
export { hashArtifacts, verifyAttestationFiles } from './artifacts.js';
export { canonicalJson } from './canonical.js';
export {
  type DsseEnvelope,
  type DsseSignature,
  type ParsedEnvelope,
  parseEnvelope,
  serializeEnvelope,
  signEnvelope,
  verifyEnvelopeSignature,
} from './envelope.js';
export { type IssuedAttestation, issueAttestation } from './issue.js';
export {
  buildJwks,
  generateProgramKey,
  jwkThumbprint,
  type Keyring,
  type KeyringEntry,
  type KeyValidity,
  keyActiveAt,
  loadSigningKey,
  PROGRAM_KEY_ALGORITHMS,
  type ProgramJwk,
  type ProgramJwks,
  type ProgramKeyAlgorithm,
  type ProgramKeyPair,
  type ProgramPublicJwk,
  type ProgramSigningKey,
  type PublishedKey,
  parseJwks,
  publicJwkOf,
} from './keys.js';
export { type AttestationLimits, DEFAULT_ATTESTATION_LIMITS, resolveAttestationLimits } from './limits.js';
export {
  type ArtifactProblem,
  ATTESTATION_FAILURE_CODES,
  type AttestationFailure,
  type AttestationFailureCode,
  type InputResult,
  PROGRAM_INPUT_CODES,
  type ProgramInputCode,
  type ProgramInputFailure,
  type RevocationListFailureCode,
} from './result.js';
export {
  buildRevocationList,
  parseRevocationList,
  REVOCATION_LIST_TYPE,
  REVOCATION_PAYLOAD_TYPE,
  REVOCATION_REASONS,
  type RevocationEntry,
  type RevocationList,
  type RevocationListInput,
  type RevocationListResult,
  type RevocationReason,
  signRevocationList,
  verifyRevocationList,
} from './revocation.js';
export { COMPLETION_STATEMENT_SCHEMA } from './schema.js';
export {
  type AcceptedRisk,
  artifactSubjects,
  buildCompletionStatement,
  COMPLETION_PREDICATE_TYPE,
  type CompletionInput,
  type CompletionPredicate,
  type CompletionStatement,
  type CompletionSubject,
  CRITERION_OUTCOMES,
  type CriterionOutcome,
  type CriterionResult,
  MODEL_SIGNING_SUBJECT_KIND,
  parseCompletionStatement,
  RISK_SEVERITIES,
  type RiskSeverity,
  STATEMENT_V1_TYPE,
} from './statement.js';
export {
  type LocalArtifact,
  matchArtifacts,
  type VerifiedAttestation,
  type VerifyAttestationOptions,
  type VerifyAttestationResult,
  verifyAttestation,
} from './verify.js';
