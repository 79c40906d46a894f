/**
 * A tiny pickle assembler for tests: one helper per opcode, named as pickletools names them, so a test
 * reads like a `pickletools.dis` listing. Opcode bytes are written out here independently of the
 * machine's own table (src/pickle/opcodes.ts), so a wrong byte there cannot hide behind the same
 * wrong byte here.
 *
 * Also: `runBytes` (run one stream and collect what it reports) and a small corpus reader (files
 * from shared/corpus, pickle members of its zip archives) for the golden and fuzz tests.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import {
  type PickleEvent,
  type PickleLimits,
  type PickleRunResult,
  type RetentionBudget,
  runPickle,
  StreamReader,
  type Value,
} from '@vacsrp/formats';

export type Part = Uint8Array | string | readonly Part[];

const latin1 = (s: string): Uint8Array =>
  Uint8Array.from(s, (c) => {
    const code = c.charCodeAt(0);
    if (code > 0xff) throw new Error(`asm: ${JSON.stringify(s)} is not latin-1; use utf8()`);
    return code;
  });

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Concatenates opcodes and raw fragments; strings are latin-1 bytes. */
export function asm(...parts: Part[]): Uint8Array {
  const flat: Uint8Array[] = [];
  const walk = (p: Part): void => {
    if (typeof p === 'string') flat.push(latin1(p));
    else if (p instanceof Uint8Array) flat.push(p);
    else for (const q of p) walk(q);
  };
  walk(parts);
  const out = new Uint8Array(flat.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of flat) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

export const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export const u8 = (n: number): Uint8Array => Uint8Array.of(n & 0xff);
export const u16le = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff);
export function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}
export function i32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}
export function u64le(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

const op = (byte: number, ...operand: Part[]): Uint8Array => asm(Uint8Array.of(byte), ...operand);
const bytesOf = (v: Uint8Array | string): Uint8Array => (typeof v === 'string' ? utf8(v) : v);

// ---- protocol 0/1 ------------------------------------------------------------------------------

export const MARK = op(0x28);
export const STOP = op(0x2e);
export const POP = op(0x30);
export const POP_MARK = op(0x31);
export const DUP = op(0x32);
/** `F<text>\n` */
export const FLOAT = (text: string) => op(0x46, text, '\n');
/** `I<text>\n`: Python int(text, 0); '00'/'01' are False/True. */
export const INT = (text: string | number) => op(0x49, String(text), '\n');
export const BININT = (n: number) => op(0x4a, i32le(n));
export const BININT1 = (n: number) => op(0x4b, u8(n));
/** `L<text>\n` (the trailing 'L' of Python 2 is optional). */
export const LONG = (text: string) => op(0x4c, text, '\n');
export const BININT2 = (n: number) => op(0x4d, u16le(n));
export const NONE = op(0x4e);
export const PERSID = (text: string) => op(0x50, text, '\n');
export const BINPERSID = op(0x51);
export const REDUCE = op(0x52);
/** `S<quoted literal>\n`: pass the literal with its quotes, e.g. `STRING("'os'")`. */
export const STRING = (quoted: string) => op(0x53, quoted, '\n');
/** BINSTRING with a latin-1 payload; `len` overrides the declared (signed) length. */
export const BINSTRING = (s: string, len?: number) => op(0x54, i32le(len ?? s.length), s);
export const SHORT_BINSTRING = (s: string) => op(0x55, u8(s.length), s);
/** `V<raw-unicode-escape text>\n` */
export const UNICODE = (raw: string) => op(0x56, raw, '\n');
export const BINUNICODE = (s: string | Uint8Array, len?: number) => {
  const b = bytesOf(s);
  return op(0x58, u32le(len ?? b.length), b);
};
export const APPEND = op(0x61);
export const BUILD = op(0x62);
export const GLOBAL = (module: string, name: string) => op(0x63, utf8(module), '\n', utf8(name), '\n');
export const DICT = op(0x64);
export const EMPTY_DICT = op(0x7d);
export const APPENDS = op(0x65);
export const GET = (n: number | string) => op(0x67, String(n), '\n');
export const BINGET = (n: number) => op(0x68, u8(n));
export const INST = (module: string, name: string) => op(0x69, module, '\n', name, '\n');
export const LONG_BINGET = (n: number) => op(0x6a, u32le(n));
export const LIST = op(0x6c);
export const EMPTY_LIST = op(0x5d);
export const OBJ = op(0x6f);
export const PUT = (n: number | string) => op(0x70, String(n), '\n');
export const BINPUT = (n: number) => op(0x71, u8(n));
export const LONG_BINPUT = (n: number) => op(0x72, u32le(n));
export const SETITEM = op(0x73);
export const TUPLE = op(0x74);
export const EMPTY_TUPLE = op(0x29);
export const SETITEMS = op(0x75);
/** Big-endian IEEE 754 double. */
export function BINFLOAT(x: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, false);
  return op(0x47, b);
}

// ---- protocol 2 --------------------------------------------------------------------------------

