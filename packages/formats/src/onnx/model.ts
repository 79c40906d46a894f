/**
 * ONNX ModelProto decoder (onnx.proto, IR versions 3-11). Walks the main graph, subgraphs held in
 * node attributes (If/Loop/Scan, at any depth), training graphs and model-local functions; keeps
 * node operators and tensor storage (name, data_location, external_data), skips tensor data.
 */
import {
  PROTOBUF_LIMITS,
  PROTOBUF_STRUCTURAL_CODES,
  type ProtoField,
  ProtoReader,
} from '../protobuf/index.js';
import type { ByteSource } from '../source.js';
import type {
  OnnxAnomaly,
  OnnxEntry,
  OnnxFunction,
  OnnxLimits,
  OnnxModel,
  OnnxNode,
  OnnxOpset,
  OnnxScope,
  OnnxTensor,
  OnnxTensorKind,
} from './types.js';

export const ONNX_LIMITS: OnnxLimits = {
  ...PROTOBUF_LIMITS,
  maxNodes: 2_000_000,
  maxTensors: 2_000_000,
  maxGraphDepth: 64,
  maxEntries: 10_000,
};

class Decoder {
  readonly nodes: OnnxNode[] = [];
  readonly tensors: OnnxTensor[] = [];
  readonly extra: OnnxAnomaly[] = [];
  private nodeCount = 0;
  private tensorCount = 0;

  constructor(
    readonly r: ProtoReader,
    readonly limits: OnnxLimits,
  ) {}

  note(a: OnnxAnomaly): void {
    if (!this.extra.some((e) => e.code === a.code)) this.extra.push(a);
  }

  async string(f: ProtoField, field: string): Promise<string | undefined> {
    return this.r.expect(f, 2, field) ? this.r.string(f, field) : undefined;
  }

  async entry(f: ProtoField, depth: number, field: string): Promise<OnnxEntry | undefined> {
    if (!this.r.expect(f, 2, field)) return undefined;
    let key = '';
    let value = '';
    for await (const e of this.r.fields(f.start, f.end, depth, field)) {
      if (e.number === 1) key = (await this.string(e, `${field}.key`)) ?? key;
      else if (e.number === 2) value = (await this.string(e, `${field}.value`)) ?? value;
    }
    return { key, value };
  }

  async opset(f: ProtoField, depth: number): Promise<OnnxOpset | undefined> {
    if (!this.r.expect(f, 2, 'opset_import')) return undefined;
    let domain = '';
    let version = 0;
    for await (const e of this.r.fields(f.start, f.end, depth, 'OperatorSetIdProto')) {
      if (e.number === 1) domain = (await this.string(e, 'opset_import.domain')) ?? domain;
      else if (e.number === 2 && this.r.expect(e, 0, 'opset_import.version')) version = e.varint;
    }
    return { domain, version };
  }

  async graph(f: ProtoField, depth: number, graphDepth: number, scope: OnnxScope): Promise<void> {
    if (!this.r.expect(f, 2, `${scope} graph`)) return;
    if (graphDepth > this.limits.maxGraphDepth) {
      this.note({
        code: 'LIMIT_GRAPH_DEPTH',
        message: `subgraphs nested ${graphDepth} deep at ${scope}`,
        offset: f.offset,
        limit: this.limits.maxGraphDepth,
        actual: graphDepth,
      });
      return;
    }
    for await (const e of this.r.fields(f.start, f.end, depth, 'GraphProto')) {
      if (e.number === 1) await this.node(e, depth + 1, graphDepth, scope);
      else if (e.number === 5) await this.tensor(e, depth + 1, scope, 'initializer');
      else if (e.number === 15) await this.sparse(e, depth + 1, scope);
    }
  }

