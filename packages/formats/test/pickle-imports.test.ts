/**
 * Imports: what find_class would import for GLOBAL, STACK_GLOBAL and INST, with _compat_pickle
 * rewriting below protocol 3, dotted names from protocol 4, and every way STACK_GLOBAL's operands can
 * be produced (bypass class B in research/scanners.md §2.2).
 */
import { createHash } from 'node:crypto';
import { COMPAT_IMPORT_MAPPING, COMPAT_NAME_MAPPING, compatRewrite } from '@vacsrp/formats';
import { describe, expect, it } from 'vitest';
import {
  asm,
  BINGET,
  BININT1,
  BINPUT,
  BINSTRING,
  BINUNICODE,
  BUILD,
  EMPTY_DICT,
  EMPTY_TUPLE,
  GLOBAL,
  hex,
  INST,
  MARK,
  MEMOIZE,
  NONE,
  POP,
  PROTO,
  plain,
  REDUCE,
  runBytes,
  SETITEM,
  SG,
  SHORT_BINBYTES,
  SHORT_BINSTRING,
  SHORT_BINUNICODE,
  STACK_GLOBAL,
  STOP,
  STRING,
  TUPLE2,
  UNICODE,
} from './helpers/pickle-asm.js';

describe('GLOBAL', () => {
  it('reports module, name, opcode, protocol, offset and opcode index', async () => {
    const r = await runBytes(asm(GLOBAL('os', 'system'), STOP));
    expect(r.all).toEqual([
      { kind: 'import', module: 'os', name: 'system', opcode: 'GLOBAL', protocol: 0, offset: 0, index: 0 },
    ]);
    expect(plain(r.result)).toEqual({ global: 'os.system' });

    const p4 = await runBytes(asm(PROTO(4), NONE, POP, GLOBAL('posix', 'system'), STOP));
    expect(p4.all).toEqual([
      { kind: 'import', module: 'posix', name: 'system', opcode: 'GLOBAL', protocol: 4, offset: 4, index: 3 },
    ]);
  });

  it('decodes operands as strict UTF-8', async () => {
    const ok = await runBytes(asm(PROTO(3), GLOBAL('café', 'naïve'), STOP));
    expect(ok.imports).toEqual(['café.naïve']);
    const bad = await runBytes(asm(hex('63 6f73ff 0a 73797374656d 0a'), STOP));
    expect(bad.end).toBe('error');
    expect(bad.codes).toEqual(['BAD_IMPORT_NAME']);
    expect(bad.all).toEqual([]);
  });

  it('rejects names import could never find (empty, spaces, leading dot) without an event', async () => {
    for (const [m, n] of [
      ['', 'system'],
      ['os', ''],
      ['o s', 'system'],
      ['.os', 'system'],
    ] as const) {
      const r = await runBytes(asm(PROTO(4), GLOBAL(m, n), STOP));
      expect(r.codes, `${m} ${n}`).toEqual(['BAD_IMPORT_NAME']);
      expect(r.all).toEqual([]);
    }
  });

  it('fails at the newline-less end of a truncated GLOBAL', async () => {
    const r = await runBytes(asm('cos\nsys'));
    expect(r.end).toBe('eof');
    expect(r.codes).toEqual(['TRUNCATED']);
  });
});

