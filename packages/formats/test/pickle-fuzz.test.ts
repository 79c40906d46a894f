/**
 * Property and fuzz tests for the pickle machine (fixed seeds, bounded runs): random bytes, random
 * opcode programs from the assembler, and byte-level mutations of every corpus pickle. Whatever the
 * input, the machine returns anomalies rather than throwing, finishes quickly, and keeps what it
 * retains bounded. Plus regressions for the classic resource attacks.
 */
import {
  describeValue,
  joblibAfterBuild,
  type PickleEvent,
  type PickleLimits,
  type PickleRunResult,
  RetentionBudget,
  readPickleStreams,
  runPickle,
  StreamReader,
  type Value,
} from '@vacsrp/formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as A from './helpers/pickle-asm.js';
import { asm, corpusPickleSeeds, u64le } from './helpers/pickle-asm.js';

/** The closed registry of pickle anomaly codes (src/pickle/machine.ts PickleAnomalyCode). */
const PICKLE_CODES = new Set([
  'INVALID_OPCODE',
  'TRUNCATED',
  'STACK_UNDERFLOW',
  'MARK_NOT_FOUND',
  'MEMO_NOT_FOUND',
  'BAD_OPERAND',
  'BAD_IMPORT_NAME',
  'UNSUPPORTED_PROTOCOL',
  'OUT_OF_BAND_BUFFER',
  'FRAME_STRADDLE',
  'FRAME_OVERLAP',
  'CONTAINER_TARGET',
  'JOBLIB_ARRAY_UNSIZED',
  'JOBLIB_ARRAY_TRUNCATED',
  'LIMIT_STACK',
  'LIMIT_MARKS',
  'LIMIT_MEMO',
  'LIMIT_LINE',
  'LIMIT_OPCODES',
  'LIMIT_RETAINED',
]);

/** Per-case wall-clock bound: a real scan runs thousands of these. */
const CASE_MS = 2000;
/** Smaller limits keep the fuzz fast without changing what is exercised. */
const LIMITS: Partial<PickleLimits> = { maxTotalRetained: 32 << 20 };

/** Bytes and characters a value keeps, counted once per object (values can be cyclic through the memo). */
function retained(root: Value | undefined): number {
  if (!root) return 0;
  const seen = new Set<object>();
  const todo: Value[] = [root];
  let total = 0;
  while (todo.length > 0) {
    const v = todo.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    switch (v.t) {
      case 'str':
        total += v.v.length;
        break;
      case 'bytes':
        total += v.v.length;
        break;
      case 'tuple':
      case 'list':
      case 'set':
      case 'frozenset':
        todo.push(...v.items);
        break;
      case 'dict':
        for (const [k, x] of v.entries) todo.push(k, x);
        break;
      case 'call':
        todo.push(v.callee, v.args);
        if (v.kwargs) todo.push(v.kwargs);
        if (v.state) todo.push(v.state);
        break;
      default:
        break;
    }
  }
  return total;
}

function eventValues(e: PickleEvent): Value[] {
  switch (e.kind) {
    case 'call':
      return e.kwargs ? [e.callee, e.args, e.kwargs] : [e.callee, e.args];
    case 'dynamic-import':
      return [e.module, e.name];
    case 'persistent-id':
      return [e.pid];
    case 'build-attribute':
      return [e.target, e.value];
    default:
      return [];
  }
}

/** Runs the machine (with the joblib hook) and readPickleStreams (probe) and checks the invariants. */
async function check(bytes: Uint8Array): Promise<PickleRunResult> {
  const started = performance.now();
  const budget = new RetentionBudget(LIMITS.maxTotalRetained!);
  let events = 0;
  const r = await runPickle(StreamReader.fromBytes(bytes), {
    limits: LIMITS,
    budget,
    afterBuild: joblibAfterBuild(),
    onEvent: (e) => {
      events++;
      for (const v of eventValues(e)) expect(describeValue(v).length).toBeLessThanOrEqual(160);
    },
  });
  expect(['stop', 'eof', 'error', 'limit']).toContain(r.end);
  for (const a of r.anomalies) expect(PICKLE_CODES.has(a.code), a.code).toBe(true);
  expect(r.startOffset).toBe(0);
  expect(r.endOffset).toBeLessThanOrEqual(bytes.length);
  expect(r.events).toBe(events);
  if (r.end === 'stop') expect(r.result).toBeDefined();
  if (r.end !== 'stop') expect(r.anomalies.length).toBeGreaterThan(0);
  for (const s of r.alternateStarts) expect(s.offset).toBeLessThanOrEqual(bytes.length);
  expect(budget.used).toBeLessThanOrEqual(LIMITS.maxTotalRetained!);
  expect(retained(r.result)).toBeLessThanOrEqual(LIMITS.maxTotalRetained!);
  expect(describeValue(r.result ?? { t: 'none' }).length).toBeLessThanOrEqual(160);

  const multi = await readPickleStreams(StreamReader.fromBytes(bytes), {
    probe: true,
    limits: LIMITS,
    onEvent: () => {},
  });
  if (multi.notPickle) expect(multi.streams).toEqual([]);
  for (const s of multi.streams)
    for (const a of s.anomalies) expect(PICKLE_CODES.has(a.code), a.code).toBe(true);
  expect(performance.now() - started).toBeLessThan(CASE_MS);
  return r;
}

