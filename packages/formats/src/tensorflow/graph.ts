/**
 * TensorFlow binary protobufs: SavedModel (saved_model.pb) and frozen GraphDef (.pb). Walks every
 * MetaGraphDef's GraphDef, each GraphDef's nodes and its function library (FunctionDef.node_def),
 * keeping op names, inputs and string attributes; tensor contents are skipped.
 */
import {
  PROTOBUF_LIMITS,
  PROTOBUF_STRUCTURAL_CODES,
  type ProtoField,
  ProtoReader,
} from '../protobuf/index.js';
import type { ByteSource } from '../source.js';
import type { TfAnomaly, TfAttr, TfGraphKind, TfGraphModel, TfLimits, TfNode } from './types.js';

export const TF_LIMITS: TfLimits = {
  ...PROTOBUF_LIMITS,
  maxNodes: 2_000_000,
  maxAttrStrings: 64,
  maxInputs: 10_000,
  maxTextBytes: 32 * 1024 * 1024,
};

class Decoder {
  readonly nodes: TfNode[] = [];
  readonly functions: string[] = [];
  readonly extra: TfAnomaly[] = [];
  metaGraphs = 0;
  graphDefs = 0;
  private nodeCount = 0;

  constructor(
    readonly r: ProtoReader,
    readonly limits: TfLimits,
  ) {}

  note(a: TfAnomaly): void {
    if (!this.extra.some((e) => e.code === a.code)) this.extra.push(a);
  }

  async metaGraph(f: ProtoField, depth: number): Promise<void> {
    if (!this.r.expect(f, 2, 'meta_graphs')) return;
    const index = this.metaGraphs++;
    for await (const e of this.r.fields(f.start, f.end, depth, 'MetaGraphDef'))
      if (e.number === 2) await this.graphDef(e, depth + 1, `meta_graphs[${index}]`);
  }

  async graphDef(f: ProtoField, depth: number, scope: string): Promise<void> {
    if (!this.r.expect(f, 2, 'graph_def')) return;
    this.graphDefs++;
    await this.graphFields(f.start, f.end, depth, scope);
  }

  async graphFields(start: number, end: number, depth: number, scope: string): Promise<void> {
    for await (const e of this.r.fields(start, end, depth, 'GraphDef')) {
      if (e.number === 1) await this.node(e, depth + 1, scope);
      else if (e.number === 2 && this.r.expect(e, 2, 'library')) {
        for await (const l of this.r.fields(e.start, e.end, depth + 1, 'FunctionDefLibrary'))
          if (l.number === 1) await this.func(l, depth + 2);
      }
    }
  }

  async func(f: ProtoField, depth: number): Promise<void> {
    if (!this.r.expect(f, 2, 'function')) return;
    let name = '';
    const nodes: ProtoField[] = [];
    for await (const e of this.r.fields(f.start, f.end, depth, 'FunctionDef')) {
      if (e.number === 1 && this.r.expect(e, 2, 'signature')) {
        for await (const s of this.r.fields(e.start, e.end, depth + 1, 'OpDef'))
          if (s.number === 1 && this.r.expect(s, 2, 'signature.name'))
            name = await this.r.string(s, 'signature.name');
      } else if (e.number === 3) nodes.push(e);
    }
    this.functions.push(name);
    for (const n of nodes) await this.node(n, depth + 1, `function:${name}`);
  }

  async node(f: ProtoField, depth: number, scope: string): Promise<void> {
    if (!this.r.expect(f, 2, 'node')) return;
    let name = '';
    let op = '';
    const inputs: string[] = [];
    const attrs: Record<string, TfAttr> = Object.create(null);
    for await (const e of this.r.fields(f.start, f.end, depth, 'NodeDef')) {
      if (e.number === 1 && this.r.expect(e, 2, 'node.name')) name = await this.r.string(e, 'node.name');
      else if (e.number === 2 && this.r.expect(e, 2, 'node.op')) op = await this.r.string(e, 'node.op');
      else if (e.number === 3 && this.r.expect(e, 2, 'node.input')) {
        if (inputs.length < this.limits.maxInputs) inputs.push(await this.r.string(e, 'node.input'));
        else
          this.note({
            code: 'LIMIT_VALUES',
            message: `node ${name} has too many inputs`,
            offset: e.offset,
            limit: this.limits.maxInputs,
          });
      } else if (e.number === 5 && this.r.expect(e, 2, 'node.attr')) {
        let key = '';
        let value: TfAttr = { strings: [], funcs: [] };
        for await (const a of this.r.fields(e.start, e.end, depth + 1, 'AttrEntry')) {
          if (a.number === 1 && this.r.expect(a, 2, 'attr.key')) key = await this.r.string(a, 'attr.key');
          else if (a.number === 2 && this.r.expect(a, 2, 'attr.value'))
            value = await this.attrValue(a, depth + 2);
        }
        attrs[key] = value;
      }
    }
    if (op === '')
      this.note({
        code: 'NODE_WITHOUT_OP',
        message: `node ${name || `@${f.offset}`} has no op`,
        offset: f.offset,
      });
    if (++this.nodeCount > this.limits.maxNodes) {
      this.note({
        code: 'LIMIT_NODES',
        message: 'too many nodes to keep',
        offset: f.offset,
        limit: this.limits.maxNodes,
      });
      return;
    }
    this.nodes.push({ name, op, inputs, attrs, scope, offset: f.offset });
  }