describe('_compat_pickle (Python 2 names)', () => {
  const cases: Array<[string, string, string]> = [
    ['__builtin__', 'eval', 'builtins.eval'],
    ['__builtin__', 'xrange', 'builtins.range'],
    ['__builtin__', 'reduce', 'functools.reduce'],
    ['__builtin__', 'intern', 'sys.intern'],
    ['cPickle', 'loads', 'pickle.loads'],
    ['copy_reg', '_reconstructor', 'copyreg._reconstructor'],
    ['exceptions', 'ValueError', 'builtins.ValueError'],
    ['exceptions', 'StandardError', 'builtins.Exception'],
    ['urllib', 'urlopen', 'urllib.request.urlopen'],
    ['urllib2', 'urlopen', 'urllib.request.urlopen'],
    ['commands', 'getoutput', 'subprocess.getoutput'],
    ['itertools', 'imap', 'builtins.map'],
  ];

  for (const proto of [undefined, 0, 1, 2]) {
    it(`rewrites at ${proto === undefined ? 'no PROTO' : `protocol ${proto}`}, keeping the written name`, async () => {
      for (const [module, name, imported] of cases) {
        const r = await runBytes(asm(proto === undefined ? [] : PROTO(proto), GLOBAL(module, name), STOP));
        const e = r.all[0];
        expect(e?.kind === 'import' && `${e.module}.${e.name}`).toBe(imported);
        expect(e?.kind === 'import' && e.writtenAs).toBe(`${module}.${name}`);
      }
    });
  }

  for (const proto of [3, 4, 5]) {
    it(`does not rewrite at protocol ${proto}`, async () => {
      const r = await runBytes(
        asm(PROTO(proto), GLOBAL('__builtin__', 'eval'), GLOBAL('cPickle', 'loads'), TUPLE2, STOP),
      );
      expect(r.imports).toEqual(['__builtin__.eval', 'cPickle.loads']);
      expect(r.all.every((e) => e.kind === 'import' && e.writtenAs === undefined)).toBe(true);
    });
  }

  it('follows the protocol in force at the opcode, and applies to INST and STACK_GLOBAL too', async () => {
    const r = await runBytes(
      asm(
        PROTO(2),
        SHORT_BINUNICODE('__builtin__'),
        SHORT_BINUNICODE('exec'),
        STACK_GLOBAL,
        MARK,
        INST('__builtin__', 'eval'),
        PROTO(3),
        GLOBAL('__builtin__', 'open'),
        TUPLE2,
        TUPLE2,
        STOP,
      ),
    );
    expect(r.imports).toEqual(['builtins.exec', 'builtins.eval', '__builtin__.open']);
  });

  it('compatRewrite prefers the (module, name) table to the module table, as find_class does', () => {
    expect(compatRewrite('__builtin__', 'xrange')).toEqual({ module: 'builtins', name: 'range' });
    expect(compatRewrite('__builtin__', 'len')).toEqual({ module: 'builtins', name: 'len' });
    expect(compatRewrite('urllib2', 'HTTPError')).toEqual({ module: 'urllib.error', name: 'HTTPError' });
    expect(compatRewrite('os', 'system')).toEqual({ module: 'os', name: 'system' });
  });

  it('the tables equal CPython 3.11 Lib/_compat_pickle.py (55 module and 88 name mappings)', () => {
    // python3 -c "import _compat_pickle as c, json, hashlib; imp = sorted(c.IMPORT_MAPPING.items());
    //   name = sorted((a+'.'+b, x+'.'+y) for (a,b),(x,y) in c.NAME_MAPPING.items());
    //   print(hashlib.sha256(json.dumps([imp, name], separators=(',',':')).encode()).hexdigest())"
    const imp = Object.entries(COMPAT_IMPORT_MAPPING).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const name = Object.entries(COMPAT_NAME_MAPPING).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    expect([imp.length, name.length]).toEqual([55, 88]);
    const digest = createHash('sha256')
      .update(JSON.stringify([imp, name]))
      .digest('hex');
    expect(digest).toBe('66cec12306d15381ac4ff3da049f0618d23101d7f97443f5f6f2b363767c8277');
  });
});

