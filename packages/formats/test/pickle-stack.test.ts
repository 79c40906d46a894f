/**
 * Stack, marks, containers, memo and framing: the opcodes that move values around rather than make
 * them, with CPython 3.11's semantics (pickle.py and _pickle.c agree on everything checked here).
 */
import { describe, expect, it } from 'vitest';
import {
  ADDITEMS,
  APPEND,
  APPENDS,
  asm,
  BINGET,
  BININT1,
  BINPUT,
  BYTEARRAY8,
  DICT,
  DUP,
  EMPTY_DICT,
  EMPTY_LIST,
  EMPTY_SET,
  EMPTY_TUPLE,
  FRAME,
  FROZENSET,
  GET,
  GLOBAL,
  hex,
  LIST,
  LONG_BINGET,
  LONG_BINPUT,
  MARK,
  MEMOIZE,
  NONE,
  type Plain,
  POP,
  POP_MARK,
  PROTO,
  PUT,
  plain,
  runBytes,
  SETITEM,
  SETITEMS,
  SHORT_BINBYTES,
  SHORT_BINUNICODE,
  STOP,
  TUPLE,
  TUPLE1,
  TUPLE2,
  TUPLE3,
} from './helpers/pickle-asm.js';

const int = (n: number): Plain => ({ int: String(n) });
const K = BININT1;

async function value(...parts: Uint8Array[]): Promise<Plain> {
  const r = await runBytes(asm(...parts, STOP));
  expect(r.anomalies).toEqual([]);
  expect(r.end).toBe('stop');
  return plain(r.result);
}

async function outcome(...parts: Uint8Array[]) {
  const r = await runBytes(asm(...parts, STOP));
  return { end: r.end, codes: r.codes };
}

describe('tuples', () => {
  it('EMPTY_TUPLE, TUPLE (from MARK) and TUPLE1/2/3 keep stack order', async () => {
    expect(await value(EMPTY_TUPLE)).toEqual({ tuple: [] });
    expect(await value(MARK, K(1), K(2), K(3), K(4), TUPLE)).toEqual({
      tuple: [int(1), int(2), int(3), int(4)],
    });
    expect(await value(MARK, TUPLE)).toEqual({ tuple: [] });
    expect(await value(K(1), TUPLE1)).toEqual({ tuple: [int(1)] });
    expect(await value(K(1), K(2), TUPLE2)).toEqual({ tuple: [int(1), int(2)] });
    expect(await value(K(1), K(2), K(3), TUPLE3)).toEqual({ tuple: [int(1), int(2), int(3)] });
  });

  it('TUPLE1/2/3 cannot reach below a MARK', async () => {
    expect(await outcome(NONE, NONE, MARK, NONE, TUPLE3)).toEqual({
      end: 'error',
      codes: ['STACK_UNDERFLOW'],
    });
    expect(await outcome(MARK, TUPLE1)).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
  });

  it('TUPLE without a MARK fails', async () => {
    expect(await outcome(K(1), TUPLE)).toEqual({ end: 'error', codes: ['MARK_NOT_FOUND'] });
  });
});

