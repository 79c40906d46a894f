export { ProtoReader } from './reader.js';
export { scanTopLevelStream, type TopLevelFields } from './stream.js';
export {
  PROTOBUF_ANOMALY_CODES,
  PROTOBUF_LIMITS,
  PROTOBUF_STRUCTURAL_CODES,
  type ProtobufAnomaly,
  type ProtobufAnomalyCode,
  type ProtobufLimits,
  type ProtoField,
  type WireType,
} from './types.js';
