/**
 * Values: every scalar and string opcode of protocols 0–5, checked against what CPython 3.11's
 * Unpickler builds. The differential fixtures at the end were produced by CPython itself.
 */
import { describe, expect, it } from 'vitest';
import {
  asm,
  BINBYTES,
  BINBYTES8,
  BINFLOAT,
  BININT,
  BININT1,
  BININT2,
  BINSTRING,
  BINUNICODE,
  BINUNICODE8,
  BYTEARRAY8,
  FLOAT,
  hex,
  INT,
  LONG,
  LONG1,
  LONG4,
  NEWFALSE,
  NEWTRUE,
  NONE,
  type Plain,
  PROTO,
  plain,
  runBytes,
  SHORT_BINBYTES,
  SHORT_BINSTRING,
  SHORT_BINUNICODE,
  STOP,
  STRING,
  UNICODE,
  utf8,
} from './helpers/pickle-asm.js';

/** The value one opcode (plus STOP) leaves for STOP. */
async function valueAfter(...parts: Uint8Array[]): Promise<Plain> {
  const r = await runBytes(asm(...parts, STOP));
  expect(r.anomalies).toEqual([]);
  expect(r.end).toBe('stop');
  return plain(r.result);
}

/** The anomaly codes and end of a stream that should fail. */
async function failure(...parts: Uint8Array[]): Promise<{ end: string; codes: string[]; field?: string }> {
  const r = await runBytes(asm(...parts, STOP));
  return { end: r.end, codes: r.codes, ...(r.anomalies[0]?.field ? { field: r.anomalies[0].field } : {}) };
}

const int = (n: number | bigint): Plain => ({ int: BigInt(n).toString() });
const bytes = (h: string): Plain => ({ bytes: h });

describe('constants', () => {
  it('NONE, NEWTRUE and NEWFALSE push None, True and False', async () => {
    expect(await valueAfter(NONE)).toBe(null);
    expect(await valueAfter(NEWTRUE)).toBe(true);
    expect(await valueAfter(NEWFALSE)).toBe(false);
  });
});

describe('INT (protocol 0 text)', () => {
  it('reads decimal integers, signs and surrounding whitespace', async () => {
    expect(await valueAfter(INT('42'))).toEqual(int(42));
    expect(await valueAfter(INT('-7'))).toEqual(int(-7));
    expect(await valueAfter(INT('123456789012345678901234567890'))).toEqual(
      int(123456789012345678901234567890n),
    );
  });

  it("reads exactly '00' and '01' as the booleans protocol 0 writes", async () => {
    expect(await valueAfter(INT('00'))).toBe(false);
    expect(await valueAfter(INT('01'))).toBe(true);
    expect(await valueAfter(INT('0'))).toEqual(int(0));
    expect(await valueAfter(INT('1'))).toEqual(int(1));
  });

  it('fails on text int() rejects', async () => {
    expect(await failure(INT('abc'))).toEqual({ end: 'error', codes: ['BAD_OPERAND'], field: 'INT' });
    expect(await failure(INT(''))).toMatchObject({ end: 'error', codes: ['BAD_OPERAND'] });
  });

  // Regression (fixed): CPython reads INT and LONG with int(text, 0) (C: strtol/PyLong_FromString base 0), so
  // 'I0x10\n' is 16 and 'I0o17\n' is 15. The machine parses base 10 only, halts with BAD_OPERAND and
  // never sees what follows — a one-opcode way to hide a payload from it (CPython runs on).
  it('reads base prefixes the way int(text, 0) does (0x, 0o, 0b)', async () => {
    expect(await valueAfter(INT('0x10'))).toEqual(int(16));
    expect(await valueAfter(INT('0o17'))).toEqual(int(15));
    expect(await valueAfter(INT('0b101'))).toEqual(int(5));
  });
});