  async node(f: ProtoField, depth: number, graphDepth: number, scope: OnnxScope): Promise<void> {
    if (!this.r.expect(f, 2, 'node')) return;
    let opType = '';
    let domain = '';
    let name = '';
    const attributes: ProtoField[] = [];
    for await (const e of this.r.fields(f.start, f.end, depth, 'NodeProto')) {
      if (e.number === 4) opType = (await this.string(e, 'node.op_type')) ?? opType;
      else if (e.number === 7) domain = (await this.string(e, 'node.domain')) ?? domain;
      else if (e.number === 3) name = (await this.string(e, 'node.name')) ?? name;
      else if (e.number === 5) attributes.push(e);
    }
    if (++this.nodeCount > this.limits.maxNodes) {
      this.note({
        code: 'LIMIT_NODES',
        message: 'too many nodes to keep',
        offset: f.offset,
        limit: this.limits.maxNodes,
      });
    } else this.nodes.push({ opType, domain, name, scope, offset: f.offset });
    const label = name || opType || `node@${f.offset}`;
    for (const a of attributes) await this.attribute(a, depth + 1, graphDepth, `${scope}/${label}`);
  }

  /** AttributeProto: subgraphs (g, graphs) and tensors (t, tensors, sparse_tensor(s)). */
  async attribute(f: ProtoField, depth: number, graphDepth: number, scope: OnnxScope): Promise<void> {
    if (!this.r.expect(f, 2, 'attribute')) return;
    let name = '';
    const inner: ProtoField[] = [];
    for await (const e of this.r.fields(f.start, f.end, depth, 'AttributeProto')) {
      if (e.number === 1) name = (await this.string(e, 'attribute.name')) ?? name;
      else if ([5, 6, 10, 11, 22, 23].includes(e.number)) inner.push(e);
    }
    const at = `${scope}.${name || `attribute@${f.offset}`}`;
    for (const e of inner) {
      if (e.number === 6 || e.number === 11) await this.graph(e, depth + 1, graphDepth + 1, at);
      else if (e.number === 5 || e.number === 10) await this.tensor(e, depth + 1, at, 'attribute');
      else await this.sparse(e, depth + 1, at);
    }
  }

  async sparse(f: ProtoField, depth: number, scope: OnnxScope): Promise<void> {
    if (!this.r.expect(f, 2, 'sparse tensor')) return;
    for await (const e of this.r.fields(f.start, f.end, depth, 'SparseTensorProto')) {
      // values (1) and indices (2) are TensorProtos and may each live in external data.
      if (e.number === 1 || e.number === 2) await this.tensor(e, depth + 1, scope, 'sparse-initializer');
    }
  }

  async tensor(f: ProtoField, depth: number, scope: OnnxScope, kind: OnnxTensorKind): Promise<void> {
    if (!this.r.expect(f, 2, 'tensor')) return;
    let name = '';
    let dataLocation: number | undefined;
    const externalData: OnnxEntry[] = [];
    for await (const e of this.r.fields(f.start, f.end, depth, 'TensorProto')) {
      if (e.number === 8) name = (await this.string(e, 'tensor.name')) ?? name;
      else if (e.number === 14 && this.r.expect(e, 0, 'tensor.data_location')) dataLocation = e.varint;
      else if (e.number === 13) {
        if (externalData.length >= this.limits.maxEntries) {
          this.note({
            code: 'LIMIT_ENTRIES',
            message: `tensor ${name} has too many external_data entries`,
            offset: e.offset,
            limit: this.limits.maxEntries,
          });
          continue;
        }
        const entry = await this.entry(e, depth + 1, 'external_data');
        if (entry) externalData.push(entry);
      }
    }
    if (++this.tensorCount > this.limits.maxTensors) {
      this.note({
        code: 'LIMIT_TENSORS',
        message: 'too many tensors to keep',
        offset: f.offset,
        limit: this.limits.maxTensors,
      });
      return;
    }
    this.tensors.push({ name, kind, dataLocation, externalData, scope, offset: f.offset });
  }

