import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/compress/crc32.js';
import { decompressStream } from '../src/compress/decompress.js';
import { COMPRESS_ANOMALY_CODES, type CompressionKind } from '../src/compress/types.js';
import {
  bzip2,
  cat,
  lzmaAlone,
  pseudoRandom,
  readAll,
  streamOf,
  textLike,
  u8,
  utf8,
  xz,
} from './helpers/bytes.js';
import { rawBzip2 } from './helpers/bzip2-raw.js';
import { untestedCodes } from './helpers/registry.js';

const LOOSE: Parameters<typeof decompressStream>[2] = { maxOutputBytes: 1 << 30, maxRatio: 1e9 };

async function decode(kind: CompressionKind, input: Uint8Array, limits = LOOSE, chunk = 4096) {
  const r = decompressStream(kind, streamOf(input, chunk), limits);
  const out = await readAll(r.stream);
  return { out, codes: r.anomalies.map((a) => a.code), anomalies: r.anomalies };
}

const data = cat(textLike(300_000), pseudoRandom(50_000), new Uint8Array(100_000));
const gzip = (d: Uint8Array, opts?: zlib.ZlibOptions) => u8(zlib.gzipSync(d, opts));

describe('decompressStream round trips', () => {
  const cases: [CompressionKind, () => Uint8Array][] = [
    ['gzip', () => gzip(data)],
    ['zlib', () => u8(zlib.deflateSync(data))],
    ['deflate-raw', () => u8(zlib.deflateRawSync(data))],
    ['bzip2', () => bzip2(data, 1)],
    ['xz', () => xz(data)],
    ['lzma', () => lzmaAlone(data)],
  ];
  for (const [kind, make] of cases) {
    it(`${kind}: output equals the input, no anomalies, whatever the chunking`, async () => {
      const compressed = make();
      for (const chunk of [7, 65536]) {
        const r = await decode(kind, compressed, LOOSE, chunk);
        expect(r.codes).toEqual([]);
        expect(Buffer.compare(r.out, data)).toBe(0);
      }
    });
  }

  it('survives one-byte input chunks', async () => {
    const small = textLike(3000);
    for (const [kind, compressed] of [
      ['gzip', gzip(small)],
      ['deflate-raw', u8(zlib.deflateRawSync(small))],
      ['bzip2', bzip2(small)],
      ['xz', xz(small)],
    ] as const) {
      const r = await decode(kind, compressed, LOOSE, 1);
      expect(r.codes, kind).toEqual([]);
      expect(Buffer.compare(r.out, small), kind).toBe(0);
    }
  });

  it('decodes a bzip2 block with long runs at every level', async () => {
    const runs = cat(new Uint8Array(300_000).fill(0x61), textLike(20_000), new Uint8Array(5000).fill(7));
    for (const level of [1, 5, 9]) {
      const r = await decode('bzip2', bzip2(runs, level));
      expect(r.codes).toEqual([]);
      expect(Buffer.compare(r.out, runs)).toBe(0);
    }
  });

  it('reads every gzip member, every bzip2 and xz stream of a concatenation', async () => {
    const a = utf8('first member;');
    const b = utf8('second member');
    for (const [kind, enc] of [
      ['gzip', (d: Uint8Array) => gzip(d)],
      ['bzip2', (d: Uint8Array) => bzip2(d)],
      ['xz', (d: Uint8Array) => xz(d)],
    ] as const) {
      const r = await decode(kind, cat(enc(a), enc(b)));
      expect(r.codes).toEqual([]);
      expect(Buffer.from(r.out).toString()).toBe('first member;second member');
    }
  });

  it('accepts xz stream padding between and after streams', async () => {
    const r = await decode('xz', cat(xz(utf8('a')), new Uint8Array(8), xz(utf8('b')), new Uint8Array(4)));
    expect(r.codes).toEqual([]);
    expect(Buffer.from(r.out).toString()).toBe('ab');
  });
});

