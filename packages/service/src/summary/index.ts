export type {
  AcceptedRisk,
  ConfidentialFinding,
  ConfidentialReview,
  CriterionOutcome,
  CriterionResult,
  Evidence,
  FamilyOutcome,
  FindingStatus,
  PublicCatalog,
  PublicSummary,
  Severity,
  VulnerabilityClass,
} from './model.js';
export { SEVERITIES } from './model.js';
export { MAX_PUBLIC_TEXT, publicName, SCRUB_MARKER, scrubText } from './scrub.js';
export { familyOutcome, summariseReview } from './summarise.js';
