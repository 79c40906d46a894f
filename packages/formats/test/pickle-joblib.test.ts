/**
 * joblib framing (bypass A11): after the BUILD of a NumpyArrayWrapper joblib reads the array bytes
 * straight from the file — padding byte, padding, raw data; or a whole nested pickle for object
 * dtypes — and then goes on unpickling. The hook must consume exactly those bytes so the opcodes
 * after them are seen.
 */
import { inflateSync } from 'node:zlib';
import {
  dtypeInfo,
  type JoblibArrayInfo,
  joblibAfterBuild,
  type PickleEvent,
  readPickleStreams,
  runPickle,
  StreamReader,
} from '@vacsrp/formats';
import { describe, expect, it } from 'vitest';
import {
  asm,
  BININT,
  BININT1,
  BINUNICODE,
  BUILD,
  corpusFile,
  corpusManifest,
  EMPTY_DICT,
  EMPTY_TUPLE,
  FRAME,
  GLOBAL,
  hex,
  MARK,
  NEWFALSE,
  NEWOBJ,
  NEWTRUE,
  NONE,
  PROTO,
  REDUCE,
  SETITEMS,
  SG,
  SHORT_BINUNICODE,
  STOP,
  TUPLE,
  TUPLE1,
  TUPLE3,
} from './helpers/pickle-asm.js';

const K = BININT1;
const SBU = SHORT_BINUNICODE;

/** numpy.dtype(typestr, False, True) + BUILD (3, '<', None, None, None, elsize, alignment, flags). */
const dtype = (typestr: string, elsize = -1, flags = 0) =>
  asm(
    SG('numpy', 'dtype'),
    SBU(typestr),
    NEWFALSE,
    NEWTRUE,
    TUPLE3,
    REDUCE,
    MARK,
    K(3),
    SBU('<'),
    NONE,
    NONE,
    NONE,
    BININT(elsize),
    BININT(-1),
    K(flags),
    TUPLE,
    BUILD,
  );

interface WrapperState {
  shape?: number[];
  dtype: Uint8Array;
  /** numpy_array_alignment_bytes: 16 (default), absent (false), or None ('none'). */
  alignment?: boolean | 'none';
}

/** NumpyArrayWrapper() NEWOBJ + BUILD {subclass, shape, order, dtype, allow_mmap, numpy_array_alignment_bytes}. */
const wrapper = (s: WrapperState) =>
  asm(
    SG('joblib.numpy_pickle', 'NumpyArrayWrapper'),
    EMPTY_TUPLE,
    NEWOBJ,
    EMPTY_DICT,
    MARK,
    SBU('subclass'),
    SG('numpy', 'ndarray'),
    s.shape ? [SBU('shape'), MARK, s.shape.map((n) => K(n)), TUPLE] : [],
    SBU('order'),
    SBU('C'),
    SBU('dtype'),
    s.dtype,
    SBU('allow_mmap'),
    NEWTRUE,
    s.alignment === false ? [] : [SBU('numpy_array_alignment_bytes'), s.alignment === 'none' ? NONE : K(16)],
    SETITEMS,
    BUILD,
  );

const payload = asm(GLOBAL('posix', 'system'), BINUNICODE('echo x'), TUPLE1, REDUCE);

/** {'arr': <array>, 'hook': posix.system('echo x')} with `array` written inline after the wrapper. */
const joblibFile = (array: Uint8Array) =>
  asm(PROTO(4), EMPTY_DICT, MARK, SBU('arr'), array, SBU('hook'), payload, SETITEMS, STOP);

async function run(bytes: Uint8Array, hook = true) {
  const events: PickleEvent[] = [];
  const arrays: JoblibArrayInfo[] = [];
  const r = await runPickle(StreamReader.fromBytes(bytes), {
    onEvent: (e) => events.push(e),
    ...(hook ? { afterBuild: joblibAfterBuild((a) => arrays.push(a)) } : {}),
  });
  const imports = events.flatMap((e) => (e.kind === 'import' ? [`${e.module}.${e.name}`] : []));
  return { ...r, events, arrays, imports, codes: r.anomalies.map((a) => a.code) };
}

