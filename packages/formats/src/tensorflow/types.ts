/** What the TensorFlow decoders return: every node of every graph and function, with the attributes that name files. */
import type { Anomaly } from '../anomaly.js';
import type { ProtobufAnomalyCode, ProtobufLimits } from '../protobuf/types.js';

export type TfAnomalyCode =
  | ProtobufAnomalyCode
  | 'MISSING_META_GRAPH'
  | 'MISSING_GRAPH_DEF'
  | 'NODE_WITHOUT_OP'
  | 'LIMIT_NODES'
  | 'LIMIT_VALUES'
  | 'TEXT_SYNTAX';
export type TfAnomaly = Anomaly<TfAnomalyCode>;

/** An attribute's string-like content: `s`, `list.s`, a tensor's `string_val`, function names. */
export interface TfAttr {
  readonly strings: readonly string[];
  readonly funcs: readonly string[];
}

export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Inputs as written: `node`, `node:1`, `^control`, `fn_node:output:0`. */
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, TfAttr>>;
  /** `graph`, `meta_graphs[0]`, `function:NAME`. Input names resolve within one scope. */
  readonly scope: string;
  readonly offset: number;
}

export type TfGraphKind = 'saved-model' | 'graph-def' | 'graph-def-text';

export interface TfGraphModel {
  readonly kind: TfGraphKind;
  /** SavedModel: meta graphs seen, and how many had a graph_def. */
  readonly metaGraphs: number;
  readonly graphDefs: number;
  readonly nodes: readonly TfNode[];
  /** Names of library functions (FunctionDef.signature.name). */
  readonly functions: readonly string[];
  readonly anomalies: readonly TfAnomaly[];
}

export interface TfLimits extends ProtobufLimits {
  /** Nodes kept across graphs and functions (CWE-400). */
  readonly maxNodes: number;
  /** Strings kept per attribute (a vocabulary constant may hold millions) (CWE-400). */
  readonly maxAttrStrings: number;
  /** Inputs kept per node (CWE-400). */
  readonly maxInputs: number;
  /** Bytes of a .pbtxt text graph read (the text reader holds it in memory) (CWE-400). */
  readonly maxTextBytes: number;
}
