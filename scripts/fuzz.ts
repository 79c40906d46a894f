/**
 * Seeded mutation fuzzer for the byte-level parsers in packages/formats (docs/fuzzing.md).
 *
 *   npm run fuzz -- --seconds 60 [--seed 42] [--target pickle|npy|sniff|zip|tar|compress|all]
 *
 * Inputs are corpus files (shared/corpus) and the pickles, .npy files and archives inside them, mutated
 * by stacked byte-level edits. The parsers run in a worker thread with a heap limit; the main thread
 * watches a shared case counter, so a case that throws, breaks an invariant, runs longer than 2 s,
 * hangs or exhausts memory is caught and its input saved as fuzz-findings/<target>-<sha>.bin with a
 * one-line summary next to it (<target>-<sha>.txt). Exit code 1 when anything was found.
 *
 * zip, tar and compress are fuzzed only when packages/formats/src/{zip,tar,compress} export
 * readZipDirectory, tarEntries and decompressStream (checked at run time).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import {
  FORMAT_KINDS,
  NPY_ANOMALY_CODES,
  PICKLE_ANOMALY_CODES,
} from '../packages/formats/test/helpers/closed-sets.js';
import { mulberry32 } from './lib/prng.js';

// ---- settings -------------------------------------------------------------------------------------

/** A case slower than this is a finding (a scan runs thousands of cases per artifact). */
const CASE_MS = 2000;
/** Heap in use after a case above this is a finding; the worker's hard limit is twice as much. */
const HEAP_BOUND_MB = 512;
/** Mutated inputs are cut to this size; it is also the size of the shared input slot. */
const MAX_INPUT = 1 << 20;
const ROOT = fileURLToPath(new URL('../', import.meta.url));

const TARGETS = ['pickle', 'npy', 'sniff', 'zip', 'tar', 'compress'] as const;
type TargetName = (typeof TARGETS)[number];

interface Config {
  readonly seconds: number;
  readonly seed: number;
  readonly targets: readonly TargetName[];
  readonly corpus: string;
  readonly out: string;
}

type Finding = {
  readonly kind: 'throw' | 'invariant' | 'slow' | 'hang' | 'memory';
  readonly target: string;
  readonly detail: string;
  readonly bytes: Uint8Array;
};

type WorkerMessage =
  | {
      readonly type: 'ready';
      readonly targets: Array<{ name: string; seeds: number }>;
      readonly skipped: string[];
    }
  | { readonly type: 'stats'; readonly execs: Record<string, number> }
  | { readonly type: 'finding'; readonly finding: Finding }
  | { readonly type: 'done'; readonly execs: Record<string, number> }
  | { readonly type: 'replayed'; readonly ms: number };

function usage(message?: string): never {
  if (message) process.stderr.write(`fuzz: ${message}\n`);
  process.stderr.write(
    'usage: npm run fuzz -- --seconds N [--seed S] [--target pickle|npy|sniff|zip|tar|compress|all] [--corpus DIR] [--out DIR]\n',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Config {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) usage(`unexpected argument ${flag}`);
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    opts.set(flag.slice(2), value);
  }
  for (const k of opts.keys())
    if (!['seconds', 'seed', 'target', 'corpus', 'out'].includes(k)) usage(`unknown flag --${k}`);
  const seconds = Number(opts.get('seconds') ?? '60');
  if (!Number.isFinite(seconds) || seconds <= 0) usage('--seconds must be a positive number');
  const seed = opts.has('seed') ? Number(opts.get('seed')) : Date.now() % 2 ** 31;
  if (!Number.isSafeInteger(seed)) usage('--seed must be an integer');
  const target = opts.get('target') ?? 'all';
  const targets = target === 'all' ? TARGETS : [target as TargetName];
  if (!targets.every((t) => (TARGETS as readonly string[]).includes(t))) usage(`unknown target ${target}`);
  return {
    seconds,
    seed: seed >>> 0,
    targets,
    corpus: resolve(opts.get('corpus') ?? join(ROOT, '../shared/corpus')),
    out: resolve(opts.get('out') ?? join(ROOT, 'fuzz-findings')),
  };
}

// ---- randomness and mutation ----------------------------------------------------------------------

