/** Signatures and attestations: OpenSSF model signing v1.0 (Sigstore bundle, DSSE, in-toto). */
export const ATTEST_PACKAGE = '@vacsrp/attest';

export {
  createDigestPool,
  DigestError,
  type DigestErrorCode,
  type DigestMode,
  type DigestPool,
  type DigestPoolOptions,
} from './digest/index.js';
export {
  BUNDLE_MEDIA_TYPE,
  type ParsedBundle,
  parseBundle,
  type VerificationMaterial,
} from './model-signing/bundle.js';
export { IN_TOTO_PAYLOAD_TYPE, pae } from './model-signing/dsse.js';
export {
  type KeyAlgorithm,
  keyAlgorithm,
  parseCertificatesPem,
  parsePublicKeyPem,
  publicKeyHint,
} from './model-signing/keys.js';
export { DEFAULT_LIMITS, type ModelSigningLimits } from './model-signing/limits.js';
export {
  DEFAULT_IGNORE_PATHS,
  DEFAULT_SHARD_SIZE,
  DEFAULT_SIGNATURE_NAME,
  hashModel,
  type Manifest,
  type ManifestOptions,
  type Resource,
  type Serialization,
  type SerializationMethod,
  subjectDigest,
} from './model-signing/manifest.js';
export {
  FAILURE_CODES,
  type Failure,
  type FailureCode,
  type FileDiscrepancies,
  type Result,
} from './model-signing/result.js';
export { parsePrivateKeyPem, type SignedModel, signModel } from './model-signing/sign.js';
export { parseTrustedRoot, type SigstorePolicy } from './model-signing/sigstore.js';
export {
  buildStatement,
  type ModelStatement,
  PREDICATE_TYPE,
  parseStatement,
  STATEMENT_TYPE,
} from './model-signing/statement.js';
export {
  defaultSignaturePath,
  readBounded,
  type TrustPolicy,
  type VerifiedModel,
  type VerifyOptions,
  type VerifyResult,
  verifyModel,
} from './model-signing/verify.js';
// Program completion attestations (docs/attestations.md).
export * from './program/index.js';
