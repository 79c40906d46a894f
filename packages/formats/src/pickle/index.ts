export { COMPAT_IMPORT_MAPPING, COMPAT_NAME_MAPPING, compatRewrite } from './compat.js';
export { dtypeInfo, type JoblibArrayInfo, joblibAfterBuild } from './joblib.js';
export { PICKLE_LIMITS, type PickleLimits, RetentionBudget } from './limits.js';
export {
  type AfterBuildHook,
  type AlternateStart,
  type HookContext,
  type PickleAnomaly,
  type PickleAnomalyCode,
  type PickleEnd,
  type PickleEvent,
  type PickleRunOptions,
  type PickleRunResult,
  runPickle,
} from './machine.js';
export { HIGHEST_PROTOCOL, OPCODE_BY_BYTE, OPCODES, type OpcodeName } from './opcodes.js';
export { StreamReader } from './reader.js';
export { type PickleStreamsOptions, type PickleStreamsResult, readPickleStreams } from './streams.js';
export { type CallValue, describeValue, type GlobalValue, qualifiedName, type Value } from './values.js';
