import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/compress/crc32.js';
import { BufferSource } from '../src/source.js';
import { readZipDirectory } from '../src/zip/directory.js';
import { ZIP_ANOMALY_CODES, type ZipAnomalyCode, type ZipLimits } from '../src/zip/types.js';
import { cat, utf8 } from './helpers/bytes.js';
import { untestedCodes } from './helpers/registry.js';
import { buildZip, type ZipMemberSpec, type ZipSpec, zip64Extra } from './helpers/zip-writer.js';

const base: ZipMemberSpec[] = [
  { name: 'archive/data.pkl', data: 'pickle-bytes-here' },
  { name: 'archive/data/0', data: 'tensor bytes '.repeat(20), method: 8 },
];

async function list(spec: Partial<ZipSpec> & { members?: ZipMemberSpec[] }, limits?: Partial<ZipLimits>) {
  const bytes = buildZip({ members: base, ...spec });
  const dir = await readZipDirectory(new BufferSource(bytes), limits);
  return { ...dir, codes: dir.anomalies.map((a) => a.code), bytes };
}

const only = (codes: ZipAnomalyCode[]) => [...new Set(codes)].sort();

describe('readZipDirectory on well-formed archives', () => {
  it('lists entries with their central values and no anomalies', async () => {
    const members: ZipMemberSpec[] = [
      ...base,
      { name: 'model/', data: '', externalAttributes: (0o040755 << 16) >>> 0 },
      { name: 'link', data: 'archive/data.pkl', externalAttributes: (0o120777 << 16) >>> 0 },
      { name: 'descr', data: 'with descriptor', method: 8, descriptor: {} },
      { name: 'descr-nosig', data: 'no signature', descriptor: { signature: false } },
      { name: utf8('naïve.txt'), data: 'x', flags: 0x0800 },
      { name: Uint8Array.from([0x80, 0x41]), data: 'y' },
    ];
    const dir = await list({ members, comment: 'archive comment' });
    expect(dir.anomalies).toEqual([]);
    expect(dir.comment).toBe('archive comment');
    expect(dir.entries.map((e) => e.name)).toEqual([
      'archive/data.pkl',
      'archive/data/0',
      'model/',
      'link',
      'descr',
      'descr-nosig',
      'naïve.txt',
      'ÇA',
    ]);
    const [pkl, tensor, folder, link, descr] = dir.entries;
    expect(pkl).toMatchObject({
      index: 0,
      method: 0,
      localHeaderOffset: 0,
      dataOffset: 30 + 16,
      readable: true,
    });
    expect(pkl!.compressedSize).toBe(17);
    expect(tensor).toMatchObject({
      method: 8,
      uncompressedSize: 260,
      isDirectory: false,
      source: 'central-directory',
    });
    expect(folder!.isDirectory).toBe(true);
    expect(link!.isSymlink).toBe(true);
    expect(link!.unixMode).toBe(0o120777);
    expect(descr!.flags & 8).toBe(8);
    expect(dir.entries[6]!.nameEncoding).toBe('utf8');
    expect(dir.entries[7]!.nameEncoding).toBe('cp437');
    expect(Array.from(dir.entries[7]!.rawName)).toEqual([0x80, 0x41]);
    expect(pkl!.localName).toBeUndefined();
  });

  it('an empty archive is just an end record', async () => {
    const dir = await list({ members: [] });
    expect(dir.entries).toEqual([]);
    expect(dir.anomalies).toEqual([]);
  });
});