describe('lists, dicts and sets', () => {
  it('EMPTY_LIST + APPEND/APPENDS and LIST build lists in order', async () => {
    expect(await value(EMPTY_LIST, K(1), APPEND, MARK, K(2), K(3), APPENDS)).toEqual([
      int(1),
      int(2),
      int(3),
    ]);
    expect(await value(MARK, K(5), K(6), LIST)).toEqual([int(5), int(6)]);
    expect(await value(EMPTY_LIST, MARK, APPENDS)).toEqual([]);
  });

  it('EMPTY_DICT + SETITEM/SETITEMS and DICT build dicts in insertion order', async () => {
    expect(await value(EMPTY_DICT, K(1), K(2), SETITEM, MARK, K(3), K(4), K(5), K(6), SETITEMS)).toEqual({
      dict: [
        [int(1), int(2)],
        [int(3), int(4)],
        [int(5), int(6)],
      ],
    });
    expect(await value(MARK, SHORT_BINUNICODE('k'), NONE, DICT)).toEqual({ dict: [['k', null]] });
  });

  it('DICT and SETITEMS with an odd number of items fail before touching the dict', async () => {
    expect(await outcome(MARK, K(1), DICT)).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(EMPTY_DICT, MARK, K(1), K(2), K(3), SETITEMS)).toEqual({
      end: 'error',
      codes: ['BAD_OPERAND'],
    });
  });

  it('EMPTY_SET + ADDITEMS and FROZENSET build sets', async () => {
    expect(await value(EMPTY_SET, MARK, K(1), K(2), ADDITEMS)).toEqual({ set: [int(1), int(2)] });
    expect(await value(MARK, K(3), FROZENSET)).toEqual({ frozenset: [int(3)] });
  });

  it('APPEND, SETITEM and ADDITEMS fail on targets without that method', async () => {
    expect(await outcome(EMPTY_TUPLE, K(1), APPEND)).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(EMPTY_DICT, K(1), APPEND)).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(EMPTY_TUPLE, K(1), K(2), SETITEM)).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(MARK, FROZENSET, MARK, K(1), ADDITEMS)).toEqual({
      end: 'error',
      codes: ['BAD_OPERAND'],
    });
    expect(await outcome(K(1), MARK, K(2), APPENDS)).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
  });

  it('APPENDS onto an imported object is noted (it calls that object’s own extend), not fatal', async () => {
    const r = await runBytes(asm(GLOBAL('sys', 'path'), MARK, SHORT_BINUNICODE('/tmp/x'), APPENDS, STOP));
    expect(r.end).toBe('stop');
    expect(r.codes).toEqual(['CONTAINER_TARGET']);
  });

  // Regression (fixed): CPython's SETITEM/SETITEMS call the target's __setitem__ (a list takes an index) and
  // APPEND/APPENDS call .append/.extend (a bytearray has both), so these streams load fine; the
  // machine halts with BAD_OPERAND and never sees the opcodes that follow. Verified with
  // pickle.loads: b'(K\x01lK\x00K\x05s.' == [5]; b'\x80\x05\x96' + 8*b'\0' + b'KAa.' == bytearray(b'A').
  it('SETITEM and SETITEMS on a list are legal, as in CPython, so what follows is still seen', async () => {
    const r = await runBytes(
      asm(
        MARK,
        K(1),
        K(2),
        LIST,
        K(0),
        K(5),
        SETITEM,
        MARK,
        K(1),
        K(8),
        SETITEMS,
        GLOBAL('posix', 'system'),
        STOP,
      ),
    );
    expect(r.anomalies).toEqual([]);
    expect(r.end).toBe('stop');
    expect(r.imports).toEqual(['posix.system']);
  });

  it('APPEND and APPENDS on a bytearray are legal, as in CPython, so what follows is still seen', async () => {
    const r = await runBytes(
      asm(
        PROTO(5),
        BYTEARRAY8(new Uint8Array()),
        K(0x41),
        APPEND,
        MARK,
        K(0x42),
        APPENDS,
        GLOBAL('posix', 'system'),
        STOP,
      ),
    );
    expect(r.anomalies).toEqual([]);
    expect(r.end).toBe('stop');
    expect(r.imports).toEqual(['posix.system']);
  });

  it('containers are shared by reference: a later APPEND through the memo shows everywhere', async () => {
    const r = await runBytes(
      asm(EMPTY_LIST, BINPUT(0), POP, BINGET(0), K(7), APPEND, POP, BINGET(0), BINGET(0), TUPLE2, STOP),
    );
    expect(plain(r.result)).toEqual({ tuple: [[int(7)], [int(7)]] });
    const t = r.result?.t === 'tuple' ? r.result.items : [];
    expect(t[0]).toBe(t[1]);
  });
});

describe('MARK, POP, POP_MARK, DUP', () => {
  it('POP_MARK discards everything above the last MARK and the MARK itself', async () => {
    expect(await value(K(1), MARK, K(2), K(3), POP_MARK)).toEqual(int(1));
    expect(await outcome(K(1), POP_MARK)).toEqual({ end: 'error', codes: ['MARK_NOT_FOUND'] });
  });

  it('POP removes the top value, or the MARK itself when nothing is above it', async () => {
    expect(await value(K(1), K(2), POP)).toEqual(int(1));
    expect(await value(K(1), MARK, POP)).toEqual(int(1));
    // the MARK is gone, so a TUPLE now has none to find
    expect(await outcome(K(1), MARK, POP, TUPLE)).toEqual({ end: 'error', codes: ['MARK_NOT_FOUND'] });
    expect(await outcome(POP)).toEqual({ end: 'error', codes: ['MARK_NOT_FOUND'] });
  });

  it('DUP pushes the same value again', async () => {
    const r = await runBytes(asm(EMPTY_LIST, DUP, TUPLE2, STOP));
    const t = r.result?.t === 'tuple' ? r.result.items : [];
    expect(t).toHaveLength(2);
    expect(t[0]).toBe(t[1]);
    expect(await outcome(DUP)).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
    expect(await outcome(MARK, DUP)).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
  });

  it('STOP pops the top of the stack and needs one', async () => {
    expect(await value(K(1), K(2))).toEqual(int(2));
    expect(await outcome()).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
    expect(await outcome(K(1), MARK)).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
  });
});