  async func(f: ProtoField, depth: number): Promise<OnnxFunction | undefined> {
    if (!this.r.expect(f, 2, 'function')) return undefined;
    let name = '';
    let domain = '';
    const opsetImports: OnnxOpset[] = [];
    const nodes: ProtoField[] = [];
    for await (const e of this.r.fields(f.start, f.end, depth, 'FunctionProto')) {
      if (e.number === 1) name = (await this.string(e, 'function.name')) ?? name;
      else if (e.number === 10) domain = (await this.string(e, 'function.domain')) ?? domain;
      else if (e.number === 9) {
        const o = await this.opset(e, depth + 1);
        if (o) opsetImports.push(o);
      } else if (e.number === 7) nodes.push(e);
    }
    for (const n of nodes) await this.node(n, depth + 1, 1, `function:${domain}.${name}`);
    return { name, domain, opsetImports };
  }
}

/** Decodes an ONNX ModelProto from a byte source, reading only headers and the fields it keeps. */
export async function parseOnnxModel(
  source: ByteSource,
  limits: OnnxLimits = ONNX_LIMITS,
): Promise<OnnxModel> {
  const r = new ProtoReader(source, limits);
  const d = new Decoder(r, limits);
  let irVersion: number | undefined;
  let producerName = '';
  let producerVersion = '';
  let domain = '';
  let hasGraph = false;
  const opsetImports: OnnxOpset[] = [];
  const functions: OnnxFunction[] = [];
  const metadataProps: OnnxEntry[] = [];
  for await (const f of r.fields(0, source.size, 0, 'ModelProto')) {
    switch (f.number) {
      case 1:
        if (r.expect(f, 0, 'ir_version')) irVersion = f.varint;
        break;
      case 2:
        producerName = (await d.string(f, 'producer_name')) ?? producerName;
        break;
      case 3:
        producerVersion = (await d.string(f, 'producer_version')) ?? producerVersion;
        break;
      case 4:
        domain = (await d.string(f, 'domain')) ?? domain;
        break;
      case 7:
        hasGraph = hasGraph || f.wire === 2;
        await d.graph(f, 1, 0, 'graph');
        break;
      case 8: {
        const o = await d.opset(f, 1);
        if (o) opsetImports.push(o);
        break;
      }
      case 14: {
        if (metadataProps.length >= limits.maxEntries) {
          d.note({
            code: 'LIMIT_ENTRIES',
            message: 'too many metadata_props entries',
            offset: f.offset,
            limit: limits.maxEntries,
          });
          break;
        }
        const e = await d.entry(f, 1, 'metadata_props');
        if (e) metadataProps.push(e);
        break;
      }
      case 20:
        // TrainingInfoProto: initialization (1) and algorithm (2) graphs run in training runtimes.
        if (!r.expect(f, 2, 'training_info')) break;
        for await (const t of r.fields(f.start, f.end, 1, 'TrainingInfoProto'))
          if (t.number === 1 || t.number === 2)
            await d.graph(t, 2, 1, `training_info.${t.number === 1 ? 'initialization' : 'algorithm'}`);
        break;
      case 25: {
        const fn = await d.func(f, 1);
        if (fn) functions.push(fn);
        break;
      }
    }
  }
  const anomalies: OnnxAnomaly[] = [...r.anomalies, ...d.extra];
  const structural = r.anomalies.some((a) => PROTOBUF_STRUCTURAL_CODES.has(a.code));
  if (irVersion === undefined && !structural)
    anomalies.push({
      code: 'MISSING_IR_VERSION',
      message: 'ModelProto has no ir_version',
      field: 'ir_version',
    });
  if (!hasGraph && !structural)
    anomalies.push({ code: 'MISSING_GRAPH', message: 'ModelProto has no graph', field: 'graph' });
  return {
    irVersion,
    producerName,
    producerVersion,
    domain,
    opsetImports,
    hasGraph,
    nodes: d.nodes,
    tensors: d.tensors,
    functions,
    metadataProps,
    anomalies,
  };
}