const INTERESTING_BYTES = [
  0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x28, 0x2e, 0x62, 0x93, 0x94, 0x95, 0x50, 0x4b,
];
const INTERESTING_LENGTHS = [
  0n,
  1n,
  0x7fn,
  0xffn,
  0x7fffn,
  0xffffn,
  0x7fffffffn,
  0xffffffffn,
  2n ** 40n,
  2n ** 62n,
  2n ** 64n - 1n,
];

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** 1–8 stacked edits: flip, set, insert, delete, truncate, splice, length field, repeat, dictionary token. */
function mutate(
  seed: Uint8Array,
  rnd: () => number,
  pool: readonly Uint8Array[],
  dict: readonly Uint8Array[],
): Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n);
  let b: Uint8Array = Uint8Array.from(seed);
  const edits = 1 + int(8);
  for (let e = 0; e < edits; e++) {
    const at = int(b.length + 1);
    switch (int(10)) {
      case 0:
        if (at < b.length) b[at]! ^= 1 << int(8);
        break;
      case 1:
        if (at < b.length) b[at] = INTERESTING_BYTES[int(INTERESTING_BYTES.length)]!;
        break;
      case 2:
        b = concat(
          b.subarray(0, at),
          Uint8Array.from({ length: 1 + int(16) }, () => int(256)),
          b.subarray(at),
        );
        break;
      case 3:
        b = concat(b.subarray(0, at), b.subarray(at + 1 + int(32)));
        break;
      case 4:
        b = b.subarray(0, at);
        break;
      case 5: {
        const src = pool[int(pool.length)]!;
        const start = int(src.length + 1);
        b = concat(b.subarray(0, at), src.subarray(start, start + 1 + int(256)), b.subarray(at));
        break;
      }
      case 6: {
        const width = [1, 2, 4, 8][int(4)]!;
        const field = new Uint8Array(8);
        new DataView(field.buffer).setBigUint64(
          0,
          INTERESTING_LENGTHS[int(INTERESTING_LENGTHS.length)]!,
          rnd() < 0.8,
        );
        b = concat(
          b.subarray(0, at),
          field.subarray(rnd() < 0.8 ? 0 : 8 - width).subarray(0, width),
          b.subarray(at + width),
        );
        break;
      }
      case 7: {
        // repeat a small region many times: nesting, DUP and memo bombs
        const len = 1 + int(4);
        const region = b.subarray(at, at + len);
        if (region.length > 0) {
          const times = 1 + int(rnd() < 0.1 ? 100_000 : 64);
          const rep = new Uint8Array(region.length * times);
          for (let i = 0; i < times; i++) rep.set(region, i * region.length);
          b = concat(b.subarray(0, at), rep, b.subarray(at));
        }
        break;
      }
      default: {
        if (dict.length === 0) break;
        b = concat(b.subarray(0, at), dict[int(dict.length)]!, b.subarray(at));
        break;
      }
    }
  }
  return b.length > MAX_INPUT ? b.subarray(0, MAX_INPUT) : b;
}

// ---- corpus ---------------------------------------------------------------------------------------

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (!/\.(json|md|py)$/.test(name)) out.push(full);
  }
  return out;
}

const startsWith = (b: Uint8Array, ...sig: number[]) => sig.every((v, i) => b[i] === v);
const isZip = (b: Uint8Array) =>
  startsWith(b, 0x50, 0x4b, 0x03, 0x04) || startsWith(b, 0x50, 0x4b, 0x05, 0x06);
const isNpy = (b: Uint8Array) => startsWith(b, 0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
const isGzip = (b: Uint8Array) => startsWith(b, 0x1f, 0x8b);

/** Members of a well-formed zip (stored or deflated), read through the central directory. */
function zipMembers(zip: Uint8Array): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0 && i >= zip.length - 22 - 0xffff; i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return out;
  let at = dv.getUint32(eocd + 16, true);
  for (let n = dv.getUint16(eocd + 10, true); n > 0 && at + 46 <= zip.length; n--) {
    if (dv.getUint32(at, true) !== 0x02014b50) break;
    const method = dv.getUint16(at + 10, true);
    const size = dv.getUint32(at + 20, true);
    const nameLen = dv.getUint16(at + 28, true);
    const local = dv.getUint32(at + 42, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen));
    at += 46 + nameLen + dv.getUint16(at + 30, true) + dv.getUint16(at + 32, true);
    if (local + 30 > zip.length) continue;
    const data = zip.subarray(local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true));
    try {
      if (method === 0) out.push([name, data.subarray(0, size)]);
      else if (method === 8) out.push([name, new Uint8Array(inflateRawSync(data.subarray(0, size)))]);
    } catch {
      // a member this reader cannot inflate is simply not a seed
    }
  }
  return out;
}

