/** The AI bill of materials: CycloneDX 1.6 ML-BOM built, merged, rendered and validated (docs/bom.md). */
export { buildMlBom, CDX_SCHEMA_URL, dependencyPurl, licenseChoice, withSerialNumber } from './build.js';
export {
  BOM_LIMITS,
  type CollectedInputs,
  type CollectOptions,
  collectBomInputs,
  isExistingBomName,
  readBoundedText,
} from './collect.js';
export { isCroissant, parseCroissant } from './croissant.js';
export { type ManifestFacts, parseManifestFacts } from './manifest.js';
export { type MergeConflict, mergeBoms } from './merge.js';
export { type ModelCard, parseModelCard, parseModelConfig, splitFrontMatter } from './model-card.js';
export { renderBom } from './render.js';
export type {
  BomArtifact,
  BomInputs,
  BomProblem,
  BomProblemCode,
  CycloneDxBom,
  DatasetFact,
  MetricFact,
  ModelFacts,
} from './types.js';
export { canonicalSpdxId, isSpdxLicenseId, type SchemaProblem, validateBom } from './validate.js';
