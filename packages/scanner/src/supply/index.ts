/** Supply-chain vetting: the dependency inventory and the offline OSV advisory database. */
export {
  ADVISORY_STORE_FORMAT,
  type AdvisoryDatabase,
  AdvisoryError,
  type AdvisoryErrorCode,
  advisoryRecords,
  type ImportSummary,
  importAdvisories,
  type ListedAdvisory,
  listAdvisories,
  loadAdvisoryDatabase,
  memoryAdvisoryDatabase,
} from './database.js';
export { inventoryOf, parseDependencyFile } from './inventory.js';
export { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
export { type AdvisoryMatch, matchComponents } from './match.js';
export { dependencyFileKind, normalisePyPIName } from './names.js';
export { type AdvisoryRecord, normaliseAdvisory, validateOsv } from './osv.js';
export type {
  Component,
  DependencyFileKind,
  DependencyInventory,
  DependencyProblem,
  Ecosystem,
} from './types.js';
export { inRange, isAffected, mayBeAffected } from './versions.js';
