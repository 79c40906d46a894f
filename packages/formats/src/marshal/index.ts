export { type CodeInventory, inventoryMarshalledCode } from './inventory.js';
export { readMarshal } from './reader.js';
export {
  type CodeLayout,
  LAYOUT_VERSIONS,
  MARSHAL_ANOMALY_CODES,
  MARSHAL_LIMITS,
  type MarshalAnomaly,
  type MarshalAnomalyCode,
  type MarshalCode,
  type MarshalLimits,
  type MarshalResult,
  type MarshalValue,
} from './types.js';
