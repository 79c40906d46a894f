export { canDerive, type Derivation, type DerivationReport, deriveAll } from './derive.js';
export type {
  CellInput,
  Contribution,
  Line,
  PublishedCell,
  PublishedView,
  SuppressionReason,
  ViewShape,
} from './model.js';
export { linesOf } from './model.js';
export {
  type AuditEntry,
  type DisclosureErrorCode,
  type DisclosureIssue,
  type ProtectResult,
  protectTables,
} from './protect.js';
export {
  type CellStats,
  cellStats,
  DEFAULT_DISCLOSURE_OPTIONS,
  type DisclosureOptions,
  type DominanceRule,
  failedDominance,
} from './rules.js';
