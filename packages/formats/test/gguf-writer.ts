/** A GGUF writer for tests: every value type, arrays, tensor infos and data, alignment padding. */
import { GGUF_VALUE_TYPES, type GgufValueType } from '../src/gguf/types.js';

export type Value =
  | { type: Exclude<GgufValueType, 'STRING' | 'ARRAY'>; value: number | bigint | boolean }
  | { type: 'STRING'; value: string }
  | { type: 'ARRAY'; elementType: GgufValueType; items: Value[] };

export interface TensorSpec {
  name: string;
  dims: (number | bigint)[];
  type: number;
  /** Relative to the data section; defaults to packed in order. */
  offset?: number | bigint;
  /** Data bytes written for it (default: zeros of `size`). */
  size?: number;
}

export interface GgufSpec {
  version?: number;
  kvs: [string, Value][];
  tensors?: TensorSpec[];
  alignment?: number;
  /** Overrides of the declared counts. */
  tensorCount?: bigint;
  kvCount?: bigint;
  /** Bytes appended after the data section. */
  trailing?: Uint8Array;
}

const enc = new TextEncoder();

class Out {
  parts: number[] = [];
  bytes(b: Uint8Array) {
    for (const x of b) this.parts.push(x);
  }
  num(width: number, v: number | bigint, kind: 'u' | 'i' | 'f' = 'u') {
    const b = new DataView(new ArrayBuffer(width));
    if (kind === 'f') width === 4 ? b.setFloat32(0, Number(v), true) : b.setFloat64(0, Number(v), true);
    else if (width === 8) (kind === 'i' ? b.setBigInt64 : b.setBigUint64).call(b, 0, BigInt(v), true);
    else if (width === 4) (kind === 'i' ? b.setInt32 : b.setUint32).call(b, 0, Number(v), true);
    else if (width === 2) (kind === 'i' ? b.setInt16 : b.setUint16).call(b, 0, Number(v), true);
    else (kind === 'i' ? b.setInt8 : b.setUint8).call(b, 0, Number(v));
    this.bytes(new Uint8Array(b.buffer));
  }
}

const WIDTH: Partial<Record<GgufValueType, [number, 'u' | 'i' | 'f']>> = {
  UINT8: [1, 'u'],
  INT8: [1, 'i'],
  UINT16: [2, 'u'],
  INT16: [2, 'i'],
  UINT32: [4, 'u'],
  INT32: [4, 'i'],
  FLOAT32: [4, 'f'],
  BOOL: [1, 'u'],
  UINT64: [8, 'u'],
  INT64: [8, 'i'],
  FLOAT64: [8, 'f'],
};

export const typeId = (t: GgufValueType): number => GGUF_VALUE_TYPES.indexOf(t);

export function buildGguf(spec: GgufSpec): Uint8Array {
  const version = spec.version ?? 3;
  const len = version === 1 ? 4 : 8;
  const o = new Out();
  const str = (s: string) => {
    const b = enc.encode(s);
    o.num(len, b.length);
    o.bytes(b);
  };
  const val = (v: Value) => {
    if (v.type === 'STRING') str(v.value);
    else if (v.type === 'ARRAY') {
      o.num(4, typeId(v.elementType));
      o.num(len, v.items.length);
      for (const x of v.items) val(x);
    } else {
      const [w, k] = WIDTH[v.type]!;
      o.num(w, typeof v.value === 'boolean' ? Number(v.value) : v.value, k);
    }
  };
  const tensors = spec.tensors ?? [];
  o.bytes(enc.encode('GGUF'));
  o.num(4, version);
  o.num(len, spec.tensorCount ?? BigInt(tensors.length));
  o.num(len, spec.kvCount ?? BigInt(spec.kvs.length));
  for (const [k, v] of spec.kvs) {
    str(k);
    o.num(4, typeId(v.type));
    val(v);
  }
  const align = spec.alignment ?? 32;
  let next = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    str(t.name);
    o.num(4, t.dims.length);
    for (const d of t.dims) o.num(len, d);
    o.num(4, t.type);
    o.num(8, t.offset ?? next);
    const size = t.size ?? 0;
    sizes.push(size);
    next += Math.ceil(size / align) * align;
  }
  while (o.parts.length % align !== 0) o.parts.push(0);
  for (const size of sizes) {
    for (let i = 0; i < size; i++) o.parts.push(1);
    while (o.parts.length % align !== 0) o.parts.push(0);
  }
  if (spec.trailing) o.bytes(spec.trailing);
  return Uint8Array.from(o.parts);
}

export const s = (value: string): Value => ({ type: 'STRING', value });
export const u32 = (value: number): Value => ({ type: 'UINT32', value });
