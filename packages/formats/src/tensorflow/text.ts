/**
 * Protobuf text format (.pbtxt) for GraphDef and SavedModel, as tf.io.write_graph(as_text=True)
 * writes it. A small reader: fields, nested messages ({} or <>), lists, strings with escapes, scalars.
 * Strict: a syntax error ends the read with an anomaly; the nodes read so far are kept.
 */

import { TF_LIMITS } from './graph.js';
import type { TfAnomaly, TfAttr, TfGraphModel, TfLimits, TfNode } from './types.js';

type Value = string | Msg;
interface Msg {
  readonly entries: Array<{ key: string; value: Value; offset: number }>;
}

/** Top-level fields of GraphDef and SavedModel; anything else is not a TensorFlow text graph. */
export const TF_TEXT_TOP_LEVEL: ReadonlySet<string> = new Set([
  'node',
  'library',
  'versions',
  'version',
  'debug_info',
  'saved_model_schema_version',
  'meta_graphs',
]);

/** Tensor payload fields: parsed (to find syntax errors) but not kept, so a big constant costs no memory. */
const NUMERIC_PAYLOAD: ReadonlySet<string> = new Set([
  'float_val',
  'double_val',
  'int_val',
  'int64_val',
  'uint32_val',
  'uint64_val',
  'half_val',
  'bool_val',
  'scomplex_val',
  'dcomplex_val',
  'tensor_content',
]);

class SyntaxFault extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly limits: TfLimits,
  ) {}

  private skip(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === '#') {
        const nl = this.text.indexOf('\n', this.pos);
        this.pos = nl < 0 ? this.text.length : nl + 1;
      } else if (c === ' ' || c === '\n' || c === '\t' || c === '\r' || c === '\f' || c === '\v') this.pos++;
      else return;
    }
  }

  private peek(): string | undefined {
    this.skip();
    return this.text[this.pos];
  }

  private ident(): string {
    this.skip();
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.text.slice(this.pos, this.pos + 512));
    if (!m) throw new SyntaxFault('expected a field name', this.pos);
    this.pos += m[0].length;
    return m[0];
  }

  message(depth: number, close: string | undefined): Msg {
    if (depth > this.limits.maxDepth)
      throw new SyntaxFault(`messages nested deeper than ${this.limits.maxDepth}`, this.pos);
    const entries: Msg['entries'] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined) {
        if (close) throw new SyntaxFault(`missing ${close}`, this.pos);
        return { entries };
      }
      if (c === close) {
        this.pos++;
        return { entries };
      }
      const offset = this.pos;
      let key: string;
      if (c === '[') {
        // Extension or Any type URL: [type.googleapis.com/tensorflow.Foo]
        const end = this.text.indexOf(']', this.pos);
        if (end < 0) throw new SyntaxFault('unterminated [', this.pos);
        key = this.text.slice(this.pos, end + 1);
        this.pos = end + 1;
      } else key = this.ident();
      let colon = false;
      if (this.peek() === ':') {
        this.pos++;
        colon = true;
      }
      const next = this.peek();
      if (next === '{' || next === '<') {
        this.pos++;
        entries.push({ key, value: this.message(depth + 1, next === '{' ? '}' : '>'), offset });
      } else if (next === '[' && colon) {
        this.pos++;
        if (this.peek() === ']') this.pos++;
        else
          for (;;) {
            const v = this.peek() === '{' || this.peek() === '<' ? this.nested(depth) : this.scalar();
            if (!NUMERIC_PAYLOAD.has(key)) entries.push({ key, value: v, offset });
            const sep = this.peek();
            this.pos++;
            if (sep === ']') break;
            if (sep !== ',') throw new SyntaxFault('expected , or ] in a list', this.pos - 1);
          }
      } else if (colon) {
        const value = this.scalar();
        if (!NUMERIC_PAYLOAD.has(key)) entries.push({ key, value, offset });
      } else throw new SyntaxFault(`expected : or { after ${key}`, this.pos);
      const sep = this.peek();
      if (sep === ',' || sep === ';') this.pos++;
    }
  }

  private nested(depth: number): Msg {
    const open = this.text[this.pos];
    this.pos++;
    return this.message(depth + 1, open === '{' ? '}' : '>');
  }

  private scalar(): string {
    const c = this.peek();
    if (c === '"' || c === "'") {
      let s = '';
      while (this.peek() === '"' || this.peek() === "'") s += this.quoted();
      return s;
    }
    const m = /^-?[A-Za-z0-9_.+-]+/.exec(this.text.slice(this.pos, this.pos + 512));
    if (!m) throw new SyntaxFault('expected a value', this.pos);
    this.pos += m[0].length;
    return m[0];
  }

  /** A quoted string with C escapes; \ooo and \xHH are bytes, decoded as UTF-8 at the end. */
  private quoted(): string {
    const quote = this.text[this.pos]!;
    const start = this.pos;
    this.pos++;
    const bytes: number[] = [];
    const enc = new TextEncoder();
    const max = this.limits.maxStringBytes;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') throw new SyntaxFault('unterminated string', start);
      this.pos++;
      if (c === quote) break;
      if (c !== '\\') {
        if (bytes.length < max) bytes.push(...enc.encode(c));
        continue;
      }
      const e = this.text[this.pos++];
      const simple: Record<string, number> = {
        n: 10,
        t: 9,
        r: 13,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
        '\\': 92,
        "'": 39,
        '"': 34,
        '?': 63,
      };
      let b: number | undefined = e === undefined ? undefined : simple[e];
      if (b === undefined && e !== undefined && /[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(this.text.slice(this.pos - 1, this.pos + 2))!;
        b = Number.parseInt(m[0], 8) & 0xff;
        this.pos += m[0].length - 1;
      } else if (b === undefined && (e === 'x' || e === 'X')) {
        const m = /^[0-9a-fA-F]{1,2}/.exec(this.text.slice(this.pos, this.pos + 2));
        if (!m) throw new SyntaxFault('bad \\x escape', this.pos);
        b = Number.parseInt(m[0], 16);
        this.pos += m[0].length;
      }
      if (b === undefined) throw new SyntaxFault(`unknown escape \\${e ?? ''}`, this.pos - 1);
      if (bytes.length < max) bytes.push(b);
    }
    return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
  }
}