// ---- generators -----------------------------------------------------------------------------------

const NAMES = [
  'os',
  'system',
  'posix',
  'builtins',
  'eval',
  '__setstate__',
  'numpy',
  'dtype',
  '<f8',
  'O',
  'shape',
  'a.b',
];
const name = fc.constantFrom(...NAMES);
const HUGE = [0x7fffffff, 0xffffffff, 2 ** 40, 2 ** 53, 2n ** 62n, 2n ** 64n - 1n];

const noOperand = fc.constantFrom(
  A.MARK,
  A.STOP,
  A.POP,
  A.POP_MARK,
  A.DUP,
  A.NONE,
  A.BINPERSID,
  A.REDUCE,
  A.APPEND,
  A.BUILD,
  A.DICT,
  A.EMPTY_DICT,
  A.APPENDS,
  A.LIST,
  A.EMPTY_LIST,
  A.OBJ,
  A.SETITEM,
  A.TUPLE,
  A.EMPTY_TUPLE,
  A.SETITEMS,
  A.NEWOBJ,
  A.TUPLE1,
  A.TUPLE2,
  A.TUPLE3,
  A.NEWTRUE,
  A.NEWFALSE,
  A.EMPTY_SET,
  A.ADDITEMS,
  A.FROZENSET,
  A.NEWOBJ_EX,
  A.STACK_GLOBAL,
  A.MEMOIZE,
  A.NEXT_BUFFER,
  A.READONLY_BUFFER,
);

/** One opcode with plausible, hostile or nonsense operands. */
const opcode: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: noOperand, weight: 8 },
  fc.integer({ min: 0, max: 7 }).map(A.PROTO),
  fc.integer({ min: 0, max: 255 }).map(A.BININT1),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(A.BININT),
  fc.constantFrom('0', '00', '01', '-7', '0x10', '1_0', 'x', '99999999999999999999').map(A.INT),
  fc.constantFrom('1L', '-2', '0x1fL', 'L').map(A.LONG),
  fc.constantFrom('1.5', 'inf', 'nan', '1e400', '-0.0', 'x').map(A.FLOAT),
  fc.double().map(A.BINFLOAT),
  name.map(A.SHORT_BINUNICODE),
  { arbitrary: name.map(A.SHORT_BINUNICODE), weight: 3 },
  name.map((n) => A.BINUNICODE(n)),
  name.map((n) => A.STRING(`'${n}'`)),
  name.map((n) => A.UNICODE(n)),
  fc.tuple(name, name).map(([m, n]) => A.GLOBAL(m, n)),
  fc.tuple(name, name).map(([m, n]) => A.INST(m, n)),
  fc.integer({ min: 0, max: 7 }).map(A.BINPUT),
  fc.integer({ min: 0, max: 7 }).map(A.BINGET),
  fc.integer({ min: 0, max: 7 }).map(A.PUT),
  fc.integer({ min: -1, max: 7 }).map(A.GET),
  fc.integer({ min: 0, max: 7 }).map(A.LONG_BINGET),
  fc.integer({ min: 0, max: 0xffff }).map(A.EXT2),
  fc.integer({ min: -2, max: 300 }).map(A.EXT4),
  name.map(A.PERSID),
  fc.uint8Array({ maxLength: 12 }).map(A.LONG1),
  fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(...HUGE)).map(([b, n]) => A.BINBYTES8(b, n)),
  fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(...HUGE)).map(([b, n]) => A.BINUNICODE8(b, n)),
  fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(...HUGE)).map(([b, n]) => A.BYTEARRAY8(b, n)),
  fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.constantFrom(-1, 0x7fffffff)).map(([b, n]) => A.LONG4(b, n)),
  fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(...HUGE)).map(A.FRAME),
  fc.uint8Array({ maxLength: 8 }).map(A.SHORT_BINBYTES),
  fc.integer({ min: 0, max: 255 }).map((b) => Uint8Array.of(b)),
);