describe('binary integers', () => {
  it('BININT is signed 32-bit little-endian', async () => {
    expect(await valueAfter(BININT(-1))).toEqual(int(-1));
    expect(await valueAfter(BININT(0x7fffffff))).toEqual(int(0x7fffffff));
    expect(await valueAfter(hex('4a 00000080'))).toEqual(int(-0x80000000));
  });

  it('BININT1 and BININT2 are unsigned', async () => {
    expect(await valueAfter(BININT1(255))).toEqual(int(255));
    expect(await valueAfter(BININT2(0xffff))).toEqual(int(65535));
    expect(await valueAfter(hex('4d 3412'))).toEqual(int(0x1234));
  });
});

describe('LONG, LONG1, LONG4', () => {
  it("LONG reads decimal text with or without Python 2's trailing L", async () => {
    expect(await valueAfter(LONG('123L'))).toEqual(int(123));
    expect(await valueAfter(LONG('-5'))).toEqual(int(-5));
    expect(await valueAfter(LONG('99999999999999999999999L'))).toEqual(int(99999999999999999999999n));
    expect(await failure(LONG('12LL'))).toMatchObject({ end: 'error', codes: ['BAD_OPERAND'] });
  });

  // Regression (fixed): same as INT above — CPython's load_long uses int(text, 0).
  it('LONG reads base prefixes the way int(text, 0) does', async () => {
    expect(await valueAfter(LONG('0x10L'))).toEqual(int(16));
  });

  it("LONG1 and LONG4 decode little-endian two's complement", async () => {
    expect(await valueAfter(LONG1(new Uint8Array()))).toEqual(int(0));
    expect(await valueAfter(LONG1(hex('ff')))).toEqual(int(-1));
    expect(await valueAfter(LONG1(hex('ff00')))).toEqual(int(255));
    expect(await valueAfter(LONG1(hex('0080')))).toEqual(int(-32768));
    expect(await valueAfter(LONG1(hex('0000000000000080')))).toEqual(int(-(2n ** 63n)));
    expect(await valueAfter(LONG4(hex('0000000000000000 01')))).toEqual(int(2n ** 64n));
    expect(await valueAfter(LONG4(hex('feffffff')))).toEqual(int(-2));
  });

  it('LONG4 with a negative byte count is rejected, as CPython does', async () => {
    expect(await failure(LONG4(new Uint8Array(), -1))).toMatchObject({
      end: 'error',
      codes: ['BAD_OPERAND'],
    });
  });
});

describe('FLOAT and BINFLOAT', () => {
  it('FLOAT reads repr() text, including inf, nan and signed zero', async () => {
    expect(await valueAfter(FLOAT('1.5'))).toBe(1.5);
    expect(await valueAfter(FLOAT('-2.5e-10'))).toBe(-2.5e-10);
    expect(await valueAfter(FLOAT('1e+300'))).toBe(1e300);
    expect(await valueAfter(FLOAT('inf'))).toBe(Number.POSITIVE_INFINITY);
    expect(await valueAfter(FLOAT('-inf'))).toBe(Number.NEGATIVE_INFINITY);
    expect(await valueAfter(FLOAT('nan'))).toBeNaN();
    expect(Object.is(await valueAfter(FLOAT('-0.0')), -0)).toBe(true);
    expect(await failure(FLOAT('1.5x'))).toMatchObject({ end: 'error', codes: ['BAD_OPERAND'] });
  });

  it('BINFLOAT is a big-endian IEEE 754 double', async () => {
    expect(await valueAfter(hex('47 3ff8000000000000'))).toBe(1.5);
    expect(await valueAfter(hex('47 c000000000000000'))).toBe(-2);
    expect(await valueAfter(BINFLOAT(Math.PI))).toBe(Math.PI);
  });
});