interface Seeds {
  files: Uint8Array[];
  pickles: Uint8Array[];
  npy: Uint8Array[];
  zips: Uint8Array[];
  tars: Uint8Array[];
  compressed: Uint8Array[];
}

function loadSeeds(corpus: string): Seeds {
  const s: Seeds = { files: [], pickles: [], npy: [], zips: [], tars: [], compressed: [] };
  const addInner = (b: Uint8Array, name: string) => {
    if (isNpy(b)) {
      s.npy.push(b);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const body = b.subarray(b[6] === 1 ? 10 + dv.getUint16(8, true) : 12 + dv.getUint32(8, true));
      if (body[0] === 0x80) s.pickles.push(body);
    } else if (b[0] === 0x80 || /\.(pkl|joblib|bin|txt|pt|pth|p|data)$/.test(name)) s.pickles.push(b);
  };
  for (const path of walk(corpus)) {
    const file = new Uint8Array(readFileSync(path));
    s.files.push(file);
    if (isZip(file)) {
      s.zips.push(file);
      for (const [name, data] of zipMembers(file)) addInner(data, name);
    } else if (isGzip(file) || file[0] === 0x78) {
      s.compressed.push(file);
      try {
        const inner = new Uint8Array(isGzip(file) ? gunzipSync(file) : inflateSync(file));
        if (inner.length >= 263 && startsWith(inner.subarray(257), 0x75, 0x73, 0x74, 0x61, 0x72))
          s.tars.push(inner);
        else addInner(inner, path);
      } catch {
        addInner(file, path);
      }
    } else addInner(file, path);
  }
  return s;
}

// ---- targets --------------------------------------------------------------------------------------

class InvariantError extends Error {}
const ensure = (ok: boolean, what: string): void => {
  if (!ok) throw new InvariantError(what);
};

interface Target {
  readonly name: TargetName;
  readonly seeds: Uint8Array[];
  readonly dict: Uint8Array[];
  run(bytes: Uint8Array, rnd: () => number): Promise<void>;
}

async function* chunks(bytes: Uint8Array, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, sizes());
    yield bytes.subarray(at, at + n);
    at += n;
  }
}

/** Tokens worth inserting into pickles: opcodes with operands that steer into interesting paths. */
const PICKLE_DICT = [
  '\x80\x04',
  '\x80\x02',
  'cposix\nsystem\n',
  'c__builtin__\neval\n',
  '\x8c\x02os\x8c\x06system\x93',
  "(S'x'\ni__builtin__\nexec\n",
  '\x95\x02\x00\x00\x00\x00\x00\x00\x00',
  'h\x00',
  'q\x00',
  '\x94',
  '(',
  ')',
  'R',
  'b',
  '}',
  'Pid\n',
  '\x82\x01',
  '\x8c\x13joblib.numpy_pickle\x8c\x11NumpyArrayWrapper\x93',
].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0)));

const src = (p: string) => new URL(`../packages/formats/src/${p}`, import.meta.url).href;

/** The shapes of the optional zip, tar and compress entry points this fuzzer relies on. */
type ReadZipDirectory = (source: unknown) => Promise<{ entries: unknown[] }>;
type ReadZipEntryHead = (source: unknown, entry: unknown, n: number) => Promise<Uint8Array>;
type TarEntries = (
  stream: AsyncIterable<Uint8Array>,
) => AsyncIterable<{ kind: string; body?: AsyncIterable<Uint8Array> }>;
type DecompressStream = (
  kind: string,
  input: AsyncIterable<Uint8Array>,
  limits: { maxOutputBytes: number; maxRatio: number },
) => { stream: AsyncIterable<Uint8Array> };

