/** Protobuf wire format: field headers, anomalies and the limits that bound a decode. */
import type { Anomaly } from '../anomaly.js';

/** Wire types (0 varint, 1 fixed64, 2 length-delimited, 3/4 groups, 5 fixed32). */
export type WireType = 0 | 1 | 2 | 3 | 4 | 5;

export const PROTOBUF_ANOMALY_CODES = [
  'VARINT_TOO_LONG',
  'INVALID_TAG',
  'INVALID_WIRE_TYPE',
  'GROUP_WIRE_TYPE',
  'TRUNCATED',
  'WRONG_WIRE_TYPE',
  'INVALID_UTF8',
  'STRING_TRUNCATED',
  'LIMIT_DEPTH',
  'LIMIT_FIELDS',
] as const;
export type ProtobufAnomalyCode = (typeof PROTOBUF_ANOMALY_CODES)[number];
export type ProtobufAnomaly = Anomaly<ProtobufAnomalyCode>;

/** Codes that mean the bytes are not a well-formed protobuf message (as opposed to a limit or a note). */
export const PROTOBUF_STRUCTURAL_CODES: ReadonlySet<ProtobufAnomalyCode> = new Set([
  'VARINT_TOO_LONG',
  'INVALID_TAG',
  'INVALID_WIRE_TYPE',
  'GROUP_WIRE_TYPE',
  'TRUNCATED',
]);

/** One field as the wire declares it; payloads are not read until asked for. */
export interface ProtoField {
  readonly number: number;
  readonly wire: WireType;
  /** Offset of the tag. */
  readonly offset: number;
  /** Varint value (wire type 0); exact up to 2^53. */
  readonly varint: number;
  /** Payload range: the bytes of a length-delimited field, or the 4/8 bytes of a fixed field. */
  readonly start: number;
  readonly end: number;
}

export interface ProtobufLimits {
  /** Nested messages (CWE-674: recursion; libprotobuf's default recursion limit is 100). */
  readonly maxDepth: number;
  /** Bytes kept of one string field; longer ones are cut and reported (CWE-400). */
  readonly maxStringBytes: number;
  /** Field headers visited per decode (CWE-834: time bound on graphs with millions of entries). */
  readonly maxFields: number;
  /** Anomalies kept per decode; a file can repeat one fault without end (CWE-400). */
  readonly maxAnomalies: number;
}

export const PROTOBUF_LIMITS: ProtobufLimits = {
  maxDepth: 100,
  maxStringBytes: 64 * 1024,
  maxFields: 50_000_000,
  maxAnomalies: 1000,
};