describe('numeric arrays', () => {
  // raw float64 data that happens to be full of STOP bytes: a parser that reads it as opcodes stops early
  const raw = new Uint8Array(24).fill(0x2e);
  const head = wrapper({ shape: [3], dtype: dtype('<f8') });
  const bytes = joblibFile(asm(head, Uint8Array.of(3), new Uint8Array(3), raw));

  it('skips padding byte, padding and raw bytes, then sees the opcodes after them', async () => {
    const r = await run(bytes);
    expect(r.end).toBe('stop');
    expect(r.anomalies).toEqual([]);
    expect(r.imports).toContain('posix.system');
    expect(r.events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && e.opcode)).toEqual([
      'NEWOBJ', // NumpyArrayWrapper()
      'REDUCE', // numpy.dtype(...)
      'REDUCE', // posix.system(...)
    ]);
    const arrayAt = 2 + 1 + 1 + 5 + head.length;
    expect(r.arrays).toEqual([{ offset: arrayAt + 4, dtype: '<f8', shape: [3n], object: false, bytes: 24n }]);
    // where plain pickle.load would read opcodes instead
    expect(r.alternateStarts.map((a) => a.offset)).toEqual([arrayAt]);
    expect(r.alternateStarts[0]?.window?.[0]).toBe(3);
  });

  it('without the hook the same bytes desynchronise and the payload is never seen', async () => {
    const r = await run(bytes, false);
    expect(r.end).toBe('error');
    expect(r.imports).not.toContain('posix.system');
  });

  it('without numpy_array_alignment_bytes there is no padding byte', async () => {
    const noPad = joblibFile(
      asm(wrapper({ shape: [2], dtype: dtype('<i4'), alignment: false }), new Uint8Array(8)),
    );
    const r = await run(noPad);
    expect([r.end, r.codes]).toEqual(['stop', []]);
    expect(r.arrays[0]).toMatchObject({ dtype: '<i4', bytes: 8n });
    expect(r.imports).toContain('posix.system');
  });

  it('a multi-dimensional shape multiplies out, and elsize from the dtype state wins', async () => {
    const arr = asm(wrapper({ shape: [2, 3], dtype: dtype('V', 5), alignment: false }), new Uint8Array(30));
    const r = await run(joblibFile(arr));
    expect([r.end, r.codes]).toEqual(['stop', []]);
    expect(r.arrays[0]).toMatchObject({ shape: [2n, 3n], bytes: 30n });
  });

  // Regression (fixed): joblib reads the padding byte only when numpy_array_alignment_bytes is not None
  // (safe_get_numpy_array_alignment_bytes(); joblib.dump itself writes None when the file handle
  // cannot tell()), but the hook reads one whenever the key is present. Here the hook takes the
  // first raw byte as padding and ends one byte into the payload that joblib.load runs.
  it('numpy_array_alignment_bytes: None means no padding byte, as in joblib', async () => {
    const arr = asm(wrapper({ shape: [2], dtype: dtype('<i4'), alignment: 'none' }), new Uint8Array(8));
    const r = await run(joblibFile(arr));
    expect([r.end, r.codes]).toEqual(['stop', []]);
    expect(r.imports).toContain('posix.system');
  });

  // Regression (fixed): joblib's NumpyUnpickler is the pure-Python Unpickler, whose _Unframer reads a whole FRAME
  // ahead, and NumpyArrayWrapper.read_array reads the array from file_handle — i.e. from the end of
  // the current frame, not from just after BUILD. A BUILD in the middle of a frame thus makes joblib
  // read the array after the frame and then run the rest of the frame. The hook reads right after
  // BUILD instead; below, joblib runs posix.system while the machine reports a clean run (the
  // payload is only visible in the alternate-start window).
  it('a BUILD inside an unfinished frame is reported, or the frame’s remaining opcodes are run', async () => {
    const head = wrapper({ shape: [9], dtype: dtype('|u1') });
    const rest = asm(SG('posix', 'system'), SBU('echo x'), TUPLE1, REDUCE, STOP);
    // the hook takes rest[0] (0x8c = 140) as its padding length: pad the frame to 1 + 140 bytes
    const restOfFrame = asm(rest, new Uint8Array(141 - rest.length));
    const frame = asm(head, restOfFrame);
    // after the frame: joblib's padding byte (0) and 9 array bytes; the machine reads those 10 bytes
    // as 9 array bytes (ending on NONE) and then reads STOP
    const bytes = asm(PROTO(4), FRAME(frame.length), frame, Uint8Array.of(0), new Uint8Array(8), NONE, STOP);
    const r = await run(bytes);
    expect(r.imports.includes('posix.system') || r.anomalies.length > 0).toBe(true);
  });

  it('a wrapper with no shape is JOBLIB_ARRAY_UNSIZED and ends the stream', async () => {
    const r = await run(
      joblibFile(asm(wrapper({ dtype: dtype('<f8') }), Uint8Array.of(0), new Uint8Array(8))),
    );
    expect(r.end).toBe('error');
    expect(r.codes).toEqual(['JOBLIB_ARRAY_UNSIZED']);
  });

  it('a wrapper whose dtype cannot be read is JOBLIB_ARRAY_UNSIZED', async () => {
    const r = await run(
      joblibFile(asm(wrapper({ shape: [1], dtype: SBU('f8') }), Uint8Array.of(0), new Uint8Array(8))),
    );
    expect(r.codes).toEqual(['JOBLIB_ARRAY_UNSIZED']);
  });

  it('an array that runs past the end of the file is JOBLIB_ARRAY_TRUNCATED', async () => {
    const r = await run(
      asm(PROTO(4), wrapper({ shape: [200], dtype: dtype('<f8') }), Uint8Array.of(0), new Uint8Array(10)),
    );
    expect(r.end).toBe('error');
    expect(r.codes).toEqual(['JOBLIB_ARRAY_TRUNCATED']);
    const noPadByte = await run(asm(PROTO(4), wrapper({ shape: [1], dtype: dtype('<f8') })));
    expect(noPadByte.codes).toEqual(['JOBLIB_ARRAY_TRUNCATED']);
  });

  it('an overflowing size is refused rather than skipped', async () => {
    const r = await run(
      joblibFile(
        asm(wrapper({ shape: [255, 255, 255, 255, 255, 255, 255], dtype: dtype('<f8') }), Uint8Array.of(0)),
      ),
    );
    expect(r.end).toBe('error');
    expect(r.codes).toEqual(['JOBLIB_ARRAY_UNSIZED']);
  });
});