const program = fc.array(opcode, { maxLength: 80 }).map((ops) => asm(...ops));

/** Programs that build well-formed values most of the time, so whole streams run to STOP. */
const { value: wellFormed } = fc.letrec<{ value: Uint8Array }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(A.NONE, A.NEWTRUE, A.EMPTY_TUPLE, A.EMPTY_LIST, A.EMPTY_DICT, A.EMPTY_SET),
    fc.integer({ min: 0, max: 255 }).map(A.BININT1),
    name.map(A.SHORT_BINUNICODE),
    fc.tuple(name, name).map(([m, n]) => A.GLOBAL(m, n)),
    fc.tuple(name, name).map(([m, n]) => A.SG(m, n)),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => asm(A.MARK, xs, A.TUPLE)),
    fc.array(tie('value'), { maxLength: 4 }).map((xs) => asm(A.EMPTY_LIST, A.MARK, xs, A.APPENDS)),
    fc.array(fc.tuple(name, tie('value')), { maxLength: 3 }).map((kv) =>
      asm(
        A.EMPTY_DICT,
        A.MARK,
        kv.map(([k, v]) => asm(A.SHORT_BINUNICODE(k), v)),
        A.SETITEMS,
      ),
    ),
    fc
      .tuple(name, name, fc.array(tie('value'), { maxLength: 3 }))
      .map(([m, n, xs]) => asm(A.GLOBAL(m, n), A.MARK, xs, A.TUPLE, A.REDUCE)),
    fc.tuple(name, name, tie('value')).map(([m, n, x]) => asm(A.GLOBAL(m, n), x, A.TUPLE1, A.NEWOBJ)),
    fc
      .tuple(tie('value'), name, tie('value'))
      .map(([obj, k, v]) => asm(obj, A.EMPTY_DICT, A.SHORT_BINUNICODE(k), v, A.SETITEM, A.BUILD)),
    fc
      .tuple(tie('value'), fc.integer({ min: 0, max: 3 }))
      .map(([x, i]) => asm(x, A.BINPUT(i), A.POP, A.BINGET(i))),
    tie('value').map((x) => asm(x, A.MEMOIZE, A.DUP, A.POP)),
  ),
}));

const wellFormedProgram = fc
  .tuple(fc.integer({ min: 0, max: 5 }), wellFormed, fc.boolean())
  .map(([p, v, framed]) =>
    framed ? asm(A.PROTO(p), A.FRAME(v.length + 1), v, A.STOP) : asm(A.PROTO(p), v, A.STOP),
  );

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; from: number; start: number; len: number }
  | { kind: 'length'; at: number; width: 1 | 2 | 4 | 8; value: bigint };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x2e, 0x28, 0x0a, 0x62, 0x93, 0x94, 0x95),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    from: fc.nat(),
    start: fc.nat(),
    len: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({
    kind: fc.constant('length' as const),
    at: fc.nat(),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const),
    value: fc.constantFrom(
      0n,
      1n,
      0x7fn,
      0xffn,
      0x7fffffffn,
      0xffffffffn,
      2n ** 40n,
      2n ** 62n,
      2n ** 64n - 1n,
    ),
  }),
);

/** Applies byte-level mutations; `pool` feeds splices from other seeds. */
function mutate(input: Uint8Array, mutations: readonly Mutation[], pool: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = Uint8Array.from(input);
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    switch (m.kind) {
      case 'flip':
        if (at < b.length) b[at]! ^= 1 << m.bit;
        break;
      case 'set':
        if (at < b.length) b[at] = m.value;
        break;
      case 'insert':
        b = asm(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      case 'delete':
        b = asm(b.subarray(0, at), b.subarray(at + m.len));
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'splice': {
        const src = pool[m.from % pool.length]!;
        const start = m.start % (src.length + 1);
        b = asm(b.subarray(0, at), src.subarray(start, start + m.len), b.subarray(at));
        break;
      }
      case 'length': {
        const field = u64le(m.value & (2n ** 64n - 1n)).subarray(0, m.width);
        b = asm(b.subarray(0, at), field, b.subarray(Math.min(b.length, at + m.width)));
        break;
      }
    }
  }
  return b;
}