async function loadTargets(config: Config, seeds: Seeds): Promise<{ targets: Target[]; skipped: string[] }> {
  const pickle = await import(src('pickle/index.js'));
  const { parseNpyHeader } = await import(src('numpy/npy.js'));
  const { sniff, SNIFF_HEAD_BYTES } = await import(src('sniff.js'));
  const { BufferSource } = await import(src('source.js'));
  const targets: Target[] = [];
  const skipped: string[] = [];
  const want = (t: TargetName) => config.targets.includes(t);

  if (want('pickle')) {
    targets.push({
      name: 'pickle',
      seeds: seeds.pickles,
      dict: PICKLE_DICT,
      async run(bytes, rnd) {
        const whole = await pickle.runPickle(pickle.StreamReader.fromBytes(bytes), {
          afterBuild: pickle.joblibAfterBuild(),
          onEvent: (e: { kind: string; callee?: unknown }) => {
            if (e.kind === 'call')
              ensure(pickle.describeValue(e.callee).length <= 160, 'describeValue budget');
          },
        });
        ensure(['stop', 'eof', 'error', 'limit'].includes(whole.end), `end ${whole.end}`);
        for (const a of whole.anomalies) ensure(PICKLE_ANOMALY_CODES.has(a.code), `anomaly code ${a.code}`);
        ensure(whole.endOffset <= bytes.length, 'endOffset past the input');
        // chunking must not change what the machine reports
        const chunked = await pickle.runPickle(
          new pickle.StreamReader(chunks(bytes, () => 1 + Math.floor(rnd() * 4096))),
          {
            afterBuild: pickle.joblibAfterBuild(),
            onEvent: () => {},
          },
        );
        const sig = (r: typeof whole) =>
          `${r.end}@${r.endOffset}/${r.opcodes}:${r.anomalies.map((a: { code: string }) => a.code).join(',')}`;
        ensure(sig(chunked) === sig(whole), `chunked run differs: ${sig(chunked)} vs ${sig(whole)}`);
        const streams = await pickle.readPickleStreams(pickle.StreamReader.fromBytes(bytes), {
          probe: true,
          onEvent: () => {},
        });
        ensure(!streams.notPickle || streams.streams.length === 0, 'notPickle with streams');
      },
    });
  }
  if (want('npy')) {
    targets.push({
      name: 'npy',
      seeds: seeds.npy,
      dict: ["'|O'", "'descr'", 'True', '(', ')', ', '].map((s) => new TextEncoder().encode(s)),
      async run(bytes) {
        for (const [head, size] of [
          [bytes, bytes.length],
          [bytes.subarray(0, 4096), bytes.length],
        ] as const) {
          const r = parseNpyHeader(head, size);
          for (const a of r.anomalies) ensure(NPY_ANOMALY_CODES.has(a.code), `anomaly code ${a.code}`);
          if (r.header)
            ensure(r.header.dataOffset <= Math.min(head.length, size), 'dataOffset past the input');
          else ensure(r.anomalies.length > 0, 'no header and no anomaly');
        }
      },
    });
  }
  if (want('sniff')) {
    targets.push({
      name: 'sniff',
      seeds: seeds.files.map((f) => f.subarray(0, 4 * SNIFF_HEAD_BYTES)),
      dict: [],
      async run(bytes) {
        const kind = sniff(bytes.subarray(0, SNIFF_HEAD_BYTES), bytes.length);
        ensure(FORMAT_KINDS.has(kind), `kind ${kind}`);
        ensure(sniff(bytes, bytes.length) === kind, 'sniff looked past SNIFF_HEAD_BYTES');
      },
    });
  }

  /** An export of src/<dir>/index.ts if that module exists and exports a function of that name. */
  const optional = async <F>(dir: string, name: string): Promise<F | undefined> => {
    if (!existsSync(fileURLToPath(src(`${dir}/index.ts`)))) return undefined;
    try {
      const f = ((await import(src(`${dir}/index.js`))) as Record<string, unknown>)[name];
      return typeof f === 'function' ? (f as F) : undefined;
    } catch {
      return undefined;
    }
  };

  if (want('zip')) {
    const readZipDirectory = await optional<ReadZipDirectory>('zip', 'readZipDirectory');
    const readZipEntryHead = await optional<ReadZipEntryHead>('zip', 'readZipEntryHead');
    if (!readZipDirectory || seeds.zips.length === 0) skipped.push('zip (no readZipDirectory)');
    else {
      targets.push({
        name: 'zip',
        seeds: seeds.zips,
        dict: [],
        async run(bytes) {
          const source = new BufferSource(bytes);
          const dir = await readZipDirectory(source);
          ensure(Array.isArray(dir.entries), 'entries is not an array');
          for (const entry of readZipEntryHead ? dir.entries.slice(0, 8) : []) {
            await readZipEntryHead?.(source, entry, 4096);
          }
        },
      });
    }
  }
  if (want('tar')) {
    const tarEntries = await optional<TarEntries>('tar', 'tarEntries');
    if (!tarEntries || seeds.tars.length === 0) skipped.push('tar (no tarEntries)');
    else {
      targets.push({
        name: 'tar',
        seeds: seeds.tars,
        dict: [],
        async run(bytes, rnd) {
          let n = 0;
          for await (const item of tarEntries(chunks(bytes, () => 1 + Math.floor(rnd() * 2048)))) {
            if (++n > 10_000) break;
            if (item.kind === 'entry' && item.body && rnd() < 0.5) for await (const _ of item.body) void _;
          }
        },
      });
    }
  }
  if (want('compress')) {
    const decompressStream = await optional<DecompressStream>('compress', 'decompressStream');
    if (!decompressStream || seeds.compressed.length === 0) skipped.push('compress (no decompressStream)');
    else {
      const kinds = ['gzip', 'zlib', 'deflate-raw', 'bzip2', 'xz', 'lzma'];
      targets.push({
        name: 'compress',
        seeds: seeds.compressed,
        dict: [],
        async run(bytes, rnd) {
          // mostly the kind the bytes look like, sometimes a wrong one
          const sniffed = sniff(bytes.subarray(0, SNIFF_HEAD_BYTES), bytes.length);
          const kind =
            kinds.includes(sniffed) && rnd() < 0.8 ? sniffed : kinds[Math.floor(rnd() * kinds.length)]!;
          const input = chunks(bytes, () => 1 + Math.floor(rnd() * 4096));
          const r = decompressStream(kind, input, { maxOutputBytes: 64 << 20, maxRatio: 1000 });
          for await (const _ of r.stream) void _;
        },
      });
    }
  }
  return { targets: targets.filter((t) => t.seeds.length > 0), skipped };
}

