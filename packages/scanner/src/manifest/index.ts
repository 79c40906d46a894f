export { isModelArtifact } from './artifacts.js';
export {
  applyDraftAnswers,
  type DraftAnswers,
  type DraftResult,
  draftManifest,
  type ManifestDraft,
  missingFields,
  REQUIRED_ANSWERS,
} from './draft.js';
export { MAX_MANIFEST_BYTES, parseManifest } from './parse.js';
export { serializeManifest } from './serialize.js';
export * from './types.js';
