/**
 * Property and fuzz tests for the pickle machine (fixed seeds, bounded runs): random bytes, random
 * opcode programs from the assembler, and byte-level mutations of every corpus pickle. Whatever the
 * input, the machine returns anomalies rather than throwing, finishes quickly, and keeps what it
 * retains bounded. The classic resource attacks are in pickle-resources.test.ts.
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
import { PICKLE_ANOMALY_CODES } from './helpers/closed-sets.js';
import * as A from './helpers/pickle-asm.js';
import { asm, corpusPickleSeeds, u64le } from './helpers/pickle-asm.js';

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
  for (const a of r.anomalies) expect(PICKLE_ANOMALY_CODES.has(a.code), a.code).toBe(true);
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
    for (const a of s.anomalies) expect(PICKLE_ANOMALY_CODES.has(a.code), a.code).toBe(true);
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
