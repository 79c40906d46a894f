/** What the ONNX decoder returns: the parts of a ModelProto that matter for loading safely. */
import type { Anomaly } from '../anomaly.js';
import type { ProtobufAnomalyCode, ProtobufLimits } from '../protobuf/types.js';

export type OnnxAnomalyCode =
  | ProtobufAnomalyCode
  | 'MISSING_IR_VERSION'
  | 'MISSING_GRAPH'
  | 'LIMIT_NODES'
  | 'LIMIT_TENSORS'
  | 'LIMIT_GRAPH_DEPTH'
  | 'LIMIT_ENTRIES';
export type OnnxAnomaly = Anomaly<OnnxAnomalyCode>;

/** Where in the model something sits: `graph`, `graph/If_0.then_branch`, `function:custom.Foo`. */
export type OnnxScope = string;

export interface OnnxNode {
  readonly opType: string;
  /** As written; '' means the default domain ai.onnx. */
  readonly domain: string;
  readonly name: string;
  readonly scope: OnnxScope;
  readonly offset: number;
}

export interface OnnxEntry {
  readonly key: string;
  readonly value: string;
}

export type OnnxTensorKind = 'initializer' | 'sparse-initializer' | 'attribute';

/** A tensor's identity and storage (never its data). */
export interface OnnxTensor {
  readonly name: string;
  readonly kind: OnnxTensorKind;
  /** TensorProto.data_location: 0 DEFAULT, 1 EXTERNAL; undefined when absent. */
  readonly dataLocation: number | undefined;
  readonly externalData: readonly OnnxEntry[];
  readonly scope: OnnxScope;
  readonly offset: number;
}

export interface OnnxOpset {
  readonly domain: string;
  readonly version: number;
}

export interface OnnxFunction {
  readonly name: string;
  readonly domain: string;
  readonly opsetImports: readonly OnnxOpset[];
}

export interface OnnxModel {
  readonly irVersion: number | undefined;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly opsetImports: readonly OnnxOpset[];
  readonly hasGraph: boolean;
  readonly nodes: readonly OnnxNode[];
  readonly tensors: readonly OnnxTensor[];
  readonly functions: readonly OnnxFunction[];
  readonly metadataProps: readonly OnnxEntry[];
  readonly anomalies: readonly OnnxAnomaly[];
}

export interface OnnxLimits extends ProtobufLimits {
  /** Nodes kept across all graphs and functions (CWE-400). */
  readonly maxNodes: number;
  /** Tensors (initializers, attribute tensors) kept (CWE-400). */
  readonly maxTensors: number;
  /** Subgraphs inside node attributes (If/Loop/Scan), nested (CWE-674). */
  readonly maxGraphDepth: number;
  /** Key/value entries kept per tensor's external_data and per metadata_props (CWE-400). */
  readonly maxEntries: number;
}