describe('memo', () => {
  it('PUT/GET take decimal text indexes', async () => {
    expect(await value(K(5), PUT(3), POP, GET(3))).toEqual(int(5));
    expect(await value(K(5), PUT('12345678901'), POP, GET('12345678901'))).toEqual(int(5));
  });

  it('BINPUT/BINGET take a byte; LONG_BINPUT/LONG_BINGET an unsigned 32-bit index', async () => {
    expect(await value(K(9), BINPUT(255), POP, BINGET(255))).toEqual(int(9));
    expect(await value(K(9), LONG_BINPUT(0xfffffffe), POP, LONG_BINGET(0xfffffffe))).toEqual(int(9));
    // the same slot through each width
    expect(await value(K(4), LONG_BINPUT(7), POP, BINGET(7))).toEqual(int(4));
  });

  it('MEMOIZE stores at len(memo), not at the highest index + 1', async () => {
    // PUT 5 makes len(memo) == 1, so MEMOIZE stores at 1
    expect(await value(K(10), PUT(5), POP, K(11), MEMOIZE, POP, BINGET(1))).toEqual(int(11));
    expect(await outcome(K(10), PUT(5), POP, K(11), MEMOIZE, POP, BINGET(6))).toEqual({
      end: 'error',
      codes: ['MEMO_NOT_FOUND'],
    });
    // overwriting an index does not grow len(memo)
    expect(await value(K(1), BINPUT(0), K(2), BINPUT(0), K(3), MEMOIZE, POP, POP, POP, BINGET(1))).toEqual(
      int(3),
    );
    // MEMOIZE after MEMOIZE counts up from 0
    expect(await value(K(1), MEMOIZE, K(2), MEMOIZE, BINGET(0), BINGET(1), TUPLE2)).toEqual({
      tuple: [int(1), int(2)],
    });
  });

  it('a later PUT to the same index replaces the earlier value', async () => {
    expect(await value(K(1), BINPUT(0), K(2), BINPUT(0), BINGET(0))).toEqual(int(2));
  });

  it('GET of a missing index fails with the index', async () => {
    const r = await runBytes(asm(K(1), BINPUT(0), BINGET(1), STOP));
    expect(r.end).toBe('error');
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'MEMO_NOT_FOUND', actual: 1, offset: 4 })]);
    expect(await outcome(GET(0))).toEqual({ end: 'error', codes: ['MEMO_NOT_FOUND'] });
    expect(await outcome(LONG_BINGET(0x01020304))).toEqual({ end: 'error', codes: ['MEMO_NOT_FOUND'] });
  });

  it('PUT rejects negative and non-decimal indexes; any PUT needs a value above the MARK', async () => {
    expect(await outcome(K(1), PUT(-1))).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(K(1), PUT('x'))).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(K(1), GET('0x1'))).toEqual({ end: 'error', codes: ['BAD_OPERAND'] });
    expect(await outcome(BINPUT(0))).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
    expect(await outcome(K(1), MARK, MEMOIZE)).toEqual({ end: 'error', codes: ['STACK_UNDERFLOW'] });
  });
});

describe('FRAME', () => {
  it('a well-formed frame changes nothing', async () => {
    const body = asm(K(1), K(2), TUPLE2, STOP);
    const r = await runBytes(asm(PROTO(4), FRAME(body.length), body));
    expect(r.end).toBe('stop');
    expect(r.anomalies).toEqual([]);
    expect(r.alternateStarts).toEqual([]);
    // consecutive frames
    const two = await runBytes(asm(PROTO(4), FRAME(2), K(1), FRAME(3), K(2), TUPLE1, STOP));
    expect(two.anomalies).toEqual([]);
  });

  it('an opcode that runs past the end of its frame is FRAME_STRADDLE, with an alternate start there', async () => {
    // FRAME ends after 2 bytes, but the SHORT_BINBYTES that starts inside it is 7 bytes long
    const payload = asm(SHORT_BINBYTES(hex('4b01 2e 000000')), STOP);
    const r = await runBytes(asm(PROTO(5), FRAME(2), payload));
    const frameEnd = 2 + 9 + 2;
    expect(r.end).toBe('stop');
    expect(r.anomalies).toEqual([
      expect.objectContaining({
        code: 'FRAME_STRADDLE',
        offset: 11,
        field: 'SHORT_BINBYTES',
        actual: frameEnd,
      }),
    ]);
    expect(r.alternateStarts).toEqual([{ offset: frameEnd }]);
  });

  it('a FRAME inside the previous frame is FRAME_OVERLAP', async () => {
    const r = await runBytes(asm(PROTO(4), FRAME(20), K(1), FRAME(1), POP, K(2), STOP));
    expect(r.end).toBe('stop');
    expect(r.codes).toEqual(['FRAME_OVERLAP']);
    expect(r.anomalies[0]?.offset).toBe(13);
  });

  it('a frame length no stream can hold is rejected without reading on', async () => {
    const r = await runBytes(asm(PROTO(4), FRAME(2n ** 62n), NONE, STOP));
    expect(r.end).toBe('error');
    expect(r.codes).toEqual(['BAD_OPERAND']);
    expect(r.anomalies[0]?.field).toBe('FRAME length');
  });
});