describe('dotted names (attribute walk from protocol 4)', () => {
  it('reports the whole dotted name, as find_class walks it', async () => {
    const r = await runBytes(
      asm(PROTO(4), SG('pathlib', 'os.system'), GLOBAL('numpy', 'core._internal.sys.modules'), TUPLE2, STOP),
    );
    expect(r.all).toEqual([
      expect.objectContaining({
        kind: 'import',
        module: 'pathlib',
        name: 'os.system',
        opcode: 'STACK_GLOBAL',
        protocol: 4,
      }),
      expect.objectContaining({
        kind: 'import',
        module: 'numpy',
        name: 'core._internal.sys.modules',
        opcode: 'GLOBAL',
      }),
    ]);
  });

  it('reports introspection chains through builtins in full', async () => {
    const r = await runBytes(
      asm(PROTO(4), GLOBAL('builtins', 'print.__class__.__base__.__subclasses__'), STOP),
    );
    expect(r.imports).toEqual(['builtins.print.__class__.__base__.__subclasses__']);
  });

  // Regression (fixed): isDottedIdentifier() caps a name at 1024 characters (and the machine keeps at most
  // maxRetainedString characters of a STACK_GLOBAL operand), but find_class has no such cap: at
  // protocol 4, 'os' + 'path.os.path.os.…system' walks os.path.os.path… and returns os.system
  // (verified: pickle.loads(b'\x80\x04cos\n' + b'path.os.'*200 + b'sep\n.') == '/'). The machine
  // stops with BAD_IMPORT_NAME / BAD_OPERAND and reports no import, so the payload callable is hidden.
  // getattr also accepts attribute names that are not identifiers, which the same check rejects.
  it('reports a dotted name of any length, since the attribute walk resolves it', async () => {
    const name = `${'path.os.'.repeat(200)}system`;
    const r = await runBytes(asm(PROTO(4), GLOBAL('os', name), STOP));
    expect(r.imports).toEqual([`os.${name}`]);
  });

  // A STACK_GLOBAL operand longer than maxRetainedString cannot be named exactly; it must still be
  // reported (as an import that cannot be resolved statically), never silently dropped.
  it('reports a STACK_GLOBAL name longer than the retained-string limit as unresolvable', async () => {
    const name = `${'path.os.'.repeat(9000)}system`;
    const r = await runBytes(asm(PROTO(4), SHORT_BINUNICODE('os'), BINUNICODE(name), STACK_GLOBAL, STOP));
    expect(r.all.map((e) => e.kind)).toEqual(['dynamic-import']);
  });
});