describe('STRING (protocol 0 quoted literal)', () => {
  it('strips matching single or double quotes', async () => {
    expect(await valueAfter(STRING("'abc'"))).toBe('abc');
    expect(await valueAfter(STRING('"abc"'))).toBe('abc');
    expect(await valueAfter(STRING("''"))).toBe('');
    expect(await valueAfter(STRING(`'it"s'`))).toBe('it"s');
  });

  it('applies codecs.escape_decode: simple, octal and hex escapes; unknown escapes stay', async () => {
    expect(await valueAfter(STRING("'a\\nb\\tc\\\\d\\''"))).toBe("a\nb\tc\\d'");
    expect(await valueAfter(STRING("'\\x41\\101\\7\\0'"))).toBe('AA\x07\x00');
    expect(await valueAfter(STRING("'\\q\\8'"))).toBe('\\q\\8');
    expect(await valueAfter(STRING("'\\a\\b\\f\\v\\r'"))).toBe('\x07\b\f\v\r');
  });

  it('rejects unquoted, mismatched, one-character and badly escaped operands', async () => {
    for (const bad of ['abc', `'abc"`, "'", "'ab\\'", "'\\xZ1'", "'\\x4'"]) {
      expect(await failure(STRING(bad)), bad).toEqual({
        end: 'error',
        codes: ['BAD_OPERAND'],
        field: 'STRING',
      });
    }
  });
});

describe('BINSTRING and SHORT_BINSTRING (Python 2 str)', () => {
  it('read length-prefixed 8-bit strings', async () => {
    expect(await valueAfter(SHORT_BINSTRING('os'))).toBe('os');
    expect(await valueAfter(BINSTRING('system'))).toBe('system');
    expect(await valueAfter(BINSTRING(''))).toBe('');
  });

  it('BINSTRING rejects a negative length (signed 32-bit field)', async () => {
    expect(await failure(BINSTRING('', -1))).toMatchObject({ end: 'error', codes: ['BAD_OPERAND'] });
  });
});

describe('UNICODE (raw-unicode-escape)', () => {
  it('decodes \\uXXXX and \\UXXXXXXXX, and reads other bytes as Latin-1 ordinals', async () => {
    expect(await valueAfter(UNICODE('caf\\u00e9'))).toBe('café');
    expect(await valueAfter(UNICODE('\\U0001f600!'))).toBe('😀!');
    expect(await valueAfter(asm(hex('56 e9 0a')))).toBe('é');
    expect(await valueAfter(UNICODE('\\u0070\\u006f\\u0073\\u0069\\u0078'))).toBe('posix');
  });

  it('treats a backslash pair as literal, so only an odd run starts an escape', async () => {
    expect(await valueAfter(UNICODE('\\\\u0041'))).toBe('\\\\u0041');
    expect(await valueAfter(UNICODE('\\\\\\u0041'))).toBe('\\\\A');
    expect(await valueAfter(UNICODE('\\x\\u0041'))).toBe('\\xA');
    expect(await valueAfter(UNICODE('abc\\'))).toBe('abc\\');
  });

  it('rejects truncated escapes and code points past U+10FFFF', async () => {
    for (const bad of ['\\u00', '\\u00g1', '\\U00110000']) {
      expect(await failure(UNICODE(bad)), bad).toEqual({
        end: 'error',
        codes: ['BAD_OPERAND'],
        field: 'UNICODE',
      });
    }
  });
});

describe('binary text and bytes', () => {
  it('BINUNICODE, SHORT_BINUNICODE and BINUNICODE8 are UTF-8', async () => {
    expect(await valueAfter(BINUNICODE('café ሴ 😀'))).toBe('café ሴ 😀');
    expect(await valueAfter(SHORT_BINUNICODE('système'))).toBe('système');
    expect(await valueAfter(BINUNICODE8('x'.repeat(300)))).toBe('x'.repeat(300));
    // the declared length counts bytes, not characters
    expect(await valueAfter(asm(hex('8c 02'), utf8('é')))).toBe('é');
  });

  it('BINBYTES, SHORT_BINBYTES and BINBYTES8 push immutable bytes; BYTEARRAY8 a bytearray', async () => {
    expect(await valueAfter(SHORT_BINBYTES(hex('00ff')))).toEqual(bytes('00ff'));
    expect(await valueAfter(BINBYTES(hex('0102030405')))).toEqual(bytes('0102030405'));
    expect(await valueAfter(BINBYTES8(hex('')))).toEqual(bytes(''));
    expect(await valueAfter(BYTEARRAY8(hex('6162')))).toEqual({ bytes: '6162', mutable: true });
  });
});

