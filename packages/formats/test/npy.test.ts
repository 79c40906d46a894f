/**
 * parseNpyHeader: the .npy header as numpy.lib.format reads it (magic, version, header length, a
 * Python dict literal), whether the body is a pickle (object dtype), and robustness to hostile bytes.
 */
import { NPY_MAX_HEADER, parseNpyHeader } from '@vacsrp/formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NPY_ANOMALY_CODES } from './helpers/closed-sets.js';
import {
  asm,
  corpusFile,
  corpusManifest,
  corpusNpySeeds,
  hex,
  u16le,
  u32le,
  utf8,
} from './helpers/pickle-asm.js';

/** A .npy file as numpy writes it: header padded with spaces and '\n' to a multiple of 64 bytes. */
function npy(dict: string, body: Uint8Array = new Uint8Array(), version = 1): Uint8Array {
  const text = version === 3 ? utf8(dict) : Uint8Array.from(dict, (c) => c.charCodeAt(0));
  const pre = version === 1 ? 10 : 12;
  const padded = Math.ceil((pre + text.length + 1) / 64) * 64 - pre;
  const header = asm(text, new Uint8Array(padded - text.length - 1).fill(0x20), '\n');
  const len = version === 1 ? u16le(header.length) : u32le(header.length);
  return asm(hex('934e554d5059'), Uint8Array.of(version, 0), len, header, body);
}