describe('STACK_GLOBAL operands', () => {
  it('reports module, name, opcode, protocol, offset and index of the STACK_GLOBAL itself', async () => {
    const r = await runBytes(
      asm(PROTO(4), SHORT_BINUNICODE('posix'), MEMOIZE, SHORT_BINUNICODE('system'), STACK_GLOBAL, STOP),
    );
    expect(r.all).toEqual([
      {
        kind: 'import',
        module: 'posix',
        name: 'system',
        opcode: 'STACK_GLOBAL',
        protocol: 4,
        offset: 18,
        index: 4,
      },
    ]);
  });

  it('resolves operands fetched from the memo out of order (the memo-shuffle bypass)', async () => {
    const r = await runBytes(
      asm(
        PROTO(4),
        SHORT_BINUNICODE('system'),
        MEMOIZE,
        POP,
        SHORT_BINUNICODE('collections'),
        MEMOIZE,
        POP,
        SHORT_BINUNICODE('posix'),
        MEMOIZE,
        POP,
        SHORT_BINUNICODE('OrderedDict'),
        MEMOIZE,
        POP,
        BINGET(1),
        BINGET(3),
        STACK_GLOBAL,
        POP,
        BINGET(2),
        BINGET(0),
        STACK_GLOBAL,
        STOP,
      ),
    );
    expect(r.imports).toEqual(['collections.OrderedDict', 'posix.system']);
    expect(plain(r.result)).toEqual({ global: 'posix.system' });
  });

  it('takes Python 2 str operands from STRING, BINSTRING and SHORT_BINSTRING', async () => {
    const r = await runBytes(
      asm(
        STRING("'os'"),
        STRING("'system'"),
        STACK_GLOBAL,
        BINSTRING('posix'),
        SHORT_BINSTRING('popen'),
        STACK_GLOBAL,
        TUPLE2,
        STOP,
      ),
    );
    expect(r.imports).toEqual(['os.system', 'posix.popen']);
  });

  it('takes operands from UNICODE with escapes', async () => {
    const r = await runBytes(
      asm(
        PROTO(4),
        UNICODE('\\u0070\\u006f\\u0073\\u0069\\u0078'),
        UNICODE('\\u0073ystem'),
        STACK_GLOBAL,
        STOP,
      ),
    );
    expect(r.imports).toEqual(['posix.system']);
  });

  it('an operand made by REDUCE is a dynamic import (its value is only known at run time)', async () => {
    // str.join('', ['o', 's']) as the module, 'system' as the name
    const r = await runBytes(
      asm(
        PROTO(4),
        SG('builtins', 'str.join'),
        SHORT_BINUNICODE(''),
        hex('5d'), // EMPTY_LIST
        SHORT_BINUNICODE('o'),
        hex('61'), // APPEND
        SHORT_BINUNICODE('s'),
        hex('61'),
        TUPLE2,
        REDUCE,
        SHORT_BINUNICODE('system'),
        STACK_GLOBAL,
        STOP,
      ),
    );
    const dyn = r.all.filter((e) => e.kind === 'dynamic-import');
    expect(dyn).toHaveLength(1);
    const d = dyn[0]!;
    expect(d.kind === 'dynamic-import' && plain(d.module)).toMatchObject({
      call: { global: 'builtins.str.join' },
      op: 'REDUCE',
    });
    expect(d.kind === 'dynamic-import' && plain(d.name)).toBe('system');
    expect(r.end).toBe('stop');
  });

  it('an operand that is an imported attribute (GLOBAL) is a dynamic import: BUILD-setattr chain (B3)', async () => {
    // numpy.prod.a = 'os'; numpy.prod.b = 'system'; STACK_GLOBAL(numpy.prod.a, numpy.prod.b)
    const slot = (k: string, v: string) =>
      asm(NONE, EMPTY_DICT, SHORT_BINUNICODE(k), SHORT_BINUNICODE(v), SETITEM, TUPLE2);
    const r = await runBytes(
      asm(
        PROTO(4),
        GLOBAL('numpy', 'prod'),
        slot('a', 'os'),
        BUILD,
        slot('b', 'system'),
        BUILD,
        POP,
        GLOBAL('numpy', 'prod.a'),
        BINPUT(0),
        POP,
        GLOBAL('numpy', 'prod.b'),
        BINPUT(1),
        POP,
        BINGET(0),
        BINGET(1),
        STACK_GLOBAL,
        STOP,
      ),
    );
    const kinds = r.all.map((e) => e.kind);
    expect(kinds).toEqual([
      'import',
      'build-attribute',
      'build-attribute',
      'import',
      'import',
      'dynamic-import',
    ]);
    const planted = r.all.filter((e) => e.kind === 'build-attribute');
    expect(
      planted.map((e) => e.kind === 'build-attribute' && [plain(e.target), e.name, plain(e.value)]),
    ).toEqual([
      [{ global: 'numpy.prod' }, 'a', 'os'],
      [{ global: 'numpy.prod' }, 'b', 'system'],
    ]);
    const d = r.all[5]!;
    expect(d.kind === 'dynamic-import' && [plain(d.module), plain(d.name)]).toEqual([
      { global: 'numpy.prod.a' },
      { global: 'numpy.prod.b' },
    ]);
  });

  it('non-string constant operands are an error anomaly, not an import', async () => {
    const operands = [
      [BININT1(1), SHORT_BINUNICODE('system')],
      [SHORT_BINUNICODE('os'), NONE],
      [SHORT_BINBYTES(hex('6f73')), SHORT_BINUNICODE('system')],
      [EMPTY_TUPLE, SHORT_BINUNICODE('system')],
    ];
    for (const [m, n] of operands) {
      const r = await runBytes(asm(PROTO(4), m!, n!, STACK_GLOBAL, STOP));
      expect(r.end).toBe('error');
      expect(r.codes).toEqual(['BAD_OPERAND']);
      expect(r.all).toEqual([]);
    }
  });

  it('needs two operands above the MARK', async () => {
    expect((await runBytes(asm(PROTO(4), SHORT_BINUNICODE('os'), STACK_GLOBAL, STOP))).codes).toEqual([
      'STACK_UNDERFLOW',
    ]);
    const r = await runBytes(
      asm(PROTO(4), SHORT_BINUNICODE('os'), MARK, SHORT_BINUNICODE('system'), STACK_GLOBAL, STOP),
    );
    expect(r.codes).toEqual(['STACK_UNDERFLOW']);
  });
});

describe('INST', () => {
  it('imports (ASCII names only) and then calls with the items above the MARK', async () => {
    const r = await runBytes(asm(MARK, STRING("'echo'"), INST('subprocess', 'check_output'), STOP));
    expect(r.all.map((e) => e.kind)).toEqual(['import', 'call']);
    expect(r.all[0]).toEqual({
      kind: 'import',
      module: 'subprocess',
      name: 'check_output',
      opcode: 'INST',
      protocol: 0,
      offset: 9,
      index: 2,
    });
    const bad = await runBytes(asm(MARK, hex('69 6f73e9 0a 73797374656d 0a'), STOP));
    expect(bad.codes).toEqual(['BAD_IMPORT_NAME']);
  });
});