describe('decompressStream anomalies', () => {
  const hello = utf8('hello hello hello hello');

  it('EMPTY_INPUT for every kind', async () => {
    for (const kind of ['gzip', 'zlib', 'deflate-raw', 'bzip2', 'xz', 'lzma'] as const) {
      expect((await decode(kind, new Uint8Array(0))).codes).toEqual(['EMPTY_INPUT']);
    }
  });

  it('BAD_MAGIC when the bytes are another format', async () => {
    expect((await decode('gzip', utf8('plain text'))).codes).toEqual(['BAD_MAGIC']);
    expect((await decode('bzip2', utf8('plain text'))).codes).toEqual(['BAD_MAGIC']);
    expect((await decode('xz', gzip(hello))).codes).toEqual(['BAD_MAGIC']);
  });

  it('TRAILING_DATA after the last stream, TRAILING_ZERO_PADDING for zeros', async () => {
    const junk = utf8('JUNK');
    const zeros = new Uint8Array(16);
    for (const [kind, enc] of [
      ['gzip', gzip],
      ['zlib', (d: Uint8Array) => u8(zlib.deflateSync(d))],
      ['deflate-raw', (d: Uint8Array) => u8(zlib.deflateRawSync(d))],
      ['bzip2', (d: Uint8Array) => bzip2(d)],
      ['xz', (d: Uint8Array) => xz(d)],
      ['lzma', lzmaAlone],
    ] as const) {
      const compressed = enc(hello);
      const withJunk = await decode(kind, cat(compressed, junk));
      expect(withJunk.codes, kind).toEqual(['TRAILING_DATA']);
      expect(withJunk.anomalies[0]!.offset, kind).toBe(compressed.length);
      expect(Buffer.from(withJunk.out).toString(), kind).toBe('hello hello hello hello');
      const withZeros = await decode(kind, cat(compressed, zeros));
      expect(withZeros.codes, kind).toEqual(kind === 'xz' ? [] : ['TRAILING_ZERO_PADDING']);
    }
  });

  it('xz padding that is not a multiple of four is reported', async () => {
    expect((await decode('xz', cat(xz(hello), new Uint8Array(3)))).codes).toEqual(['TRAILING_ZERO_PADDING']);
    expect((await decode('xz', cat(xz(hello), new Uint8Array(3), xz(hello)))).codes).toEqual(['CORRUPT']);
  });

  it('TRUNCATED when the input stops inside the compressed data', async () => {
    const big = textLike(200_000);
    for (const [kind, enc] of [
      ['gzip', gzip],
      ['zlib', (d: Uint8Array) => u8(zlib.deflateSync(d))],
      ['deflate-raw', (d: Uint8Array) => u8(zlib.deflateRawSync(d))],
      ['bzip2', (d: Uint8Array) => bzip2(d)],
      ['xz', (d: Uint8Array) => xz(d)],
      ['lzma', lzmaAlone],
    ] as const) {
      const full = enc(big);
      const r = await decode(kind, full.subarray(0, Math.floor(full.length / 2)));
      expect(r.codes, kind).toEqual(['TRUNCATED']);
    }
    expect((await decode('gzip', gzip(hello).subarray(0, 5))).codes).toEqual(['TRUNCATED']);
    expect((await decode('gzip', gzip(hello).subarray(0, gzip(hello).length - 3))).codes).toEqual([
      'TRUNCATED',
    ]);
  });

  it('CORRUPT when the compressed bytes are damaged', async () => {
    const big = textLike(100_000);
    const raw = u8(zlib.deflateRawSync(big)).slice();
    raw[0] = 0x07; // BTYPE 11: reserved block type
    expect((await decode('deflate-raw', raw)).codes).toEqual(['CORRUPT']);
    const x = xz(big).slice();
    x.fill(0xff, 100, 140);
    expect((await decode('xz', x)).codes).toEqual(['CORRUPT']);
  });

  it('gzip CHECKSUM_MISMATCH and SIZE_MISMATCH from the trailer', async () => {
    const g = gzip(hello).slice();
    g[g.length - 8]! ^= 1;
    expect((await decode('gzip', g)).codes).toEqual(['CHECKSUM_MISMATCH']);
    const s = gzip(hello).slice();
    s[s.length - 1]! ^= 1;
    expect((await decode('gzip', s)).codes).toEqual(['SIZE_MISMATCH']);
  });

  it('zlib Adler-32 mismatch is a CHECKSUM_MISMATCH; a preset dictionary is UNSUPPORTED', async () => {
    const z = u8(zlib.deflateSync(hello)).slice();
    z[z.length - 1]! ^= 1;
    expect((await decode('zlib', z)).codes).toEqual(['CHECKSUM_MISMATCH']);
    const dict = u8(zlib.deflateSync(hello, { dictionary: utf8('hello') }));
    expect((await decode('zlib', dict)).codes).toEqual(['UNSUPPORTED']);
    expect((await decode('zlib', utf8('xx not zlib'))).codes).toEqual(['HEADER_INVALID']);
  });

  it('bzip2 block and stream CRC mismatches', async () => {
    const b = bzip2(hello).slice();
    // Block CRC sits right after the 4-byte header and the 6-byte block magic.
    b[10]! ^= 1;
    expect((await decode('bzip2', b)).codes).toEqual(['CHECKSUM_MISMATCH']);
    const s = bzip2(hello).slice();
    s[s.length - 2]! ^= 0x10;
    expect((await decode('bzip2', s)).codes).toEqual(['CHECKSUM_MISMATCH']);
  });

  it('bzip2 header problems: level digit and randomised blocks', async () => {
    const b = bzip2(hello).slice();
    b[3] = 0x30;
    expect((await decode('bzip2', b)).codes).toEqual(['HEADER_INVALID']);
    expect((await decode('bzip2', rawBzip2({ symbols: [2, 2], randomised: true }))).codes).toEqual([
      'UNSUPPORTED',
    ]);
  });

  it('bzip2 decoder stops on impossible runs, origPtr and symbols instead of looping or overflowing', async () => {
    const runs = await decode('bzip2', rawBzip2({ symbols: [...Array(40).fill(0), 2] }));
    expect(runs.codes).toEqual(['CORRUPT']);
    expect(runs.anomalies[0]!.message).toMatch(/run longer/);
    expect((await decode('bzip2', rawBzip2({ symbols: [2, 2], origPtr: 5 }))).codes).toEqual(['CORRUPT']);
    const ok = await decode('bzip2', rawBzip2({ symbols: [2, 2] }));
    expect(Buffer.from(ok.out).toString()).toBe('ab');
  });

  it('gzip header fields: FNAME, FCOMMENT, FEXTRA and FHCRC are skipped and checked', async () => {
    const body = u8(zlib.deflateRawSync(hello));
    const trailer = gzip(hello).subarray(-8);
    const header = (flags: number, ...extra: Uint8Array[]) =>
      cat(Uint8Array.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]), ...extra);
    const fields = cat(Uint8Array.from([3, 0, 1, 2, 3]), utf8('name\0comment\0'));
    const hcrc = crc32(header(0x1e, fields)) & 0xffff;
    const good = cat(header(0x1e, fields), Uint8Array.from([hcrc & 0xff, hcrc >> 8]), body, trailer);
    expect((await decode('gzip', good)).codes).toEqual([]);
    const badCrc = cat(header(0x1e, fields), Uint8Array.from([(hcrc + 1) & 0xff, hcrc >> 8]), body, trailer);
    expect((await decode('gzip', badCrc)).codes).toEqual(['HEADER_CRC_MISMATCH']);
    const reserved = await decode('gzip', cat(header(0x20), body, trailer));
    expect(reserved.codes).toEqual(['HEADER_RESERVED_FLAGS']);
    expect(Buffer.from(reserved.out).toString()).toBe('hello hello hello hello');
    const method = cat(Uint8Array.from([0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3]), body, trailer);
    expect((await decode('gzip', method)).codes).toEqual(['HEADER_INVALID']);
    const longName = cat(header(0x08), new Uint8Array(5000).fill(0x41), Uint8Array.from([0]), body, trailer);
    expect((await decode('gzip', longName, { ...LOOSE, maxHeaderFieldBytes: 1000 })).codes).toEqual([
      'LIMIT_HEADER_FIELD',
    ]);
    expect((await decode('gzip', header(0x08, utf8('unterminated')))).codes).toEqual(['TRUNCATED']);
  });

  it('LIMIT_MEMBER_COUNT stops a flood of tiny gzip members', async () => {
    const one = gzip(new Uint8Array(0));
    const many = cat(...Array.from({ length: 50 }, () => one));
    const r = await decode('gzip', many, { ...LOOSE, maxMembers: 10 });
    expect(r.codes).toEqual(['LIMIT_MEMBER_COUNT']);
  });

  it('LIMIT_MEMORY when the xz dictionary needs more than lzmaMemlimitBytes', async () => {
    const r = await decode('xz', xz(hello, '-9'), { ...LOOSE, lzmaMemlimitBytes: 1 << 20 });
    expect(r.codes).toEqual(['LIMIT_MEMORY']);
  });
});