export const PROTO = (n: number) => op(0x80, u8(n));
export const NEWOBJ = op(0x81);
export const EXT1 = (code: number) => op(0x82, u8(code));
export const EXT2 = (code: number) => op(0x83, u16le(code));
export const EXT4 = (code: number) => op(0x84, i32le(code));
export const TUPLE1 = op(0x85);
export const TUPLE2 = op(0x86);
export const TUPLE3 = op(0x87);
export const NEWTRUE = op(0x88);
export const NEWFALSE = op(0x89);
/** LONG1 with little-endian two's-complement bytes. */
export const LONG1 = (b: Uint8Array) => op(0x8a, u8(b.length), b);
export const LONG4 = (b: Uint8Array, len?: number) => op(0x8b, i32le(len ?? b.length), b);

// ---- protocol 3 --------------------------------------------------------------------------------

export const BINBYTES = (b: Uint8Array, len?: number) => op(0x42, u32le(len ?? b.length), b);
export const SHORT_BINBYTES = (b: Uint8Array) => op(0x43, u8(b.length), b);

// ---- protocol 4 --------------------------------------------------------------------------------

export const SHORT_BINUNICODE = (s: string | Uint8Array) => {
  const b = bytesOf(s);
  return op(0x8c, u8(b.length), b);
};
export const BINUNICODE8 = (s: string | Uint8Array, len?: number | bigint) => {
  const b = bytesOf(s);
  return op(0x8d, u64le(len ?? b.length), b);
};
export const BINBYTES8 = (b: Uint8Array, len?: number | bigint) => op(0x8e, u64le(len ?? b.length), b);
export const EMPTY_SET = op(0x8f);
export const ADDITEMS = op(0x90);
export const FROZENSET = op(0x91);
export const NEWOBJ_EX = op(0x92);
export const STACK_GLOBAL = op(0x93);
export const MEMOIZE = op(0x94);
export const FRAME = (len: number | bigint) => op(0x95, u64le(len));

// ---- protocol 5 --------------------------------------------------------------------------------

export const BYTEARRAY8 = (b: Uint8Array, len?: number | bigint) => op(0x96, u64le(len ?? b.length), b);
export const NEXT_BUFFER = op(0x97);
export const READONLY_BUFFER = op(0x98);

/** `module name STACK_GLOBAL` with SHORT_BINUNICODE operands, as protocol 4 pickles write imports. */
export const SG = (module: string, name: string) =>
  asm(SHORT_BINUNICODE(module), SHORT_BINUNICODE(name), STACK_GLOBAL);

/** Every opcode byte of protocols 0–5 (from CPython 3.11 Lib/pickle.py), for generators. */
export const OPCODE_BYTES: readonly number[] = [
  0x28, 0x29, 0x2e, 0x30, 0x31, 0x32, 0x42, 0x43, 0x46, 0x47, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x50, 0x51,
  0x52, 0x53, 0x54, 0x55, 0x56, 0x58, 0x5d, 0x61, 0x62, 0x63, 0x64, 0x65, 0x67, 0x68, 0x69, 0x6a, 0x6c, 0x6f,
  0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x7d, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a,
  0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
];

// ---- running ------------------------------------------------------------------------------------

export interface Ran extends PickleRunResult {
  readonly all: PickleEvent[];
  readonly imports: string[];
  readonly calls: Array<Extract<PickleEvent, { kind: 'call' }>>;
  readonly codes: string[];
}

/** Runs one stream from the start of `bytes` and collects its events. */
export async function runBytes(
  bytes: Uint8Array,
  options: { limits?: Partial<PickleLimits>; budget?: RetentionBudget } = {},
): Promise<Ran> {
  const all: PickleEvent[] = [];
  const r = await runPickle(StreamReader.fromBytes(bytes), { ...options, onEvent: (e) => all.push(e) });
  return {
    ...r,
    all,
    imports: all.flatMap((e) => (e.kind === 'import' ? [`${e.module}.${e.name}`] : [])),
    calls: all.filter((e): e is Extract<PickleEvent, { kind: 'call' }> => e.kind === 'call'),
    codes: r.anomalies.map((a) => a.code),
  };
}

/** A plain, comparable rendering of a symbolic value (bigint ints, hex bytes). */
export type Plain =
  | null
  | boolean
  | number
  | string
  | { int: string }
  | { bytes: string; mutable?: true }
  | { tuple: Plain[] }
  | Plain[]
  | { set: Plain[] }
  | { frozenset: Plain[] }
  | { dict: Array<[Plain, Plain]> }
  | { global: string }
  | { call: Plain; op: string; args: Plain; kwargs?: Plain }
  | { other: string };

export function plain(v: Value | undefined): Plain {
  if (v === undefined) return { other: 'undefined' };
  switch (v.t) {
    case 'none':
      return null;
    case 'bool':
      return v.v;
    case 'int':
      return { int: v.v.toString() };
    case 'float':
      return v.v;
    case 'str':
      return v.v;
    case 'bytes':
      return v.mutable ? { bytes: toHex(v.v), mutable: true } : { bytes: toHex(v.v) };
    case 'tuple':
      return { tuple: v.items.map(plain) };
    case 'list':
      return v.items.map(plain);
    case 'set':
      return { set: v.items.map(plain) };
    case 'frozenset':
      return { frozenset: v.items.map(plain) };
    case 'dict':
      return { dict: v.entries.map(([k, x]) => [plain(k), plain(x)] as [Plain, Plain]) };
    case 'global':
      return { global: `${v.module}.${v.name}` };
    case 'call':
      return {
        call: plain(v.callee),
        op: v.op,
        args: plain(v.args),
        ...(v.kwargs ? { kwargs: plain(v.kwargs) } : {}),
      };
    default:
      return { other: v.t };
  }
}