describe('object arrays', () => {
  it('read a nested pickle stream in place, whose events are reported, then carry on', async () => {
    const nested = asm(
      PROTO(2),
      GLOBAL('builtins', 'exec'),
      BINUNICODE('import os'),
      TUPLE1,
      REDUCE,
      TUPLE1,
      STOP,
    );
    const bytes = joblibFile(asm(wrapper({ shape: [1], dtype: dtype('|O8'), alignment: false }), nested));
    const r = await run(bytes);
    expect([r.end, r.codes]).toEqual(['stop', []]);
    expect(r.imports).toEqual([
      'joblib.numpy_pickle.NumpyArrayWrapper',
      'numpy.ndarray',
      'numpy.dtype',
      'builtins.exec',
      'posix.system',
    ]);
    expect(r.arrays).toEqual([expect.objectContaining({ object: true, dtype: '|O8' })]);
  });

  it('a nested stream that does not reach STOP ends the outer one (JOBLIB_ARRAY_TRUNCATED)', async () => {
    const nested = asm(PROTO(2), GLOBAL('builtins', 'exec'));
    const r = await run(asm(PROTO(4), wrapper({ shape: [1], dtype: dtype('O') }), nested));
    expect(r.end).toBe('error');
    expect(r.codes).toContain('JOBLIB_ARRAY_TRUNCATED');
    expect(r.imports).toContain('builtins.exec');
  });

  // Regression (fixed): the hook runs the nested stream with runNested() but keeps only its end; the nested run's
  // anomalies (CONTAINER_TARGET, FRAME_STRADDLE, LIMIT_*, the TRUNCATED that made it fail) and its
  // alternateStarts are dropped, so findings inside an object array's pickle never reach the caller.
  it('anomalies of the nested stream are reported', async () => {
    const nested = asm(PROTO(2), GLOBAL('sys', 'path'), MARK, SBU('/tmp/x'), hex('65'), STOP);
    const r = await run(
      joblibFile(asm(wrapper({ shape: [1], dtype: dtype('O'), alignment: false }), nested)),
    );
    expect(r.end).toBe('stop');
    expect(r.codes).toContain('CONTAINER_TARGET');
  });

  it('the hasobject flag in the dtype state makes an array an object array', async () => {
    const nested = asm(PROTO(2), GLOBAL('posix', 'system'), STOP);
    const r = await run(
      joblibFile(asm(wrapper({ shape: [1], dtype: dtype('V8', -1, 1), alignment: false }), nested)),
    );
    expect(r.arrays[0]).toMatchObject({ object: true });
    expect(r.imports.filter((i) => i === 'posix.system')).toHaveLength(2);
  });
});

