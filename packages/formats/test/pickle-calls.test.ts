/**
 * Calls and other side effects a real load performs: REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST, BUILD
 * (including a planted __setstate__), EXTn, persistent ids and out-of-band buffers.
 */
import { describe, expect, it } from 'vitest';
import {
  asm,
  BININT1,
  BINPERSID,
  BINUNICODE,
  BUILD,
  BYTEARRAY8,
  DICT,
  EMPTY_DICT,
  EMPTY_TUPLE,
  EXT1,
  EXT2,
  EXT4,
  GLOBAL,
  hex,
  INST,
  MARK,
  NEWOBJ,
  NEWOBJ_EX,
  NEXT_BUFFER,
  NONE,
  OBJ,
  PERSID,
  POP,
  PROTO,
  plain,
  READONLY_BUFFER,
  REDUCE,
  runBytes,
  SETITEM,
  SG,
  SHORT_BINUNICODE,
  STOP,
  STRING,
  TUPLE1,
  TUPLE2,
} from './helpers/pickle-asm.js';

const posixSystem = { global: 'posix.system' };
const echo = { tuple: ['echo x'] };

describe('calls', () => {
  it('REDUCE calls the callable under the argument tuple', async () => {
    const r = await runBytes(
      asm(PROTO(2), GLOBAL('posix', 'system'), BINUNICODE('echo x'), TUPLE1, REDUCE, STOP),
    );
    expect(r.calls).toHaveLength(1);
    const c = r.calls[0]!;
    expect([c.opcode, plain(c.callee), plain(c.args), c.kwargs, c.offset, c.index]).toEqual([
      'REDUCE',
      posixSystem,
      echo,
      undefined,
      28,
      4,
    ]);
    expect(plain(r.result)).toEqual({ call: posixSystem, op: 'REDUCE', args: echo });
  });

  it('NEWOBJ calls cls.__new__(cls, *args)', async () => {
    const r = await runBytes(
      asm(
        PROTO(2),
        GLOBAL('functools', 'partial'),
        GLOBAL('posix', 'system'),
        TUPLE1,
        NEWOBJ,
        EMPTY_TUPLE,
        REDUCE,
        STOP,
      ),
    );
    expect(r.calls.map((c) => [c.opcode, plain(c.callee)])).toEqual([
      ['NEWOBJ', { global: 'functools.partial' }],
      ['REDUCE', { call: { global: 'functools.partial' }, op: 'NEWOBJ', args: { tuple: [posixSystem] } }],
    ]);
    expect(plain(r.calls[0]!.args)).toEqual({ tuple: [posixSystem] });
  });

  it('NEWOBJ_EX passes keyword arguments', async () => {
    const r = await runBytes(
      asm(
        PROTO(4),
        SG('operator', 'methodcaller'),
        SHORT_BINUNICODE('system'),
        TUPLE1,
        EMPTY_DICT,
        SHORT_BINUNICODE('command'),
        SHORT_BINUNICODE('echo x'),
        SETITEM,
        NEWOBJ_EX,
        STOP,
      ),
    );
    const c = r.calls[0]!;
    expect(c.opcode).toBe('NEWOBJ_EX');
    expect(plain(c.callee)).toEqual({ global: 'operator.methodcaller' });
    expect(plain(c.args)).toEqual({ tuple: ['system'] });
    expect(plain(c.kwargs)).toEqual({ dict: [['command', 'echo x']] });
  });

  it('OBJ calls the first item after the MARK with the rest, even when the result is POPped', async () => {
    const r = await runBytes(
      asm(
        PROTO(1),
        MARK,
        GLOBAL('smtplib', 'SMTP'),
        SHORT_BINUNICODE('127.0.0.1'),
        BININT1(25),
        OBJ,
        POP,
        NONE,
        STOP,
      ),
    );
    expect(r.calls.map((c) => [c.opcode, plain(c.callee), plain(c.args)])).toEqual([
      ['OBJ', { global: 'smtplib.SMTP' }, { tuple: ['127.0.0.1', { int: '25' }] }],
    ]);
    expect(plain(r.result)).toBe(null);
    const empty = await runBytes(asm(MARK, OBJ, STOP));
    expect([empty.end, empty.codes]).toEqual(['error', ['STACK_UNDERFLOW']]);
  });

  it('INST imports and calls in one opcode', async () => {
    const r = await runBytes(asm(MARK, STRING("'echo x'"), INST('__builtin__', 'exec'), STOP));
    expect(r.imports).toEqual(['builtins.exec']);
    expect(r.calls.map((c) => [c.opcode, plain(c.callee), plain(c.args)])).toEqual([
      ['INST', { global: 'builtins.exec' }, echo],
    ]);
    const noMark = await runBytes(asm(INST('os', 'system'), STOP));
    expect(noMark.codes).toEqual(['MARK_NOT_FOUND']);
  });

  it('a callee can itself be a call result (getattr(__import__("os"), "system")(…))', async () => {
    const r = await runBytes(
      asm(
        PROTO(2),
        GLOBAL('builtins', 'getattr'),
        GLOBAL('builtins', '__import__'),
        SHORT_BINUNICODE('os'),
        TUPLE1,
        REDUCE,
        SHORT_BINUNICODE('system'),
        TUPLE2,
        REDUCE,
        SHORT_BINUNICODE('echo x'),
        TUPLE1,
        REDUCE,
        STOP,
      ),
    );
    expect(r.calls).toHaveLength(3);
    expect(plain(r.calls[2]!.callee)).toMatchObject({ call: { global: 'builtins.getattr' }, op: 'REDUCE' });
  });

  it('REDUCE needs a callable and arguments above the MARK', async () => {
    expect((await runBytes(asm(NONE, REDUCE, STOP))).codes).toEqual(['STACK_UNDERFLOW']);
    expect((await runBytes(asm(GLOBAL('os', 'system'), MARK, EMPTY_TUPLE, REDUCE, STOP))).codes).toEqual([
      'STACK_UNDERFLOW',
    ]);
  });
});