describe('PROTO', () => {
  it('accepts protocols 0 to 5 and reports the last one', async () => {
    for (let p = 0; p <= 5; p++) {
      const r = await runBytes(asm(PROTO(p), NONE, STOP));
      expect(r.end).toBe('stop');
      expect(r.protocol).toBe(p);
    }
    expect((await runBytes(asm(PROTO(4), PROTO(2), NONE, STOP))).protocol).toBe(2);
    expect((await runBytes(asm(NONE, STOP))).protocol).toBe(0);
  });

  it('rejects protocol 6 and above at the PROTO opcode', async () => {
    for (const p of [6, 0xff]) {
      const r = await runBytes(asm(PROTO(p), NONE, STOP));
      expect(r.end).toBe('error');
      expect(r.anomalies).toEqual([
        expect.objectContaining({ code: 'UNSUPPORTED_PROTOCOL', offset: 0, actual: p }),
      ]);
    }
  });
});

/*
 * Differential fixtures: CPython 3.11's own pickle.dumps(obj, protocol=p) for p = 0…5, where obj is
 * what `expected` below describes. Regenerate with python3:
 *
 *   shared = [1, 2]
 *   obj = {'ints': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**63, -2**100, 10**30],
 *          'floats': [1.5, -0.0, 1e300, float('inf'), -2.5e-10], 'consts': [True, False, None],
 *          'strs': ['', 'ascii', 'caf\u00e9', '\u1234', '\U0001F600', 'quote\'s "dq" back\\slash\nnl\ttab', 'a' * 260],
 *          'tuples': [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], 'shared': shared, 'shared_again': shared,
 *          'nested': {'k': [{'deep': (None,)}]}}
 *   p >= 3: obj['bytes'] = [b'', b'\x00\xff', b'x' * 260]
 *   p >= 4: obj['sets'] = [set(), {1, 2}, frozenset({3})]
 *   p >= 5: obj['bytearray'] = bytearray(b'ab')
 *   print(pickle.dumps(obj, protocol=p).hex())
 *
 * Protocol 0 exercises the text opcodes (INT '01', LONG 'L', FLOAT repr, UNICODE escapes, PUT/GET),
 * 1–3 the binary ones, 4–5 FRAME, MEMOIZE and sets, 5 BYTEARRAY8.
 */
