export {
  KERAS_JSON_ANOMALY_CODES,
  type KerasJsonAnomaly,
  type KerasJsonAnomalyCode,
  type KerasJsonLimits,
  type KerasJsonObject,
  type KerasJsonResult,
  type KerasJsonValue,
  parseKerasJson,
} from './json.js';
export { KERAS_LIMITS } from './limits.js';
export {
  classifyPathString,
  type KerasConfigInventory,
  type KerasLambdaCode,
  type KerasObjectRef,
  type KerasPathString,
  type KerasTorchModule,
  type KerasWalkOptions,
  type PathReach,
  walkKerasConfig,
} from './walk.js';