describe('BUILD', () => {
  const gadget = (state: Uint8Array) =>
    asm(
      PROTO(2),
      GLOBAL('argparse', 'Namespace'),
      EMPTY_TUPLE,
      REDUCE,
      state,
      BUILD,
      BINUNICODE('echo x'),
      BUILD,
      STOP,
    );

  it('a BUILD that plants __setstate__ makes the next BUILD call it (build-attribute, then call)', async () => {
    const r = await runBytes(
      gadget(asm(EMPTY_DICT, BINUNICODE('__setstate__'), GLOBAL('posix', 'system'), SETITEM)),
    );
    expect(r.all.map((e) => e.kind)).toEqual(['import', 'call', 'import', 'build-attribute', 'call']);
    const planted = r.all[3]!;
    expect(
      planted.kind === 'build-attribute' && [plain(planted.target), planted.name, plain(planted.value)],
    ).toEqual([
      { call: { global: 'argparse.Namespace' }, op: 'REDUCE', args: { tuple: [] } },
      '__setstate__',
      posixSystem,
    ]);
    const called = r.calls[1]!;
    expect([called.opcode, plain(called.callee), plain(called.args)]).toEqual(['BUILD', posixSystem, echo]);
  });

  it('a (dict, slotstate) tuple plants through the slot state too', async () => {
    const r = await runBytes(
      gadget(asm(NONE, EMPTY_DICT, BINUNICODE('__setstate__'), GLOBAL('posix', 'system'), SETITEM, TUPLE2)),
    );
    expect(r.calls.map((c) => [c.opcode, plain(c.callee)])).toEqual([
      ['REDUCE', { global: 'argparse.Namespace' }],
      ['BUILD', posixSystem],
    ]);
  });

  it('ordinary instance state is not an event; nothing is called by a BUILD without a planted __setstate__', async () => {
    const r = await runBytes(gadget(asm(MARK, SHORT_BINUNICODE('x'), BININT1(1), DICT)));
    expect(r.all.map((e) => e.kind)).toEqual(['import', 'call']);
    expect(r.end).toBe('stop');
  });

  it('setting an attribute on an imported object is a build-attribute event', async () => {
    const r = await runBytes(
      asm(
        PROTO(4),
        GLOBAL('numpy', 'prod'),
        NONE,
        EMPTY_DICT,
        SHORT_BINUNICODE('a'),
        SHORT_BINUNICODE('os'),
        SETITEM,
        TUPLE2,
        BUILD,
        STOP,
      ),
    );
    const e = r.all[1]!;
    expect(e.kind === 'build-attribute' && [plain(e.target), e.name, plain(e.value), e.offset]).toEqual([
      { global: 'numpy.prod' },
      'a',
      'os',
      25,
    ]);
  });

  it('needs a state and an object', async () => {
    expect((await runBytes(asm(EMPTY_DICT, BUILD, STOP))).codes).toEqual(['STACK_UNDERFLOW']);
  });
});