describe('dtypeInfo', () => {
  const call = async (d: Uint8Array) => (await run(asm(PROTO(4), d, STOP), false)).result;

  it('reads numpy.dtype(typestr) with its BUILD state', async () => {
    expect(dtypeInfo(await call(dtype('<f8')))).toEqual({ str: '<f8', itemsize: 8, object: false });
    expect(dtypeInfo(await call(dtype('i4')))).toEqual({ str: 'i4', itemsize: 4, object: false });
    expect(dtypeInfo(await call(dtype('b1')))).toEqual({ str: 'b1', itemsize: 1, object: false });
    expect(dtypeInfo(await call(dtype('?')))).toEqual({ str: '?', itemsize: 1, object: false });
    expect(dtypeInfo(await call(dtype('<U5', 20)))).toEqual({ str: '<U5', itemsize: 20, object: false });
    expect(dtypeInfo(await call(asm(SG('numpy', 'dtype'), SBU('<U5'), TUPLE1, REDUCE)))).toMatchObject({
      itemsize: 20,
    });
    expect(dtypeInfo(await call(dtype('S3', 7)))).toEqual({ str: 'S3', itemsize: 7, object: false });
    expect(dtypeInfo(await call(dtype('<M8')))).toEqual({ str: '<M8', itemsize: 8, object: false });
    expect(dtypeInfo(await call(dtype('O8')))).toEqual({ str: 'O8', itemsize: 8, object: true });
    expect(dtypeInfo(await call(dtype('V', 12)))).toEqual({ str: 'V', itemsize: 12, object: false });
  });

  it('is undefined for anything that is not numpy.dtype of a type string', async () => {
    expect(dtypeInfo(undefined)).toBeUndefined();
    expect(dtypeInfo(await call(asm(SG('evil', 'dtype'), SBU('<f8'), TUPLE1, REDUCE)))).toBeUndefined();
    expect(dtypeInfo(await call(asm(SG('numpy', 'dtype'), K(8), TUPLE1, REDUCE)))).toBeUndefined();
    expect(dtypeInfo(await call(asm(SG('numpy', 'dtype'), SBU('<f8; rm'), TUPLE1, REDUCE)))).toBeUndefined();
    expect(dtypeInfo(await call(asm(SG('numpy', 'dtype'), SBU('V'), TUPLE1, REDUCE)))).toBeUndefined();
    expect(dtypeInfo(await call(SBU('<f8')))).toBeUndefined();
  });
});

describe('corpus joblib files', () => {
  const entries = corpusManifest().filter((e) => e.format.startsWith('joblib'));

  it('the corpus has benign and malicious, plain and zlib-compressed joblib files', () => {
    expect(new Set(entries.map((e) => `${e.expected}/${e.format}`))).toEqual(
      new Set(['benign/joblib', 'benign/joblib-zlib', 'malicious/joblib', 'malicious/joblib-zlib']),
    );
  });

  for (const entry of entries) {
    it(`${entry.path}: every stream ends at STOP with the hook, and the payload is found`, async () => {
      const file = corpusFile(entry.path);
      const bytes = entry.format === 'joblib-zlib' ? new Uint8Array(inflateSync(file)) : file;
      const imports: string[] = [];
      const arrays: JoblibArrayInfo[] = [];
      const r = await readPickleStreams(StreamReader.fromBytes(bytes), {
        afterBuild: joblibAfterBuild((a) => arrays.push(a)),
        onEvent: (_s, e) => {
          if (e.kind === 'import') imports.push(`${e.module}.${e.name}`);
        },
      });
      expect(r.streams.map((s) => [s.end, s.anomalies])).toEqual([['stop', []]]);
      expect(r.trailing).toBeUndefined();
      const dangerous = imports.filter((i) => /^(posix|nt|os|subprocess|builtins)\./.test(i));
      if (entry.expected === 'benign') {
        expect(dangerous).toEqual([]);
      } else {
        const callee = /^([\w.]+)\(/.exec(entry.payload ?? '')?.[1];
        expect(callee).toBeDefined();
        expect(imports).toContain(callee);
      }
      if (arrays.some((a) => !a.object && a.bytes > 0n)) {
        // inline raw arrays: a reader without the hook loses sync with joblib.load
        const plainRun = await run(bytes, false);
        expect(plainRun.end).not.toBe('stop');
      }
    });
  }
});