// ---- worker ---------------------------------------------------------------------------------------

interface WorkerConfig extends Config {
  readonly deadline: number;
  readonly shared: SharedArrayBuffer;
  /** Run this one input once (to confirm a hang or slow case in a fresh worker) instead of fuzzing. */
  readonly replay?: { readonly target: string; readonly bytes: Uint8Array };
}

/** Layout of the shared slot: [case counter, input length, target index, busy], then the input. */
const CTRL_INTS = 4;
/** Each target gets this much time in turn. */
const SLICE_MS = 50;

async function workerMain(config: WorkerConfig): Promise<void> {
  const port = parentPort!;
  const ctrl = new Int32Array(config.shared, 0, CTRL_INTS);
  const slot = new Uint8Array(config.shared, CTRL_INTS * 4);
  const { targets, skipped } = await loadTargets(config, loadSeeds(config.corpus));
  if (config.replay) {
    const target = targets.find((t) => t.name === config.replay?.target);
    const started = performance.now();
    await target?.run(config.replay.bytes, mulberry32(config.seed)).catch(() => {});
    port.postMessage({ type: 'replayed', ms: performance.now() - started } satisfies WorkerMessage);
    return;
  }
  port.postMessage({
    type: 'ready',
    targets: targets.map((t) => ({ name: t.name, seeds: t.seeds.length })),
    skipped,
  } satisfies WorkerMessage);
  const rnd = mulberry32(config.seed);
  const execs: Record<string, number> = Object.fromEntries(targets.map((t) => [t.name, 0]));
  const report = (finding: Finding) => port.postMessage({ type: 'finding', finding } satisfies WorkerMessage);
  let lastStats = Date.now();
  // equal time, not equal cases, per target: sniff runs a thousand times faster than pickle
  let ti = 0;
  let sliceEnd = Date.now() + SLICE_MS;
  for (let i = 0; targets.length > 0 && Date.now() < config.deadline; i++) {
    if (Date.now() > sliceEnd) {
      ti = (ti + 1) % targets.length;
      sliceEnd = Date.now() + SLICE_MS;
    }
    const target = targets[ti]!;
    const seed = target.seeds[Math.floor(rnd() * target.seeds.length)]!;
    const input = rnd() < 0.02 ? seed : mutate(seed, rnd, target.seeds, target.dict);
    slot.set(input);
    Atomics.store(ctrl, 1, input.length);
    Atomics.store(ctrl, 2, ti);
    Atomics.store(ctrl, 3, 1);
    Atomics.add(ctrl, 0, 1);
    const started = performance.now();
    try {
      await target.run(input, rnd);
    } catch (e) {
      const kind = e instanceof InvariantError ? 'invariant' : 'throw';
      const detail = e instanceof Error ? `${e.name}: ${e.message}`.split('\n')[0]!.slice(0, 200) : String(e);
      report({ kind, target: target.name, detail, bytes: input });
    }
    const ms = performance.now() - started;
    Atomics.store(ctrl, 3, 0);
    if (ms > CASE_MS)
      report({ kind: 'slow', target: target.name, detail: `${Math.round(ms)} ms`, bytes: input });
    execs[target.name]!++;
    if ((i & 63) === 0) {
      const heapMb = getHeapStatistics().used_heap_size / 2 ** 20;
      if (heapMb > HEAP_BOUND_MB)
        report({
          kind: 'memory',
          target: target.name,
          detail: `heap ${Math.round(heapMb)} MiB after case`,
          bytes: input,
        });
    }
    if (Date.now() - lastStats > 1000) {
      lastStats = Date.now();
      port.postMessage({ type: 'stats', execs } satisfies WorkerMessage);
    }
  }
  port.postMessage({ type: 'done', execs } satisfies WorkerMessage);
}