const CPYTHON: Record<number, Uint8Array> = {
  0: hex(`
    286470300a56696e74730a70310a286c70320a49300a6149310a61492d310a61493235350a61493235360a61493635353335
    0a614936353533360a61492d323134373438333634380a6149323134373438333634370a614c323134373438333634384c0a
    614c393232333337323033363835343737353830384c0a614c2d313236373635303630303232383232393430313439363730
    333230353337364c0a614c313030303030303030303030303030303030303030303030303030303030304c0a617356666c6f
    6174730a70330a286c70340a46312e350a61462d302e300a614631652b3330300a6146696e660a61462d322e35652d31300a
    617356636f6e7374730a70350a286c70360a4930310a614930300a614e617356737472730a70370a286c70380a560a70390a
    615661736369690a7031300a6156636166e90a7031310a61565c75313233340a7031320a61565c5530303031663630300a70
    31330a615671756f746527732022647122206261636b5c7530303563736c6173685c75303030616e6c097461620a7031340a
    6156616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161610a7031350a6173567475706c65730a7031360a286c7031370a2874612849310a747031380a61
    2849310a49320a747031390a612849310a49320a49330a747032300a612849310a49320a49330a49340a747032310a617356
    7368617265640a7032320a286c7032330a49310a6149320a6173567368617265645f616761696e0a7032340a6732330a7356
    6e65737465640a7032350a28647032360a566b0a7032370a286c7032380a28647032390a56646565700a7033300a284e7470
    33310a736173732e
  `),
  1: hex(`
    7d7100285804000000696e747371015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804affffff
    7f4c323134373438333634384c0a4c393232333337323033363835343737353830384c0a4c2d313236373635303630303232
    383232393430313439363730333230353337364c0a4c31303030303030303030303030303030303030303030303030303030
    3030304c0a655806000000666c6f61747371035d710428473ff8000000000000478000000000000000477e37e43c8800759c
    477ff000000000000047bdf12e0be826d695655806000000636f6e73747371055d7106284930310a4930300a4e6558040000
    007374727371075d7108285800000000710958050000006173636969710a5805000000636166c3a9710b5803000000e188b4
    710c5804000000f09f9880710d581e00000071756f746527732022647122206261636b5c736c6173680a6e6c09746162710e
    5804010000616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    616161616161616161616161616161710f6558060000007475706c657371105d71112829284b01747112284b014b02747113
    284b014b024b03747114284b014b024b034b0474711565580600000073686172656471165d7117284b014b0265580c000000
    7368617265645f616761696e7118681758060000006e657374656471197d711a58010000006b711b5d711c7d711d58040000
    0064656570711e284e74711f736173752e
  `),
  2: hex(`
    80027d7100285804000000696e747371015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804aff
    ffff7f8a0500000080008a090000000000000080008a0d000000000000000000000000f08a0d00000040eaed7446d09c2c9f
    0c655806000000666c6f61747371035d710428473ff8000000000000478000000000000000477e37e43c8800759c477ff000
    000000000047bdf12e0be826d695655806000000636f6e73747371055d71062888894e6558040000007374727371075d7108
    285800000000710958050000006173636969710a5805000000636166c3a9710b5803000000e188b4710c5804000000f09f98
    80710d581e00000071756f746527732022647122206261636b5c736c6173680a6e6c09746162710e58040100006161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161710f6558060000007475706c657371105d711128294b018571124b014b028671134b014b024b03877114284b01
    4b024b034b0474711565580600000073686172656471165d7117284b014b0265580c0000007368617265645f616761696e71
    18681758060000006e657374656471197d711a58010000006b711b5d711c7d711d580400000064656570711e4e85711f7361
    73752e
  `),
  3: hex(`
    80037d7100285804000000696e747371015d7102284b004b014affffffff4bff4d00014dffff4a000001004a000000804aff
    ffff7f8a0500000080008a090000000000000080008a0d000000000000000000000000f08a0d00000040eaed7446d09c2c9f
    0c655806000000666c6f61747371035d710428473ff8000000000000478000000000000000477e37e43c8800759c477ff000
    000000000047bdf12e0be826d695655806000000636f6e73747371055d71062888894e6558040000007374727371075d7108
    285800000000710958050000006173636969710a5805000000636166c3a9710b5803000000e188b4710c5804000000f09f98
    80710d581e00000071756f746527732022647122206261636b5c736c6173680a6e6c09746162710e58040100006161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161710f6558060000007475706c657371105d711128294b018571124b014b028671134b014b024b03877114284b01
    4b024b034b0474711565580600000073686172656471165d7117284b014b0265580c0000007368617265645f616761696e71
    18681758060000006e657374656471197d711a58010000006b711b5d711c7d711d580400000064656570711e4e85711f7361
    735805000000627974657371205d71212843007122430200ff71234204010000787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    787878787878787878787878787878787878787878787878787878787878787878787878787878787878712465752e
  `),
  4: hex(`
    800495a5030000000000007d94288c04696e7473945d94284b004b014affffffff4bff4d00014dffff4a000001004a000000
    804affffff7f8a0500000080008a090000000000000080008a0d000000000000000000000000f08a0d00000040eaed7446d0
    9c2c9f0c658c06666c6f617473945d9428473ff8000000000000478000000000000000477e37e43c8800759c477ff0000000
    00000047bdf12e0be826d695658c06636f6e737473945d942888894e658c0473747273945d94288c00948c05617363696994
    8c05636166c3a9948c03e188b4948c04f09f9880948c1e71756f746527732022647122206261636b5c736c6173680a6e6c09
    7461629458040100006161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616194658c067475706c6573945d9428294b0185944b014b0286944b014b024b03
    8794284b014b024b034b047494658c06736861726564945d94284b014b02658c0c7368617265645f616761696e9468178c06
    6e6573746564947d948c016b945d947d948c0464656570944e85947361738c056279746573945d9428430094430200ff9442
    0401000078787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    787878787878787878787878787894658c0473657473945d94288f948f94284b014b0290284b03919465752e
  `),
  5: hex(`
    800595bd030000000000007d94288c04696e7473945d94284b004b014affffffff4bff4d00014dffff4a000001004a000000
    804affffff7f8a0500000080008a090000000000000080008a0d000000000000000000000000f08a0d00000040eaed7446d0
    9c2c9f0c658c06666c6f617473945d9428473ff8000000000000478000000000000000477e37e43c8800759c477ff0000000
    00000047bdf12e0be826d695658c06636f6e737473945d942888894e658c0473747273945d94288c00948c05617363696994
    8c05636166c3a9948c03e188b4948c04f09f9880948c1e71756f746527732022647122206261636b5c736c6173680a6e6c09
    7461629458040100006161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161
    6161616161616161616161616161616161616194658c067475706c6573945d9428294b0185944b014b0286944b014b024b03
    8794284b014b024b034b047494658c06736861726564945d94284b014b02658c0c7368617265645f616761696e9468178c06
    6e6573746564947d948c016b945d947d948c0464656570944e85947361738c056279746573945d9428430094430200ff9442
    0401000078787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    7878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878
    787878787878787878787878787894658c0473657473945d94288f948f94284b014b0290284b039194658c09627974656172
    72617994960200000000000000616294752e
  `),
};

