export type { ProgressEvent, ScanOptions } from './api.js';
export * from './bom/index.js';
export { type Analysis, analyse, type ScanState, type Target } from './checks/artifact.js';
export { type Content, sourceContent, streamContent } from './checks/content.js';
export { manifestFindings } from './checks/manifest.js';
export * from './criteria/index.js';
export { type DemoFile, demoFiles } from './demo-files.js';
export {
  atLeast,
  compareFindings,
  type Evidence,
  type Finding,
  type FindingLocation,
  formatLocation,
  makeFinding,
  type Reference,
  SEVERITIES,
  SEVERITY_RANK,
  type Severity,
} from './findings.js';
export {
  LIMIT_NAMES,
  LimitError,
  type LimitName,
  resolveLimits,
  SCAN_LIMITS,
  type ScanLimits,
} from './limits.js';
export * from './manifest/index.js';
export {
  BUILTIN_POLICY,
  loadPolicyFile,
  mergePolicies,
  Policy,
  type PolicyContext,
  type PolicyData,
  PolicyError,
  type PolicyErrorCode,
  validatePolicy,
} from './policy/policy.js';
export { renderJson, toJsonReport } from './report/json.js';
export { renderSarif } from './report/sarif.js';
export { escapeTerminal, renderText, type TextOptions } from './report/text.js';
export type { ArtifactRecord, ArtifactStatus, ScanReport, ScanSummary, ToolInfo } from './report/types.js';
export { REPORT_SCHEMA_ID, REPORT_SCHEMA_VERSION } from './report/types.js';
export { MANIFEST_RULES } from './rules/manifest.js';
export { RULE_IDS, RULES, type RuleDefinition, type RuleId } from './rules/registry.js';
export { scan, summarise } from './scan.js';
export * from './supply/index.js';
export { VERSION } from './version.js';
export { checkRoots, WalkError, walkRoots } from './walk/walk.js';
export { writeFileAtomic } from './write-atomic.js';