describe('readZipDirectory: local header vs central directory', () => {
  it('LOCAL_NAME_MISMATCH keeps the central name and exposes the local one (CVE-2025-1944)', async () => {
    const dir = await list({ members: [{ ...base[0]!, localName: 'archive/datap.kl' }, base[1]!] });
    expect(dir.codes).toEqual(['LOCAL_NAME_MISMATCH']);
    expect(dir.entries[0]!.name).toBe('archive/data.pkl');
    expect(dir.entries[0]!.localName).toBe('archive/datap.kl');
    expect(dir.anomalies[0]).toMatchObject({ offset: 0, field: 'name', actual: 'archive/datap.kl' });
  });

  const fieldCases: [Partial<ZipMemberSpec>, ZipAnomalyCode][] = [
    [{ localMethod: 8 }, 'LOCAL_METHOD_MISMATCH'],
    [{ localFlags: 0x0002 }, 'LOCAL_FLAGS_MISMATCH'],
    [{ localCrc: 1234 }, 'LOCAL_CRC_MISMATCH'],
    [{ localCompressedSize: 3 }, 'LOCAL_COMPRESSED_SIZE_MISMATCH'],
    [{ localUncompressedSize: 3 }, 'LOCAL_UNCOMPRESSED_SIZE_MISMATCH'],
  ];
  for (const [patch, code] of fieldCases) {
    it(`${code} is reported on its own`, async () => {
      const dir = await list({ members: [{ ...base[0]!, ...patch }, base[1]!] });
      expect(dir.codes).toEqual([code]);
    });
  }

  it('local flags differing are exposed as localFlags', async () => {
    const dir = await list({ members: [{ ...base[0]!, localFlags: 0x0002 }] });
    expect(dir.entries[0]!.localFlags).toBe(2);
  });

  it('flag bits 0, 5, 6 are reported per header; the member stays readable (miniz ignores them)', async () => {
    const central = await list({ members: [{ ...base[0]!, flags: 1, localFlags: 0 }] });
    expect(only(central.codes)).toEqual(['FLAG_ENCRYPTED', 'LOCAL_FLAGS_MISMATCH']);
    expect(central.anomalies.find((a) => a.code === 'FLAG_ENCRYPTED')!.field).toBe('central flags');
    const local = await list({ members: [{ ...base[0]!, flags: 0, localFlags: 1 }] });
    expect(local.anomalies.find((a) => a.code === 'FLAG_ENCRYPTED')!.field).toBe('local flags');
    expect(local.entries[0]!.isEncrypted).toBe(true);
    const both = await list({ members: [{ ...base[0]!, flags: 0x0061 }] });
    expect(both.codes.filter((c) => c === 'FLAG_ENCRYPTED')).toHaveLength(2);
    expect(both.codes.filter((c) => c === 'FLAG_PATCHED_DATA')).toHaveLength(2);
    expect(both.codes.filter((c) => c === 'FLAG_STRONG_ENCRYPTION')).toHaveLength(2);
    expect(both.entries[0]!.readable).toBe(true);
    const reserved = await list({ members: [{ ...base[0]!, flags: 0x4000 }] });
    expect(only(reserved.codes)).toEqual(['FLAG_RESERVED_BITS']);
  });

  it('DATA_DESCRIPTOR_MISMATCH and DATA_DESCRIPTOR_MISSING', async () => {
    const wrong = await list({ members: [{ ...base[0]!, descriptor: { crc: 7 } }] });
    expect(wrong.codes).toEqual(['DATA_DESCRIPTOR_MISMATCH']);
    expect(wrong.anomalies[0]!.field).toBe('crc32');
    const missing = await list({ members: [{ ...base[0]!, flags: 8, localCrc: 0 }, base[1]!] });
    expect(missing.codes).toContain('DATA_DESCRIPTOR_MISSING');
  });

  it('LOCAL_HEADER_MISSING when the central directory points at no local header', async () => {
    const dir = await list({ members: [base[0]!, { ...base[1]!, localHeaderOffset: 5 }] });
    expect(dir.codes).toContain('LOCAL_HEADER_MISSING');
    expect(dir.entries[1]!.readable).toBe(false);
    expect(dir.entries[1]!.dataOffset).toBeUndefined();
  });
});