const first = (m: Msg, key: string): Value | undefined => m.entries.find((e) => e.key === key)?.value;
const all = (m: Msg, key: string): Value[] => m.entries.filter((e) => e.key === key).map((e) => e.value);
const str = (v: Value | undefined): string => (typeof v === 'string' ? v : '');
const msg = (v: Value | undefined): Msg | undefined => (typeof v === 'object' ? v : undefined);

/** Reads a text-format GraphDef or SavedModel. */
export function parseGraphDefText(text: string, limits: TfLimits = TF_LIMITS): TfGraphModel {
  const anomalies: TfAnomaly[] = [];
  let root: Msg = { entries: [] };
  const p = new Parser(text, limits);
  try {
    root = p.message(0, undefined);
  } catch (e) {
    if (!(e instanceof SyntaxFault)) throw e;
    anomalies.push({ code: 'TEXT_SYNTAX', message: e.message, offset: e.offset });
  }
  // TextFormat rejects unknown fields, so a text whose fields are not GraphDef's or SavedModel's is neither.
  for (const e of root.entries)
    if (!TF_TEXT_TOP_LEVEL.has(e.key))
      anomalies.push({
        code: 'TEXT_SYNTAX',
        message: `unknown top-level field ${e.key.slice(0, 64)}`,
        offset: e.offset,
      });
  const nodes: TfNode[] = [];
  const functions: string[] = [];
  let metaGraphs = 0;
  let graphDefs = 0;

  const attr = (v: Msg | undefined): TfAttr => {
    const strings: string[] = [];
    const funcs: string[] = [];
    if (!v) return { strings, funcs };
    const push = (s: Value) => {
      if (typeof s === 'string' && strings.length < limits.maxAttrStrings) strings.push(s);
    };
    all(v, 's').forEach(push);
    const list = msg(first(v, 'list'));
    if (list) {
      all(list, 's').forEach(push);
      for (const f of all(list, 'func')) funcs.push(str(first(msg(f) ?? { entries: [] }, 'name')));
    }
    const tensor = msg(first(v, 'tensor'));
    if (tensor) all(tensor, 'string_val').forEach(push);
    const fn = msg(first(v, 'func'));
    if (fn) funcs.push(str(first(fn, 'name')));
    return { strings, funcs };
  };

  const node = (m: Msg, scope: string, offset: number): void => {
    if (nodes.length >= limits.maxNodes) {
      if (!anomalies.some((a) => a.code === 'LIMIT_NODES'))
        anomalies.push({
          code: 'LIMIT_NODES',
          message: 'too many nodes to keep',
          offset,
          limit: limits.maxNodes,
        });
      return;
    }
    const attrs: Record<string, TfAttr> = Object.create(null);
    for (const a of all(m, 'attr')) {
      const am = msg(a);
      if (am) attrs[str(first(am, 'key'))] = attr(msg(first(am, 'value')));
    }
    const op = str(first(m, 'op'));
    if (op === '') anomalies.push({ code: 'NODE_WITHOUT_OP', message: 'node has no op', offset });
    const inputs = all(m, 'input').map(str).slice(0, limits.maxInputs);
    nodes.push({ name: str(first(m, 'name')), op, inputs, attrs, scope, offset });
  };

  const graph = (g: Msg, scope: string): void => {
    graphDefs++;
    for (const e of g.entries) {
      if (e.key === 'node' && typeof e.value === 'object') node(e.value, scope, e.offset);
      if (e.key === 'library' && typeof e.value === 'object')
        for (const f of all(e.value, 'function')) {
          const fm = msg(f);
          if (!fm) continue;
          const name = str(first(msg(first(fm, 'signature')) ?? { entries: [] }, 'name'));
          functions.push(name);
          for (const n of fm.entries)
            if (n.key === 'node_def' && typeof n.value === 'object')
              node(n.value, `function:${name}`, n.offset);
        }
    }
  };

  const metas = all(root, 'meta_graphs');
  if (metas.length > 0 || root.entries.some((e) => e.key === 'saved_model_schema_version')) {
    for (const m of metas) {
      const index = metaGraphs++;
      const g = msg(first(msg(m) ?? { entries: [] }, 'graph_def'));
      if (g) graph(g, `meta_graphs[${index}]`);
    }
    return { kind: 'graph-def-text', metaGraphs, graphDefs, nodes, functions, anomalies };
  }
  graph(root, 'graph');
  return { kind: 'graph-def-text', metaGraphs, graphDefs, nodes, functions, anomalies };
}
