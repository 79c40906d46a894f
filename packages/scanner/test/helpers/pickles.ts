/** Minimal pickle builders for scanner tests (the formats package has the full assembler). */
const enc = new TextEncoder();

export type Part = Uint8Array | string | number[];

export function bytes(...parts: Part[]): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === 'string' ? latin1(p) : p instanceof Uint8Array ? p : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
}

export const proto = (n: number) => bytes([0x80, n]);
export const global = (m: string, n: string) => bytes(`c${m}\n${n}\n`);
/** SHORT_BINUNICODE */
export const ustr = (s: string) => {
  const b = enc.encode(s);
  return bytes([0x8c, b.length], b);
};
export const binbytes = (b: Uint8Array) => {
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, b.length, true);
  return bytes('B', len, b);
};
export const stackGlobal = (m: string, n: string) => bytes(ustr(m), ustr(n), [0x93]);
export const tuple1 = bytes([0x85]);
export const tuple2 = bytes([0x86]);
export const emptyTuple = bytes(')');
export const reduce = bytes('R');
export const build = bytes('b');
export const stop = bytes('.');
export const memoize = bytes([0x94]);
export const emptyDict = bytes('}');
export const setitem = bytes('s');
export const none = bytes('N');

/** `module.name(arg)` as a protocol-2 pickle. */
export function callPickle(module: string, name: string, arg: string, protocol = 2): Uint8Array {
  return bytes(proto(protocol), global(module, name), ustr(arg), tuple1, reduce, stop);
}