// ---- main -----------------------------------------------------------------------------------------

/** Inputs kept per signature: hangs and slow cases of one target share a signature, yet may differ. */
const KEEP_PER_SIGNATURE = 3;

/** Same kind, target and message (numbers masked): probably the same bug, so few inputs are kept. */
const signature = (f: Finding) => `${f.kind} ${f.target} ${f.detail.replace(/\d+/g, 'N')}`;

function save(config: Config, finding: Finding): string {
  const sha = createHash('sha256').update(finding.bytes).digest('hex').slice(0, 16);
  const base = `${finding.target}-${sha}`;
  mkdirSync(config.out, { recursive: true });
  const line = `${finding.kind} ${finding.target} ${finding.bytes.length} bytes: ${finding.detail}`;
  writeFileSync(join(config.out, `${base}.bin`), finding.bytes);
  writeFileSync(join(config.out, `${base}.txt`), `${line}\n`);
  return `${relative(process.cwd(), join(config.out, `${base}.bin`))}  ${line}`;
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  if (!existsSync(config.corpus)) usage(`corpus directory ${config.corpus} not found (use --corpus)`);
  const deadline = Date.now() + config.seconds * 1000;
  const shared = new SharedArrayBuffer(CTRL_INTS * 4 + MAX_INPUT);
  const ctrl = new Int32Array(shared, 0, CTRL_INTS);
  const totals: Record<string, number> = {};
  /** signature → how often it was hit */
  const seen = new Map<string, number>();
  let announced = false;
  const started = Date.now();
  process.stderr.write(
    `fuzz: seed ${config.seed}, ${config.seconds} s, targets ${config.targets.join(', ')}\n`,
  );

  const tsxApi = import.meta.resolve('tsx/esm/api');
  const spawn = (data: WorkerConfig) =>
    new Worker(
      `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`,
      { eval: true, workerData: data, resourceLimits: { maxOldGenerationSizeMb: HEAP_BOUND_MB * 2 } },
    );

  /** Runs one input again in a fresh worker: its time in ms, or Infinity if it does not finish in 3 × CASE_MS. */
  const replay = (finding: Finding): Promise<number> =>
    new Promise((done) => {
      const scratch = new SharedArrayBuffer(CTRL_INTS * 4 + MAX_INPUT);
      const w = spawn({
        ...config,
        deadline: 0,
        shared: scratch,
        replay: { target: finding.target, bytes: finding.bytes },
      });
      let timer: NodeJS.Timeout | undefined;
      const finish = (ms: number) => {
        clearTimeout(timer);
        void w.terminate();
        done(ms);
      };
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') return;
        if (m.type === 'replayed') finish(m.ms);
      });
      w.on('online', () => {
        timer = setTimeout(() => finish(Number.POSITIVE_INFINITY), 3 * CASE_MS + 5000);
      });
      w.on('error', () => finish(Number.POSITIVE_INFINITY));
    });

  const record = async (finding: Finding) => {
    if (finding.kind === 'hang' || finding.kind === 'slow') {
      // a loaded machine can stall a worker: only what is slow again in a fresh worker counts
      const ms = await replay(finding);
      if (ms < CASE_MS) {
        process.stderr.write(
          `fuzz: ${finding.kind} in ${finding.target} not confirmed (${Math.round(ms)} ms on replay)\n`,
        );
        return;
      }
      finding = {
        ...finding,
        detail: `${finding.detail}; ${Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'no end'} on replay`,
      };
    }
    const sig = signature(finding);
    seen.set(sig, (seen.get(sig) ?? 0) + 1);
    if (seen.get(sig)! <= KEEP_PER_SIGNATURE) process.stdout.write(`FINDING ${save(config, finding)}\n`);
  };
  const pending: Array<Promise<void>> = [];
  const report = (finding: Finding) => {
    pending.push(record(finding));
  };

  for (let restart = 0; Date.now() < deadline; restart++) {
    Atomics.store(ctrl, 3, 0); // a worker killed mid-case leaves the busy flag set
    const workerConfig: WorkerConfig = {
      ...config,
      seed: (config.seed + restart * 0x9e3779b9) >>> 0,
      deadline,
      shared,
    };
    const worker = spawn(workerConfig);
    const base: Record<string, number> = {};
    const current = (): Finding => {
      const len = Atomics.load(ctrl, 1);
      return {
        kind: 'hang',
        target: 'unknown',
        detail: '',
        bytes: new Uint8Array(shared, CTRL_INTS * 4, len).slice(),
      };
    };
    const outcome = await new Promise<'done' | 'restart'>((resolveRun) => {
      let lastCount = Atomics.load(ctrl, 0);
      let lastChange = Date.now();
      let names: string[] = [];
      const watchdog = setInterval(() => {
        const count = Atomics.load(ctrl, 0);
        if (count !== lastCount || Atomics.load(ctrl, 3) === 0) {
          lastCount = count;
          lastChange = Date.now();
          return;
        }
        if (Date.now() - lastChange > CASE_MS + 500) {
          clearInterval(watchdog);
          const f = current();
          report({
            ...f,
            kind: 'hang',
            target: names[Atomics.load(ctrl, 2)] ?? 'unknown',
            detail: `no progress for ${Date.now() - lastChange} ms`,
          });
          void worker.terminate().then(() => resolveRun('restart'));
        }
      }, 100);
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          names = m.targets.map((t) => t.name);
          if (!announced) {
            announced = true;
            for (const t of m.targets) process.stderr.write(`fuzz: ${t.name}: ${t.seeds} seeds\n`);
            for (const s of m.skipped) process.stderr.write(`fuzz: skipping ${s}\n`);
          }
        } else if (m.type === 'finding') report(m.finding);
        else if (m.type === 'stats' || m.type === 'done') {
          for (const [k, v] of Object.entries(m.execs)) totals[k] = (totals[k] ?? 0) - (base[k] ?? 0) + v;
          Object.assign(base, m.execs);
          if (m.type === 'done') {
            clearInterval(watchdog);
            resolveRun('done');
          }
        }
      });
      worker.on('error', (e) => {
        clearInterval(watchdog);
        const f = current();
        const oom = (e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
        report({
          ...f,
          kind: oom ? 'memory' : 'throw',
          target: names[Atomics.load(ctrl, 2)] ?? 'unknown',
          detail: `worker died: ${e.message}`,
        });
        resolveRun('restart');
      });
      worker.on('exit', () => {
        clearInterval(watchdog);
        resolveRun('restart');
      });
    });
    if (outcome === 'done') break;
  }

  await Promise.all(pending);
  const seconds = (Date.now() - started) / 1000;
  const rate = (n: number) =>
    `${String(n).padStart(9)} execs ${Math.round(n / seconds)
      .toString()
      .padStart(7)}/s`;
  for (const [name, n] of Object.entries(totals)) process.stdout.write(`${name.padEnd(8)} ${rate(n)}\n`);
  // every case started, including those of workers that died before reporting
  const total = Atomics.load(ctrl, 0);
  const hits = [...seen.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(
    `${'total'.padEnd(8)} ${rate(total)} in ${seconds.toFixed(1)} s; ${seen.size} distinct finding(s), ${hits} hit(s)\n`,
  );
  if (seen.size > 0) process.exitCode = 1;
}

if (isMainThread) {
  await main();
} else {
  await workerMain(workerData as WorkerConfig);
}
