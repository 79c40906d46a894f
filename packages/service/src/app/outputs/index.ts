/** The program's outputs: public summaries, confidential report downloads, attestations, keys, registry. */
export {
  type AttestationStatus,
  type AttestationView,
  getAttestation,
  issueCompletionAttestation,
  MAX_REVOCATION_NOTE,
  REVOCATION_REASONS,
  type RevocationReason,
  revocationListDocument,
  revokeAttestation,
  subjectName,
} from './attestations.js';
export {
  buildConfidentialReview,
  type ConfidentialReviewData,
  criteriaVersion,
  latestRevision,
  publicCatalog,
} from './confidential.js';
export {
  DEFAULT_KEY_ALGORITHM,
  ensureCurrentKey,
  PROGRAM_KEY_ALGORITHMS,
  type ProgramKeyAlgorithm,
  type ProgramKeyView,
  programJwks,
  rotateProgramKey,
} from './keys.js';
export {
  REGISTRY_DEFAULT_LIMIT,
  REGISTRY_MAX_LIMIT,
  REGISTRY_MAX_QUERY,
  type RegistryEntry,
  type RegistryPage,
  type RegistryQuery,
  registryEntry,
  searchRegistry,
} from './registry.js';
export {
  downloadReport,
  REPORT_FORMATS,
  REPORT_MEDIA_TYPES,
  type ReportDownload,
  type ReportFormat,
} from './report.js';
export {
  ATTESTATION_VALIDITY_DAYS,
  configureProgramOrigin,
  DEFAULT_PROGRAM_URL,
  PROGRAM_NAME,
  programIdentity,
} from './settings.js';
export {
  APPROVABLE_STATES,
  approvedSummary,
  approvePublicSummary,
  type PublicSummaryView,
  previewPublicSummary,
  requireApprovedSummary,
} from './summary.js';