describe('readZipDirectory: entry-level anomalies', () => {
  it('UNSUPPORTED_METHOD makes the entry unreadable', async () => {
    const dir = await list({ members: [{ name: 'x.bz2', data: 'zz', method: 12 }] });
    expect(dir.codes).toEqual(['UNSUPPORTED_METHOD']);
    expect(dir.entries[0]!.readable).toBe(false);
  });

  it('DUPLICATE_NAME', async () => {
    const dir = await list({ members: [base[0]!, base[0]!] });
    expect(dir.codes).toEqual(['DUPLICATE_NAME']);
    expect(dir.anomalies[0]!.actual).toBe('archive/data.pkl');
  });

  it('OVERLAPPING_ENTRIES when two entries share bytes', async () => {
    const dir = await list({ members: [base[0]!, { ...base[0]!, name: 'other', localHeaderOffset: 0 }] });
    expect(dir.codes).toContain('OVERLAPPING_ENTRIES');
    expect(dir.codes).toContain('UNREFERENCED_LOCAL_HEADER');
  });

  it('ENTRY_DATA_OUT_OF_BOUNDS when declared sizes run past the file', async () => {
    const dir = await list({
      members: [base[0]!, { ...base[1]!, compressedSize: 1_000_000, localCompressedSize: 1_000_000 }],
    });
    expect(dir.codes).toContain('ENTRY_DATA_OUT_OF_BOUNDS');
    expect(dir.codes).toContain('ENTRY_OVERLAPS_CENTRAL_DIRECTORY');
  });

  it('STORED_SIZE_MISMATCH', async () => {
    const dir = await list({ members: [{ ...base[0]!, uncompressedSize: 99, localUncompressedSize: 99 }] });
    expect(dir.codes).toEqual(['STORED_SIZE_MISMATCH']);
  });

  it('NAME_INVALID_UTF8, UNICODE_PATH_MISMATCH, EXTRA_FIELD_MALFORMED, ZIP64_EXTRA_INVALID', async () => {
    const bad = await list({ members: [{ name: Uint8Array.from([0x61, 0xff]), data: 'a', flags: 0x0800 }] });
    expect(bad.codes).toEqual(['NAME_INVALID_UTF8']);
    const nameCrc = new Uint8Array(4);
    new DataView(nameCrc.buffer).setUint32(0, crc32(utf8('a.txt')), true);
    const alt = utf8('../evil.txt');
    const unicode = cat(Uint8Array.from([0x75, 0x70, 5 + alt.length, 0, 1]), nameCrc, alt);
    const u = await list({ members: [{ name: 'a.txt', data: 'a', centralExtra: unicode }] });
    expect(u.codes).toEqual(['UNICODE_PATH_MISMATCH']);
    expect(u.anomalies[0]!.actual).toBe('../evil.txt');
    const malformed = await list({
      members: [{ name: 'a', data: 'a', centralExtra: Uint8Array.from([9, 9, 50, 0]) }],
    });
    expect(malformed.codes).toEqual(['EXTRA_FIELD_MALFORMED']);
    const z = await list({ members: [{ name: 'a', data: 'a', compressedSize: 0xffffffff }] });
    expect(z.codes).toContain('ZIP64_EXTRA_INVALID');
    const huge = await list({
      members: [{ name: 'a', data: 'a', zip64: true, centralExtra: zip64Extra([1, 2 ** 60, 0]) }],
    });
    expect(huge.codes).toContain('ZIP64_VALUE_TOO_LARGE');
    expect(huge.codes).toContain('ENTRY_DATA_OUT_OF_BOUNDS');
  });
});