describe('decompressStream limits', () => {
  const zeros = new Uint8Array(24 << 20);
  const bombs: [CompressionKind, Uint8Array][] = [
    ['gzip', gzip(zeros, { level: 9 })],
    ['bzip2', bzip2(zeros)],
    ['xz', xz(zeros)],
  ];

  for (const [kind, bomb] of bombs) {
    it(`${kind}: LIMIT_OUTPUT_BYTES yields exactly the limit, then stops`, async () => {
      const r = await decode(kind, bomb, { maxOutputBytes: 3_000_000, maxRatio: 1e9 });
      expect(r.codes).toEqual(['LIMIT_OUTPUT_BYTES']);
      expect(r.out.length).toBe(3_000_000);
    });

    it(`${kind}: LIMIT_RATIO once past 1 MiB`, async () => {
      const r = await decode(kind, bomb, { maxOutputBytes: 1 << 30, maxRatio: 50 });
      expect(r.codes).toEqual(['LIMIT_RATIO']);
      expect(r.out.length).toBeGreaterThanOrEqual(1 << 20);
      expect(r.out.length).toBeLessThan(zeros.length);
    });
  }

  it('does not apply the ratio limit below 1 MiB of output', async () => {
    const r = await decode('gzip', gzip(new Uint8Array(1 << 19)), { maxOutputBytes: 1 << 30, maxRatio: 2 });
    expect(r.codes).toEqual([]);
  });
});

describe('COMPRESS_ANOMALY_CODES', () => {
  it('every code is described and asserted by a compress test', () => {
    expect(untestedCodes(COMPRESS_ANOMALY_CODES, 'compress')).toEqual([]);
    for (const text of Object.values(COMPRESS_ANOMALY_CODES)) expect(text).toMatch(/^\S.{15,}\.$/);
  });
});
