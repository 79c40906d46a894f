/**
 * Resource regressions for the pickle machine: the classic attacks on unpicklers (huge declared
 * lengths, deep nesting, DUP and memo bombs, megabytes of MARKs, endless lines, many streams) must
 * end quickly with a limit or truncation anomaly and without allocating what the bytes claim.
 */
import {
  describeValue,
  type PickleLimits,
  readPickleStreams,
  runPickle,
  StreamReader,
} from '@vacsrp/formats';
import { describe, expect, it } from 'vitest';
import * as A from './helpers/pickle-asm.js';
import { asm } from './helpers/pickle-asm.js';

/** Per-case wall-clock bound, as in the fuzz tests. */
const CASE_MS = 2000;

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

  // BUG (found by scripts/fuzz.ts): describeValue's depth limit does not cover a call's callee
  // (render(v.callee, 0) recurses again at depth 0) nor a persistent id's pid (no depth check), so
  // it walks the whole chain: quadratic over a stream's events, and a RangeError (stack overflow)
  // from about 20 000 links — 40 KB of ')R' repeated after a GLOBAL, or 'N' + 'Q' * 20000 + '.'.
  // A scanner that renders evidence for each call event hangs, then crashes.
  it('describeValue of a 20 000-deep REDUCE chain returns quickly', async () => {
    const r = await timedRun(
      asm(
        A.PROTO(2),
        A.GLOBAL('argparse', 'Namespace'),
        Array(20_000).fill(asm(A.EMPTY_TUPLE, A.REDUCE)),
        A.STOP,
      ),
    );
    expect(r.end).toBe('stop');
    const started = performance.now();
    expect(describeValue(r.result!).length).toBeLessThanOrEqual(160);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('describeValue of a 20 000-deep BINPERSID chain returns', async () => {
    const r = await timedRun(asm(A.NONE, new Uint8Array(20_000).fill(0x51), A.STOP));
    expect(r.end).toBe('stop');
    expect(describeValue(r.result!).length).toBeLessThanOrEqual(160);
  });

  it('describeValue of deep tuple, list and dict nesting stays bounded', async () => {
    const tuples = await timedRun(asm(A.NONE, new Uint8Array(20_000).fill(0x85), A.STOP));
    expect(describeValue(tuples.result!)).toBe('((((…),),),)');
    // d = {0: d}, 20 000 times, through the memo
    const nest = asm(A.BINPUT(0), A.POP, A.EMPTY_DICT, A.BININT1(0), A.BINGET(0), A.SETITEM);
    const dicts = await timedRun(asm(A.NONE, Array(20_000).fill(nest), A.STOP));
    expect(dicts.end).toBe('stop');
    expect(describeValue(dicts.result!)).toBe('{0: {0: {0: {…}}}}');
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