// ---- properties -------------------------------------------------------------------------------------

describe('properties', () => {
  it('random bytes: no throw, closed anomaly codes, bounded time and retention', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        await check(bytes);
      }),
      { seed: 0x5eed01, numRuns: 400 },
    );
  });

  it('random bytes after a protocol header (more opcodes get past the first byte)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 512 }), async (p, rest) => {
        await check(asm(A.PROTO(p), rest));
      }),
      { seed: 0x5eed02, numRuns: 300 },
    );
  });

  it('random opcode programs from the assembler', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (bytes) => {
        await check(bytes);
      }),
      { seed: 0x5eed03, numRuns: 600 },
    );
  });

  it('well-formed programs from the assembler run to STOP; mutated, they still never throw', async () => {
    let stops = 0;
    await fc.assert(
      fc.asyncProperty(wellFormedProgram, fc.array(mutation, { maxLength: 2 }), async (bytes, ms) => {
        if ((await check(bytes)).end === 'stop') stops++;
        await check(mutate(bytes, ms, [bytes]));
      }),
      { seed: 0x5eed04, numRuns: 400 },
    );
    // the generator does build whole streams, so later opcodes are exercised too
    expect(stops).toBeGreaterThan(200);
  });
});

describe('mutations of corpus pickles', () => {
  const seeds = corpusPickleSeeds();
  const pool = seeds.map((s) => s.bytes);

  it('the corpus provides pickle seeds, including members of .pt archives and object .npy bodies', () => {
    expect(seeds.length).toBeGreaterThanOrEqual(40);
    expect(seeds.some((s) => s.name.includes('.pt!'))).toBe(true);
    expect(seeds.some((s) => s.name.endsWith('.npy'))).toBe(true);
  });

  seeds.forEach((seed, i) => {
    it(`${seed.name}: unmutated, then flip/set/insert/delete/truncate/splice/length mutations`, async () => {
      await check(seed.bytes);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
          await check(mutate(seed.bytes, ms, pool));
        }),
        { seed: 0xc0ffee + i, numRuns: 30 },
      );
    });
  });
});

// ---- regressions --------------------------------------------------------------------------------------

async function timedRun(bytes: Uint8Array | AsyncIterable<Uint8Array>, limits?: Partial<PickleLimits>) {
  const before = process.memoryUsage();
  const started = performance.now();
  const reader = bytes instanceof Uint8Array ? StreamReader.fromBytes(bytes) : new StreamReader(bytes);
  const r = await runPickle(reader, { ...(limits ? { limits } : {}), onEvent: () => {} });
  const ms = performance.now() - started;
  const after = process.memoryUsage();
  const grew = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  return { ...r, ms, grew, codes: r.anomalies.map((a) => a.code) };
}

const MiB = 1 << 20;