  /** AttrValue: s (2), list (1: s 2, func 9), tensor (8: string_val 8), func (10: name 1). */
  async attrValue(f: ProtoField, depth: number): Promise<TfAttr> {
    const strings: string[] = [];
    const funcs: string[] = [];
    const keep = async (s: ProtoField, field: string): Promise<void> => {
      if (!this.r.expect(s, 2, field)) return;
      if (strings.length < this.limits.maxAttrStrings) strings.push(await this.r.string(s, field));
    };
    const funcName = async (s: ProtoField): Promise<void> => {
      if (!this.r.expect(s, 2, 'attr.func')) return;
      for await (const n of this.r.fields(s.start, s.end, depth + 2, 'NameAttrList'))
        if (n.number === 1 && this.r.expect(n, 2, 'func.name'))
          funcs.push(await this.r.string(n, 'func.name'));
    };
    for await (const v of this.r.fields(f.start, f.end, depth, 'AttrValue')) {
      if (v.number === 2) await keep(v, 'attr.s');
      else if (v.number === 10) await funcName(v);
      else if (v.number === 1 && this.r.expect(v, 2, 'attr.list')) {
        for await (const l of this.r.fields(v.start, v.end, depth + 1, 'ListValue')) {
          if (l.number === 2) await keep(l, 'attr.list.s');
          else if (l.number === 9) await funcName(l);
          else if (l.number === 8 && this.r.expect(l, 2, 'attr.list.tensor'))
            await this.tensorStrings(l, depth + 2, keep);
        }
      } else if (v.number === 8 && this.r.expect(v, 2, 'attr.tensor'))
        await this.tensorStrings(v, depth + 1, keep);
    }
    return { strings, funcs };
  }

  async tensorStrings(
    f: ProtoField,
    depth: number,
    keep: (s: ProtoField, field: string) => Promise<void>,
  ): Promise<void> {
    for await (const t of this.r.fields(f.start, f.end, depth, 'TensorProto'))
      if (t.number === 8) await keep(t, 'tensor.string_val');
  }
}

function finish(kind: TfGraphKind, r: ProtoReader, d: Decoder, extra: TfAnomaly[]): TfGraphModel {
  return {
    kind,
    metaGraphs: d.metaGraphs,
    graphDefs: d.graphDefs,
    nodes: d.nodes,
    functions: d.functions,
    anomalies: [...r.anomalies, ...d.extra, ...extra],
  };
}

/** Decodes a SavedModel (saved_model.pb): schema version (1) and meta graphs (2). */
export async function parseSavedModel(
  source: ByteSource,
  limits: TfLimits = TF_LIMITS,
): Promise<TfGraphModel> {
  const r = new ProtoReader(source, limits);
  const d = new Decoder(r, limits);
  for await (const f of r.fields(0, source.size, 0, 'SavedModel'))
    if (f.number === 2) await d.metaGraph(f, 1);
  const extra: TfAnomaly[] = [];
  const structural = r.anomalies.some((a) => PROTOBUF_STRUCTURAL_CODES.has(a.code));
  if (!structural && d.metaGraphs === 0)
    extra.push({ code: 'MISSING_META_GRAPH', message: 'SavedModel has no meta graph', field: 'meta_graphs' });
  else if (!structural && d.graphDefs === 0)
    extra.push({ code: 'MISSING_GRAPH_DEF', message: 'no meta graph has a graph_def', field: 'graph_def' });
  return finish('saved-model', r, d, extra);
}

/** Decodes a (frozen) GraphDef: nodes (1) and the function library (2). */
export async function parseGraphDef(source: ByteSource, limits: TfLimits = TF_LIMITS): Promise<TfGraphModel> {
  const r = new ProtoReader(source, limits);
  const d = new Decoder(r, limits);
  d.graphDefs = 1;
  await d.graphFields(0, source.size, 0, 'graph');
  return finish('graph-def', r, d, []);
}