const parse = (b: Uint8Array, size = b.length) => parseNpyHeader(b, size);
const codes = (b: Uint8Array, size = b.length) => parse(b, size).anomalies.map((a) => a.code);
const dict = (descr: string, shape = '(2, 3)', fortran = 'False') =>
  `{'descr': ${descr}, 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe('well-formed headers', () => {
  it('reads version 1.0 as numpy writes it', () => {
    const file = npy(dict("'<i2'"), new Uint8Array(12));
    const { header, anomalies } = parse(file);
    expect(anomalies).toEqual([]);
    expect(header).toEqual({
      version: '1.0',
      descr: '<i2',
      fortranOrder: false,
      shape: [2, 3],
      dataOffset: 128,
      object: false,
      expectedBytes: 12,
    });
  });

  it('reads version 2.0 (32-bit header length) and 3.0 (UTF-8 header)', () => {
    expect(parse(npy(dict("'<f8'", '(1,)'), new Uint8Array(8), 2)).header).toMatchObject({
      version: '2.0',
      descr: '<f8',
      shape: [1],
      expectedBytes: 8,
    });
    const v3 = parse(npy(dict("[('café', '<i2')]"), new Uint8Array(12), 3));
    expect(v3.header).toMatchObject({ version: '3.0', shape: [2, 3], object: false });
    expect(v3.header?.descr).toContain('café');
  });

  it('reads scalar shapes, Fortran order, unicode and bool dtypes', () => {
    expect(parse(npy(dict("'<f4'", '()'), new Uint8Array(4))).header).toMatchObject({
      shape: [],
      expectedBytes: 4,
    });
    expect(parse(npy(dict("'<u1'", '(0,)'))).header).toMatchObject({ shape: [0], expectedBytes: 0 });
    expect(parse(npy(dict("'|b1'", '(3,)', 'True'), new Uint8Array(3))).header).toMatchObject({
      fortranOrder: true,
    });
    expect(parse(npy(dict("'<U4'", '(2,)'), new Uint8Array(32))).header).toMatchObject({ expectedBytes: 32 });
  });

  it('marks object dtypes, whose body is a pickle numpy.load(allow_pickle=True) runs', () => {
    for (const descr of ["'|O'", "'O'", "'<O8'", "[('a', '<i4'), ('b', '|O')]", "('|O', (2,))"]) {
      const h = parse(npy(dict(descr), hex('80024e2e'))).header;
      expect(h?.object, descr).toBe(true);
      expect(h?.expectedBytes, descr).toBeUndefined();
    }
  });

  it('corpus .npy files and .npz members parse, and object arrays are the malicious ones', () => {
    const seeds = corpusNpySeeds();
    const manifest = corpusManifest();
    expect(seeds.length).toBeGreaterThanOrEqual(5);
    for (const s of seeds) {
      const { header, anomalies } = parse(s.bytes);
      expect(anomalies, s.name).toEqual([]);
      const entry = manifest.find((e) => e.path === s.name.split('!')[0]);
      if (header?.object) expect(entry?.expected, s.name).toBe('malicious');
      else expect(header?.expectedBytes, s.name).toBe(s.bytes.length - header!.dataOffset);
    }
    expect(seeds.filter((s) => parse(s.bytes).header?.object).length).toBeGreaterThanOrEqual(2);
    expect(parse(corpusFile('benign/numpy/features_float32.npy')).header?.descr).toBe('<f4');
  });
});

describe('malformed headers', () => {
  it('NPY_BAD_MAGIC', () => {
    expect(codes(asm('\x93NUMPX\x01\x00\x00\x00'))).toEqual(['NPY_BAD_MAGIC']);
    expect(codes(new Uint8Array())).toEqual(['NPY_BAD_MAGIC']);
    expect(codes(hex('80024e2e'))).toEqual(['NPY_BAD_MAGIC']);
  });

  it('NPY_BAD_VERSION for anything but 1.0, 2.0 and 3.0', () => {
    for (const [major, minor] of [
      [0, 0],
      [4, 0],
      [1, 1],
      [2, 5],
    ]) {
      const file = npy(dict("'<i2'"), new Uint8Array(12));
      file[6] = major!;
      file[7] = minor!;
      expect(codes(file), `${major}.${minor}`).toEqual(['NPY_BAD_VERSION']);
    }
  });

  it('NPY_TRUNCATED when the header runs past the bytes given or past the file', () => {
    const file = npy(dict("'<i2'"), new Uint8Array(12));
    expect(codes(file.subarray(0, 100))).toEqual(['NPY_TRUNCATED']);
    expect(codes(file, 100)).toEqual(['NPY_TRUNCATED']);
    expect(codes(asm(hex('934e554d5059 0200 ffff'), new Uint8Array(64)))).toEqual(['NPY_TRUNCATED']);
  });

  // Regression (fixed): the first check treats any input shorter than 10 bytes as NPY_BAD_MAGIC, so a file that
  // has the magic and version but ends inside the header-length field gets the wrong code, and the
  // dedicated 'header length field is truncated' branch is unreachable for version 1.0.
  it('a file that ends inside the header-length field is NPY_TRUNCATED, not NPY_BAD_MAGIC', () => {
    expect(codes(hex('934e554d5059 0100 76'))).toEqual(['NPY_TRUNCATED']);
  });

  it('NPY_BAD_HEADER for a header longer than NPY_MAX_HEADER', () => {
    const big = asm(hex('934e554d5059 0200'), u32le(NPY_MAX_HEADER + 1));
    expect(codes(big, 1 << 30)).toEqual(['NPY_BAD_HEADER']);
  });

  it('NPY_BAD_HEADER for anything but a dict of exactly descr, fortran_order and shape', () => {
    for (const text of [
      "['descr', '<i2']",
      "{'descr': '<i2', 'fortran_order': False}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
      "{'descr': '<i2', 'fortran_order': 0, 'shape': (2,)}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (-1,)}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': ('2',)}",
      "{'descr': '<i2', 'fortran_order': False, 'shape': (2,)} trailing",
      "{'descr': '<i2' 'fortran_order': False, 'shape': (2,)}",
      "{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,)}",
      `{'descr': ${'['.repeat(40)}${']'.repeat(40)}, 'fortran_order': False, 'shape': (2,)}`,
    ]) {
      expect(codes(npy(text)), text).toEqual(['NPY_BAD_HEADER']);
    }
  });

  it('NPY_SIZE_MISMATCH when the body is not what shape × itemsize says', () => {
    expect(codes(npy(dict("'<i2'"), new Uint8Array(11)))).toEqual(['NPY_SIZE_MISMATCH']);
    expect(codes(npy(dict("'<i2'"), new Uint8Array(13)))).toEqual(['NPY_SIZE_MISMATCH']);
    const r = parse(npy(dict("'<i2'"), new Uint8Array(13)));
    expect(r.header).toBeDefined();
    expect(r.anomalies[0]).toMatchObject({ offset: 128, actual: 13 });
  });
});

describe('object dtypes numpy accepts under other spellings', () => {
  // Regression (fixed): descr_to_dtype('object') (and 'object_', [('a', 'object')]) is an object dtype, so
  // np.load(allow_pickle=True) unpickles the body — verified with numpy 2.4 on the file below —
  // but parseNpyHeader only recognises descriptors that start with 'O' and says object: false, with
  // no anomaly, so a scanner never looks at the pickle. Reproducer (a benign body, [1, 2]):
  // 934e554d505901003d007b276465736372273a20276f626a656374272c2027666f727472616e5f6f72646572273a
  // 2046616c73652c20277368617065273a2028322c292c207d0a80025d7100284b014b02652e
  it("descr 'object' is an object array", () => {
    const file = hex(
      '934e554d505901003d007b276465736372273a20276f626a656374272c2027666f727472616e5f6f72646572273a' +
        '2046616c73652c20277368617065273a2028322c292c207d0a80025d7100284b014b02652e',
    );
    expect(parse(file).header?.object).toBe(true);
  });

  it("a structured descr with an 'object' field is an object array", () => {
    expect(parse(npy(dict("[('a', 'object')]", '(2,)'), hex('80024e2e'))).header?.object).toBe(true);
  });

  // Regression (fixed): the header is a Python literal (numpy uses ast.literal_eval), so '|\x4f' is the string '|O';
  // the parser keeps escapes verbatim and reports descr '|\\x4f', object: false, no anomaly.
  it('escapes inside the descr string are decoded as Python does', () => {
    const h = parse(npy(dict("'|\\x4f'", '(2,)'), hex('80025d7100284b014b02652e'))).header;
    expect(h?.object).toBe(true);
  });
});

function checkNpy(bytes: Uint8Array, size: number): void {
  const started = performance.now();
  const { header, anomalies } = parseNpyHeader(bytes, size);
  for (const a of anomalies) expect(NPY_ANOMALY_CODES.has(a.code), a.code).toBe(true);
  if (header) {
    expect(header.dataOffset).toBeLessThanOrEqual(Math.min(bytes.length, size));
    expect(header.shape.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    expect(['1.0', '2.0', '3.0']).toContain(header.version);
  } else {
    expect(anomalies.length).toBeGreaterThan(0);
  }
  expect(performance.now() - started).toBeLessThan(2000);
}

describe('properties (fixed seeds)', () => {
  it('random bytes after the magic: no throw, closed codes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.nat(),
        (v, rest, extra) => {
          const bytes = asm(hex('934e554d5059'), Uint8Array.of(v, 0), rest);
          checkNpy(bytes, bytes.length + (extra % 3) * 100);
        },
      ),
      { seed: 0x0a11, numRuns: 1000 },
    );
  });

  it('random header text: no throw, closed codes', () => {
    const piece = fc.constantFrom(
      "'descr'",
      "'<f8'",
      "'|O'",
      ':',
      ',',
      '(',
      ')',
      '[',
      ']',
      '{',
      '}',
      'True',
      'False',
      '3',
      ' ',
      "'",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => checkNpy(npy(parts.join('')), 1 << 20)),
      { seed: 0x0a12, numRuns: 1000 },
    );
  });

  it('mutations of every corpus .npy (plain and inside .npz): no throw, closed codes', () => {
    const seeds = corpusNpySeeds();
    const edit = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), cut: fc.nat() });
    for (const [i, seed] of seeds.entries()) {
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), (edits, truncate) => {
          const b = Uint8Array.from(seed.bytes);
          for (const e of edits) b[e.at % b.length] = e.value;
          const cut = truncate ? b.subarray(0, edits[0]!.cut % (b.length + 1)) : b;
          checkNpy(cut, cut.length);
        }),
        { seed: 0x0a20 + i, numRuns: 200 },
      );
    }
  });
});