describe('resource regressions', () => {
  it('huge declared lengths neither allocate them nor hang (2^62 is refused, 2^40 is truncated)', async () => {
    for (const [label, op] of [
      ['BINBYTES8', A.BINBYTES8],
      ['BINUNICODE8', A.BINUNICODE8],
      ['BYTEARRAY8', A.BYTEARRAY8],
    ] as const) {
      const refused = await timedRun(asm(A.PROTO(5), op(A.hex('6162'), 2n ** 62n), A.STOP));
      expect([label, refused.end, refused.codes]).toEqual([label, 'error', ['BAD_OPERAND']]);
      const cut = await timedRun(asm(A.PROTO(5), op(A.hex('6162'), 2n ** 40n), A.STOP));
      expect([label, cut.end, cut.codes]).toEqual([label, 'eof', ['TRUNCATED']]);
      for (const r of [refused, cut]) {
        expect(r.ms).toBeLessThan(CASE_MS);
        expect(r.grew).toBeLessThan(64 * MiB);
      }
    }
    for (const bytes of [
      asm(A.PROTO(2), A.LONG4(A.hex('01'), 0x7fffffff), A.STOP),
      asm(A.PROTO(3), A.BINBYTES(A.hex('01'), 0xffffffff), A.STOP),
      asm(A.BINUNICODE('x', 0xffffffff), A.STOP),
      asm(A.BINSTRING('x', 0x7fffffff), A.STOP),
    ]) {
      const r = await timedRun(bytes);
      expect([r.end, r.codes]).toEqual(['eof', ['TRUNCATED']]);
      expect(r.grew).toBeLessThan(64 * MiB);
    }
    const frame = await timedRun(asm(A.PROTO(4), A.FRAME(2n ** 62n), A.NONE, A.STOP));
    expect([frame.end, frame.codes]).toEqual(['error', ['BAD_OPERAND']]);
  });

  it('deep MARK nesting stops at maxMarkDepth', async () => {
    const r = await timedRun(asm(new Uint8Array(200_000).fill(0x28), A.STOP));
    expect([r.end, r.codes]).toEqual(['limit', ['LIMIT_MARKS']]);
    expect(r.ms).toBeLessThan(CASE_MS);
  });

  it('deeply nested containers build without recursion and render bounded', async () => {
    const depth = 50_000;
    const bytes = asm(new Uint8Array(depth).fill(0x28), new Uint8Array(depth).fill(0x6c), A.STOP);
    const r = await timedRun(bytes);
    expect(r.end).toBe('stop');
    expect(describeValue(r.result!)).toBe('[[[[…]]]]');
    expect(r.ms).toBeLessThan(CASE_MS);
  });

  it('a DUP bomb stops at maxStackDepth', async () => {
    const r = await timedRun(asm(A.NONE, new Uint8Array(1_500_000).fill(0x32), A.STOP));
    expect([r.end, r.codes]).toEqual(['limit', ['LIMIT_STACK']]);
    expect(r.ms).toBeLessThan(CASE_MS);
  });

  it('a memo that makes a list contain itself is fine to build and to describe', async () => {
    const bytes = asm(A.EMPTY_LIST, A.BINPUT(0), A.BINGET(0), A.APPEND, A.BINGET(0), A.APPEND, A.STOP);
    const r = await timedRun(bytes);
    expect(r.end).toBe('stop');
    expect(describeValue(r.result!)).toBe('[[[[…], […]], [[…], […]]], [[[…], […]], [[…], […]]]]');
  });

  it('billion laughs through the memo keeps references, not copies', async () => {
    // each level is a list of 100 references to the previous level, 10 levels deep
    const level = asm(A.MARK, Array(100).fill(A.BINGET(0)), A.LIST, A.BINPUT(0), A.POP);
    const bytes = asm(A.EMPTY_LIST, A.BINPUT(0), A.POP, Array(10).fill(level), A.BINGET(0), A.STOP);
    const r = await timedRun(bytes);
    expect(r.end).toBe('stop');
    expect(r.grew).toBeLessThan(64 * MiB);
  });

  it('10 MB of MARKs ends quickly, from one buffer or in 1 MiB chunks', async () => {
    const marks = new Uint8Array(10 * MiB).fill(0x28);
    const whole = await timedRun(marks);
    expect([whole.end, whole.codes]).toEqual(['limit', ['LIMIT_MARKS']]);
    expect(whole.ms).toBeLessThan(CASE_MS);
    const chunked = await timedRun(
      (async function* () {
        for (let i = 0; i < marks.length; i += MiB) yield marks.subarray(i, i + MiB);
      })(),
    );
    expect([chunked.end, chunked.codes]).toEqual(['limit', ['LIMIT_MARKS']]);
    expect(chunked.ms).toBeLessThan(CASE_MS);
  });

  it('a 10 MB text line without a newline stops at maxLineBytes when it arrives in chunks', async () => {
    const line = asm(A.hex('49'), new Uint8Array(10 * MiB).fill(0x31));
    const r = await timedRun(
      (async function* () {
        for (let i = 0; i < line.length; i += 64 * 1024) yield line.subarray(i, i + 64 * 1024);
      })(),
    );
    expect([r.end, r.codes]).toEqual(['limit', ['LIMIT_LINE']]);
    expect(r.ms).toBeLessThan(CASE_MS);
  });

  it('many small streams after STOP are read one by one without quadratic cost', async () => {
    const one = asm(A.PROTO(2), A.NONE, A.STOP);
    const bytes = asm(Array(20_000).fill(one));
    const started = performance.now();
    const r = await readPickleStreams(StreamReader.fromBytes(bytes), { onEvent: () => {} });
    expect(r.streams).toHaveLength(20_000);
    expect(performance.now() - started).toBeLessThan(CASE_MS);
  });
});