function expected(proto: number): Plain {
  const shared: Plain = [int(1), int(2)];
  const entries: Array<[Plain, Plain]> = [
    [
      'ints',
      [
        0,
        1,
        -1,
        255,
        256,
        65535,
        65536,
        -(2 ** 31),
        2 ** 31 - 1,
        2 ** 31,
        2n ** 63n,
        -(2n ** 100n),
        10n ** 30n,
      ].map(int),
    ],
    ['floats', [1.5, -0, 1e300, Number.POSITIVE_INFINITY, -2.5e-10]],
    ['consts', [true, false, null]],
    ['strs', ['', 'ascii', 'café', 'ሴ', '😀', `quote's "dq" back\\slash\nnl\ttab`, 'a'.repeat(260)]],
    [
      'tuples',
      [
        { tuple: [] },
        { tuple: [int(1)] },
        { tuple: [int(1), int(2)] },
        { tuple: [int(1), int(2), int(3)] },
        { tuple: [int(1), int(2), int(3), int(4)] },
      ],
    ],
    ['shared', shared],
    ['shared_again', shared],
    ['nested', { dict: [['k', [{ dict: [['deep', { tuple: [null] }]] }]]] }],
  ];
  if (proto >= 3) entries.push(['bytes', [bytes(''), bytes('00ff'), bytes('78'.repeat(260))]]);
  if (proto >= 4) entries.push(['sets', [{ set: [] }, { set: [int(1), int(2)] }, { frozenset: [int(3)] }]]);
  if (proto >= 5) entries.push(['bytearray', { bytes: '6162', mutable: true }]);
  return { dict: entries };
}

describe('CPython differential fixtures', () => {
  for (const proto of [0, 1, 2, 3, 4, 5]) {
    it(`protocol ${proto}: the machine rebuilds exactly the value CPython pickled`, async () => {
      const r = await runBytes(CPYTHON[proto]!);
      expect(r.anomalies).toEqual([]);
      expect(r.end).toBe('stop');
      expect(r.all).toEqual([]);
      expect(plain(r.result)).toEqual(expected(proto));
      // the memo shares the list by reference, as Python does
      const d = r.result?.t === 'dict' ? r.result : undefined;
      const get = (k: string) => d?.entries.find(([key]) => key.t === 'str' && key.v === k)?.[1];
      expect(get('shared')).toBeDefined();
      expect(get('shared')).toBe(get('shared_again'));
    });
  }
});