// ---- corpus -------------------------------------------------------------------------------------

export const CORPUS_DIR = fileURLToPath(new URL('../../../../../shared/corpus/', import.meta.url));

export interface CorpusEntry {
  readonly path: string;
  readonly expected: 'malicious' | 'benign';
  readonly format: string;
  readonly technique?: string;
  readonly payload?: string;
}

export function corpusManifest(): CorpusEntry[] {
  const m = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as { files: CorpusEntry[] };
  return m.files;
}

export function corpusFile(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_DIR, path)));
}

/** Every file under the corpus directory except the manifest, as paths relative to it. */
export function corpusPaths(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(CORPUS_DIR, full));
    }
  };
  walk(CORPUS_DIR);
  return out.filter((p) => p !== 'manifest.json' && !p.endsWith('.md') && !p.endsWith('.py'));
}

/**
 * Members of a zip, read through the central directory (stored or deflated only). A test helper, not
 * a parser: it trusts the archive and returns what it can; the corpus archives are well-formed enough.
 */
export function zipMembers(zip: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return out;
  const count = dv.getUint16(eocd + 10, true);
  let at = dv.getUint32(eocd + 16, true);
  for (let n = 0; n < count && at + 46 <= zip.length && dv.getUint32(at, true) === 0x02014b50; n++) {
    const method = dv.getUint16(at + 10, true);
    const csize = dv.getUint32(at + 20, true);
    const nameLen = dv.getUint16(at + 28, true);
    const extraLen = dv.getUint16(at + 30, true);
    const commentLen = dv.getUint16(at + 32, true);
    const local = dv.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > zip.length) continue;
    const dataAt = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    const data = zip.subarray(dataAt, dataAt + csize);
    if (method === 0) out.set(name, data);
    else if (method === 8) {
      try {
        out.set(name, new Uint8Array(inflateRawSync(data)));
      } catch {
        // not a test concern: skip members this helper cannot read
      }
    }
  }
  return out;
}

const isNpy = (b: Uint8Array) =>
  b[0] === 0x93 && b[1] === 0x4e && b[2] === 0x55 && b[3] === 0x4d && b[4] === 0x50 && b[5] === 0x59;

/** Every .npy in the corpus: plain files and members of .npz archives. */
export function corpusNpySeeds(): Array<{ name: string; bytes: Uint8Array }> {
  const seeds: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const path of corpusPaths()) {
    const bytes = corpusFile(path);
    if (isNpy(bytes)) seeds.push({ name: path, bytes });
    else if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      for (const [member, data] of zipMembers(bytes))
        if (isNpy(data)) seeds.push({ name: `${path}!${member}`, bytes: data });
    }
  }
  return seeds;
}

/** The body after a .npy header (object arrays keep a pickle there). */
function npyBody(npy: Uint8Array): Uint8Array {
  const dv = new DataView(npy.buffer, npy.byteOffset, npy.byteLength);
  const v1 = npy[6] === 1;
  const start = v1 ? 10 : 12;
  return npy.subarray(start + (v1 ? dv.getUint16(8, true) : dv.getUint32(8, true)));
}

/**
 * The corpus inputs a pickle fuzzer should start from: pickle files (gzip and zlib ones inflated),
 * pickle members of zip archives (.pt, .pth, .npz) and the pickled bodies of object .npy arrays.
 */
export function corpusPickleSeeds(): Array<{ name: string; bytes: Uint8Array }> {
  const seeds: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const path of corpusPaths()) {
    let bytes = corpusFile(path);
    try {
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
      else if (bytes[0] === 0x78 && /\.(joblib|pkl)$/.test(path)) bytes = new Uint8Array(inflateSync(bytes));
    } catch {
      continue; // a compressed archive this helper does not unpack (tar.gz)
    }
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
      for (const [member, data] of zipMembers(bytes)) {
        if (member.endsWith('.pkl') || (data[0] === 0x80 && (data[1] ?? 9) <= 5)) {
          seeds.push({ name: `${path}!${member}`, bytes: data });
        } else if (isNpy(data) && data.includes(0x4f) && npyBody(data)[0] === 0x80) {
          seeds.push({ name: `${path}!${member}`, bytes: npyBody(data) });
        }
      }
    } else if (isNpy(bytes)) {
      if (npyBody(bytes)[0] === 0x80) seeds.push({ name: path, bytes: npyBody(bytes) });
    } else if (/\.(pkl|joblib|bin|txt|pt|pth)$/.test(path) || bytes[0] === 0x80) {
      seeds.push({ name: path, bytes });
    }
  }
  return seeds;
}
