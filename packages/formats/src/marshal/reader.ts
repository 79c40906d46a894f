/**
 * A static reader for CPython's `marshal` format (Python/marshal.c, format versions 2–5). It decodes
 * values into plain data and never builds code, imports or runs anything. Code objects are read with
 * each supported field layout in turn; the first that fits the bytes exactly names the Python range.
 */
import {
  type CodeLayout,
  MARSHAL_ANOMALY_CODES,
  MARSHAL_LIMITS,
  type MarshalAnomaly,
  type MarshalAnomalyCode,
  type MarshalCode,
  type MarshalLimits,
  type MarshalResult,
  type MarshalValue,
} from './types.js';

const FLAG_REF = 0x80;
/** 3.11+ localspluskinds bit for a free variable (Include/internal/pycore_code.h CO_FAST_FREE). */
const CO_FAST_FREE = 0x80;
const LAYOUTS: readonly CodeLayout[] = ['py311-313', 'py38-310', 'py37'];

/** Raised inside the reader to unwind on bad input; caught in `readMarshal`, never escapes. */
class Stop extends Error {
  constructor(readonly anomaly: MarshalAnomaly) {
    super(anomaly.message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

class Reader {
  pos = 0;
  objects = 0;
  sawCode = false;
  private readonly refs: Array<MarshalValue | undefined> = [];

  constructor(
    private readonly bytes: Uint8Array,
    private readonly layout: CodeLayout,
    private readonly limits: MarshalLimits,
  ) {}

  stop(code: MarshalAnomalyCode, field: string, extra: Partial<MarshalAnomaly> = {}): never {
    throw new Stop({
      code,
      message: `${MARSHAL_ANOMALY_CODES[code]} (${field})`,
      offset: this.pos,
      field,
      ...extra,
    });
  }

  private need(n: number, field: string): void {
    if (n < 0) this.stop('BAD_LENGTH', field, { actual: n });
    if (this.pos + n > this.bytes.length) this.stop('TRUNCATED', field, { actual: n });
  }

  private u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  private i32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const v =
      (b[this.pos]! | (b[this.pos + 1]! << 8) | (b[this.pos + 2]! << 16) | (b[this.pos + 3]! << 24)) >> 0;
    this.pos += 4;
    return v;
  }

  private take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private f64(field: string): number {
    const b = this.take(8, field);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** A count of items that each take at least `minBytes`: it must fit what is left. */
  private count(field: string, wide = true, minBytes = 1): number {
    const n = wide ? this.i32(field) : this.u8(field);
    if (n < 0 || n * minBytes > this.bytes.length - this.pos) this.stop('BAD_LENGTH', field, { actual: n });
    return n;
  }

  read(depth: number, field = 'value'): MarshalValue {
    const v = this.readOrNull(depth, field);
    if (v === null) this.stop('NULL_VALUE', field);
    return v;
  }

  /** Returns null for the NULL marker ('0'), which only ends a dict. */
  private readOrNull(depth: number, field: string): MarshalValue | null {
    if (depth > this.limits.maxDepth) this.stop('DEPTH_LIMIT', field, { limit: this.limits.maxDepth });
    if (++this.objects > this.limits.maxObjects)
      this.stop('OBJECT_LIMIT', field, { limit: this.limits.maxObjects });
    const start = this.pos;
    const code = this.u8(field);
    const type = String.fromCharCode(code & ~FLAG_REF);
    if (type === '0') return null;
    if (type === 'r') {
      const idx = this.i32('reference index');
      const target = this.refs[idx];
      if (target === undefined) this.stop('BAD_REFERENCE', field, { actual: idx });
      return target;
    }
    // CPython reserves the reference slot before reading a container's children.
    const slot = code & FLAG_REF ? this.refs.push(undefined) - 1 : -1;
    const value = this.body(type, depth, field, start);
    if (slot >= 0) this.refs[slot] = value;
    return value;
  }

  private body(type: string, depth: number, field: string, start: number): MarshalValue {
    switch (type) {
      case 'N':
        return { kind: 'none' };
      case 'F':
        return { kind: 'bool', value: false };
      case 'T':
        return { kind: 'bool', value: true };
      case 'S':
        return { kind: 'stopiteration' };
      case '.':
        return { kind: 'ellipsis' };
      case 'i':
        return { kind: 'int', value: BigInt(this.i32(field)) };
      case 'I': {
        const lo = this.i32(field) >>> 0;
        const hi = this.i32(field);
        return { kind: 'int', value: (BigInt(hi) << 32n) | BigInt(lo) };
      }
      case 'l':
        return { kind: 'int', value: this.long(field) };
      case 'f':
        return { kind: 'float', value: this.textFloat(field) };
      case 'g':
        return { kind: 'float', value: this.f64(field) };
      case 'x':
        return { kind: 'complex', re: this.textFloat(field), im: this.textFloat(field) };
      case 'y':
        return { kind: 'complex', re: this.f64(field), im: this.f64(field) };
      case 's':
        return { kind: 'bytes', value: this.take(this.count(field), field) };
      case 't':
      case 'u':
        return { kind: 'str', value: utf8.decode(this.take(this.count(field), field)) };
      case 'a':
      case 'A':
        return { kind: 'str', value: latin1.decode(this.take(this.count(field), field)) };
      case 'z':
      case 'Z':
        return { kind: 'str', value: latin1.decode(this.take(this.count(field, false), field)) };
      case '(':
      case '[':
      case '<':
      case '>':
        return this.sequence(type, this.count(field), depth, field);
      case ')':
        return this.sequence('(', this.count(field, false), depth, field);
      case '{': {
        const entries: Array<[MarshalValue, MarshalValue]> = [];
        for (;;) {
          const k = this.readOrNull(depth + 1, `${field} key`);
          if (k === null) break;
          entries.push([k, this.read(depth + 1, `${field} value`)]);
        }
        return { kind: 'dict', entries };
      }
      case ':':
        return { kind: 'slice', items: [0, 1, 2].map(() => this.read(depth + 1, field)) };
      case 'c':
        return { kind: 'code', code: this.code(depth + 1) };
      default:
        this.pos = start;
        return this.stop('UNKNOWN_TYPE', field, { actual: type.charCodeAt(0) });
    }
  }

  private sequence(type: string, n: number, depth: number, field: string): MarshalValue {
    const items: MarshalValue[] = [];
    for (let i = 0; i < n; i++) items.push(this.read(depth + 1, field));
    const kind = type === '(' ? 'tuple' : type === '[' ? 'list' : type === '<' ? 'set' : 'frozenset';
    return { kind, items };
  }

  private long(field: string): bigint {
    const n = this.i32(field);
    const digits = Math.abs(n);
    if (digits > this.limits.maxLongDigits)
      this.stop('LONG_LIMIT', field, { limit: this.limits.maxLongDigits, actual: digits });
    const raw = this.take(digits * 2, field);
    let v = 0n;
    for (let i = digits - 1; i >= 0; i--) v = (v << 15n) | BigInt(raw[2 * i]! | (raw[2 * i + 1]! << 8));
    return n < 0 ? -v : v;
  }

  private textFloat(field: string): number {
    return Number(latin1.decode(this.take(this.u8(field), field)));
  }

  private typed<K extends MarshalValue['kind']>(
    depth: number,
    field: string,
    kind: K,
  ): Extract<MarshalValue, { kind: K }> {
    const v = this.read(depth, field);
    if (v.kind !== kind) this.stop('BAD_CODE_FIELD', field, { actual: v.kind });
    return v as Extract<MarshalValue, { kind: K }>;
  }

  private tuple(depth: number, field: string): readonly MarshalValue[] {
    const v = this.read(depth, field);
    if (v.kind !== 'tuple') this.stop('BAD_CODE_FIELD', field, { actual: v.kind });
    return v.items;
  }

  private strings(depth: number, field: string): string[] {
    return this.tuple(depth, field).map((i) => {
      if (i.kind !== 'str') this.stop('BAD_CODE_FIELD', field, { actual: i.kind });
      return i.value;
    });
  }

  private code(depth: number): MarshalCode {
    this.sawCode = true;
    const ints = this.layout === 'py38-310' ? 6 : 5;
    const head: number[] = [];
    for (let i = 0; i < ints; i++) head.push(this.i32('code header'));
    const bytecode = this.typed(depth, 'co_code', 'bytes').value;
    const consts = this.tuple(depth, 'co_consts');
    const names = this.strings(depth, 'co_names');
    if (this.layout === 'py311-313') {
      const localNames = this.strings(depth, 'co_localsplusnames');
      const kinds = this.typed(depth, 'co_localspluskinds', 'bytes').value;
      if (kinds.length !== localNames.length)
        this.stop('BAD_CODE_FIELD', 'co_localspluskinds', { actual: kinds.length });
      const filename = this.typed(depth, 'co_filename', 'str').value;
      const name = this.typed(depth, 'co_name', 'str').value;
      const qualname = this.typed(depth, 'co_qualname', 'str').value;
      const firstlineno = this.i32('co_firstlineno');
      this.typed(depth, 'co_linetable', 'bytes');
      this.typed(depth, 'co_exceptiontable', 'bytes');
      const freevars = localNames.filter((_, i) => (kinds[i]! & CO_FAST_FREE) !== 0);
      return {
        argcount: head[0]!,
        flags: head[4]!,
        bytecode,
        consts,
        names,
        localNames,
        freevars,
        filename,
        name,
        qualname,
        firstlineno,
      };
    }
    const localNames = this.strings(depth, 'co_varnames');
    const freevars = this.strings(depth, 'co_freevars');
    this.strings(depth, 'co_cellvars');
    const filename = this.typed(depth, 'co_filename', 'str').value;
    const name = this.typed(depth, 'co_name', 'str').value;
    const firstlineno = this.i32('co_firstlineno');
    this.typed(depth, 'co_lnotab', 'bytes');
    return {
      argcount: head[0]!,
      flags: head[ints - 1]!,
      bytecode,
      consts,
      names,
      localNames,
      freevars,
      filename,
      name,
      firstlineno,
    };
  }
}

/** Decodes one marshalled value. Never throws for bad input: problems are anomalies. */
export function readMarshal(bytes: Uint8Array, limits: Partial<MarshalLimits> = {}): MarshalResult {
  const lim: MarshalLimits = { ...MARSHAL_LIMITS, ...limits };
  let first: MarshalResult | undefined;
  for (const layout of LAYOUTS) {
    const r = new Reader(bytes, layout, lim);
    try {
      const value = r.read(0);
      const anomalies: MarshalAnomaly[] = [];
      if (r.pos < bytes.length)
        anomalies.push({
          code: 'TRAILING_DATA',
          message: `${bytes.length - r.pos} ${MARSHAL_ANOMALY_CODES.TRAILING_DATA}`,
          offset: r.pos,
          field: 'end',
          actual: bytes.length - r.pos,
        });
      const result: MarshalResult = r.sawCode ? { value, layout, anomalies } : { value, anomalies };
      if (!r.sawCode || anomalies.length === 0) return result;
      first ??= result;
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      // Limits hold whatever the layout: a second layout would only hit them again.
      if (!r.sawCode || e.anomaly.code === 'DEPTH_LIMIT' || e.anomaly.code === 'OBJECT_LIMIT')
        return { anomalies: [e.anomaly] };
      first ??= { anomalies: [e.anomaly] };
    }
  }
  const base = first ?? { anomalies: [] };
  if (base.value !== undefined) return base;
  return {
    anomalies: [
      ...base.anomalies,
      { code: 'CODE_LAYOUT_UNKNOWN', message: MARSHAL_ANOMALY_CODES.CODE_LAYOUT_UNKNOWN, field: 'code' },
    ],
  };
}
