/** A tiny protobuf encoder for building ONNX and TensorFlow test models (wire format only). */
import { concatBytes } from '../../src/source.js';

const enc = new TextEncoder();

export function varint(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  if (v < 0n) v &= (1n << 64n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return new Uint8Array(out);
}

export const tag = (field: number, wire: number): Uint8Array => varint(field * 8 + wire);
/** Varint field. */
export const vf = (field: number, n: number | bigint): Uint8Array => concatBytes([tag(field, 0), varint(n)]);
/** Length-delimited field from a string or bytes. */
export const sf = (field: number, s: string | Uint8Array): Uint8Array => {
  const b = typeof s === 'string' ? enc.encode(s) : s;
  return concatBytes([tag(field, 2), varint(b.length), b]);
};
/** Length-delimited field holding the concatenation of message parts. */
export const mf = (field: number, ...parts: Uint8Array[]): Uint8Array => sf(field, concatBytes(parts));
export const msg = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

// ONNX (onnx.proto field numbers)
export const onnxEntry = (field: number, key: string, value: string) => mf(field, sf(1, key), sf(2, value));
export const onnxNodeBody = (op: string, domain = '', ...more: Uint8Array[]) =>
  msg(sf(1, 'x'), sf(2, 'y'), sf(4, op), ...(domain ? [sf(7, domain)] : []), ...more);
/** GraphProto.node (field 1); FunctionProto nodes are field 7: sf(7, onnxNodeBody(...)). */
export const onnxNode = (op: string, domain = '', ...more: Uint8Array[]) =>
  sf(1, onnxNodeBody(op, domain, ...more));
export const onnxAttrGraph = (name: string, graph: Uint8Array) => mf(5, sf(1, name), vf(20, 5), mf(6, graph));
export const onnxExternalTensor = (
  field: number,
  name: string,
  entries: Record<string, string>,
  location = 1,
) =>
  mf(
    field,
    sf(8, name),
    vf(2, 1),
    ...Object.entries(entries).map(([k, v]) => onnxEntry(13, k, v)),
    vf(14, location),
  );
export const onnxModel = (graph: Uint8Array, ...more: Uint8Array[]) =>
  msg(vf(1, 8), sf(2, 'test'), mf(7, graph), mf(8, vf(2, 13)), ...more);

// TensorFlow (graph.proto, node_def.proto, attr_value.proto, saved_model.proto)
export const tfAttr = (key: string, value: Uint8Array) => mf(5, sf(1, key), sf(2, value));
export const tfAttrS = (key: string, s: string) => tfAttr(key, sf(2, s));
export const tfNode = (name: string, op: string, inputs: string[] = [], ...attrs: Uint8Array[]) =>
  msg(sf(1, name), sf(2, op), ...inputs.map((i) => sf(3, i)), ...attrs);
export const tfConst = (name: string, s: string) =>
  tfNode(name, 'Const', [], tfAttr('dtype', vf(6, 7)), tfAttr('value', mf(8, vf(1, 7), sf(8, s))));
export const tfFunction = (name: string, ...nodes: Uint8Array[]) =>
  mf(1, mf(1, sf(1, name)), ...nodes.map((n) => sf(3, n)));
/** GraphDef bytes: nodes (field 1) and optional library functions (field 2). */
export const tfGraph = (nodes: Uint8Array[], functions: Uint8Array[] = []) =>
  msg(
    ...nodes.map((n) => sf(1, n)),
    ...(functions.length > 0 ? [mf(2, ...functions)] : []),
    mf(4, vf(1, 1087)),
  );
export const tfSavedModel = (graph: Uint8Array) => msg(vf(1, 1), mf(2, mf(1, sf(4, 'serve')), sf(2, graph)));