describe('readZipDirectory: end records and layout', () => {
  it('EOCD_TRAILING_DATA and EOCD_COMMENT_TRUNCATED', async () => {
    expect((await list({ trailing: utf8('garbage') })).codes).toEqual(['EOCD_TRAILING_DATA']);
    expect((await list({ comment: 'abc', commentLength: 10 })).codes).toEqual(['EOCD_COMMENT_TRUNCATED']);
  });

  it('EOCD_MULTIPLE and EOCD_INVALID for a decoy end record in the comment', async () => {
    const decoy = cat(
      Uint8Array.from([0x50, 0x4b, 0x05, 0x06]),
      new Uint8Array(8),
      Uint8Array.from([1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0]),
    );
    const dir = await list({ comment: decoy });
    expect(only(dir.codes)).toEqual(['EOCD_INVALID', 'EOCD_MULTIPLE']);
    expect(dir.entries).toHaveLength(2);
  });

  it('MULTI_DISK and CENTRAL_DIRECTORY_COUNT_MISMATCH', async () => {
    expect((await list({ eocd: { disk: 1 } })).codes).toEqual(['MULTI_DISK']);
    const count = await list({ eocd: { entries: 1, entriesOnDisk: 1 } });
    expect(count.codes).toEqual(['CENTRAL_DIRECTORY_COUNT_MISMATCH']);
    expect(count.entries).toHaveLength(2);
  });

  it('BYTES_BEFORE_FIRST_ENTRY, BYTES_BETWEEN_ENTRIES, BYTES_AFTER_LAST_ENTRY', async () => {
    expect((await list({ prefix: utf8('#!/bin/sh\n') })).codes).toEqual(['BYTES_BEFORE_FIRST_ENTRY']);
    expect((await list({ gaps: { 0: utf8('hidden') } })).codes).toEqual(['BYTES_BETWEEN_ENTRIES']);
    expect((await list({ gaps: { 1: utf8('hidden') } })).codes).toEqual(['BYTES_AFTER_LAST_ENTRY']);
  });

  it('UNREFERENCED_LOCAL_HEADER for a member only streaming readers see', async () => {
    const dir = await list({
      members: [base[0]!, { name: 'smuggled.pkl', data: 'evil', hidden: true }, base[1]!],
    });
    expect(only(dir.codes)).toEqual(['BYTES_BETWEEN_ENTRIES', 'UNREFERENCED_LOCAL_HEADER']);
  });

  it('CENTRAL_DIRECTORY_OFFSET_MISMATCH for bytes between the directory and the end record', async () => {
    expect((await list({ beforeEnd: utf8('xx') })).codes).toEqual(['CENTRAL_DIRECTORY_OFFSET_MISMATCH']);
  });

  it('missing end record: local headers are walked so the content stays reachable', async () => {
    const members: ZipMemberSpec[] = [
      ...base,
      { name: 'pt', data: 'stored with descriptor', descriptor: {} },
    ];
    const dir = await list({ members, omitEocd: true });
    expect(only(dir.codes)).toEqual(['EOCD_NOT_FOUND', 'RECOVERED_BY_LOCAL_SCAN']);
    expect(dir.entries.map((e) => [e.name, e.source, e.compressedSize])).toEqual([
      ['archive/data.pkl', 'local-scan', 17],
      ['archive/data/0', 'local-scan', zlib.deflateRawSync('tensor bytes '.repeat(20)).length],
      ['pt', 'local-scan', 22],
    ]);
    expect(dir.entries.every((e) => e.readable && e.dataOffset !== undefined)).toBe(true);
  });

  it('CENTRAL_DIRECTORY_OUT_OF_BOUNDS and CENTRAL_DIRECTORY_CORRUPT fall back to the local scan', async () => {
    const out = await list({ eocd: { cdOffset: 0x7fffff } });
    expect(out.codes).toContain('CENTRAL_DIRECTORY_OUT_OF_BOUNDS');
    expect(out.codes).toContain('RECOVERED_BY_LOCAL_SCAN');
    expect(out.entries.map((e) => e.name)).toEqual(['archive/data.pkl', 'archive/data/0']);
    const corrupt = await list({ centralTail: utf8('not a central record') });
    expect(corrupt.codes).toContain('CENTRAL_DIRECTORY_CORRUPT');
    expect(corrupt.codes).toContain('RECOVERED_BY_LOCAL_SCAN');
    expect(corrupt.entries.map((e) => e.source)).toEqual(['central-directory', 'central-directory']);
  });

  it('limits: entries, central directory size, anomaly count', async () => {
    const three = [...base, { name: 'third', data: '3' }];
    const entries = await list({ members: three }, { maxEntries: 2 });
    expect(entries.codes).toEqual(['LIMIT_ENTRY_COUNT']);
    expect(entries.entries).toHaveLength(2);
    const cd = await list({}, { maxCentralDirectoryBytes: 10 });
    expect(cd.codes).toEqual(['LIMIT_CENTRAL_DIRECTORY_SIZE']);
    expect(cd.entries).toEqual([]);
    const dups = Array.from({ length: 10 }, () => base[0]!);
    const capped = await list({ members: dups }, { maxAnomalies: 3 });
    expect(capped.codes).toEqual([
      'DUPLICATE_NAME',
      'DUPLICATE_NAME',
      'DUPLICATE_NAME',
      'LIMIT_ANOMALY_COUNT',
    ]);
  });
});

describe('ZIP_ANOMALY_CODES', () => {
  it('every code is described and asserted by a zip test', () => {
    expect(untestedCodes(ZIP_ANOMALY_CODES, 'zip')).toEqual([]);
    for (const text of Object.values(ZIP_ANOMALY_CODES)) expect(text).toMatch(/^\S.{15,}\.$/);
  });
});