describe('EXT1, EXT2, EXT4 (copyreg extension registry)', () => {
  it('report the code and push an extension value', async () => {
    const r = await runBytes(asm(PROTO(2), EXT1(7), EXT2(0x1234), EXT4(0x12345678), hex('87'), STOP));
    expect(r.all).toEqual([
      { kind: 'ext', code: 7, opcode: 'EXT1', offset: 2, index: 1 },
      { kind: 'ext', code: 0x1234, opcode: 'EXT2', offset: 4, index: 2 },
      { kind: 'ext', code: 0x12345678, opcode: 'EXT4', offset: 7, index: 3 },
    ]);
    expect(r.end).toBe('stop');
  });

  it('a code <= 0 is an error (CPython: "EXT specifies code <= 0"), after the event', async () => {
    for (const ext of [EXT1(0), EXT2(0), EXT4(0), EXT4(-5)]) {
      const r = await runBytes(asm(PROTO(2), ext, STOP));
      expect(r.end).toBe('error');
      expect(r.codes).toEqual(['BAD_OPERAND']);
      expect(r.all.map((e) => e.kind)).toEqual(['ext']);
    }
  });
});

describe('persistent ids', () => {
  it('PERSID reports its text operand; BINPERSID the value it pops', async () => {
    const r = await runBytes(
      asm(
        PROTO(2),
        PERSID('storage_0'),
        SHORT_BINUNICODE('storage'),
        SHORT_BINUNICODE('0'),
        TUPLE2,
        BINPERSID,
        TUPLE2,
        STOP,
      ),
    );
    expect(r.all.map((e) => e.kind === 'persistent-id' && [plain(e.pid), e.offset])).toEqual([
      ['storage_0', 2],
      [{ tuple: ['storage', '0'] }, 26],
    ]);
    expect((await runBytes(asm(BINPERSID, STOP))).codes).toEqual(['STACK_UNDERFLOW']);
  });
});

describe('out-of-band buffers (protocol 5)', () => {
  it('NEXT_BUFFER fails: a file load never has out-of-band buffers', async () => {
    const r = await runBytes(asm(PROTO(5), NEXT_BUFFER, STOP));
    expect(r.end).toBe('error');
    expect(r.anomalies).toEqual([expect.objectContaining({ code: 'OUT_OF_BAND_BUFFER', offset: 2 })]);
  });

  it('READONLY_BUFFER leaves the value on the stack and needs one', async () => {
    const r = await runBytes(asm(PROTO(5), BYTEARRAY8(hex('61')), READONLY_BUFFER, STOP));
    expect(plain(r.result)).toEqual({ bytes: '61', mutable: true });
    expect((await runBytes(asm(PROTO(5), READONLY_BUFFER, STOP))).codes).toEqual(['STACK_UNDERFLOW']);
  });
});
