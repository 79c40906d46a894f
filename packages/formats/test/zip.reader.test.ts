import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/source.js';
import { readZipDirectory } from '../src/zip/directory.js';
import { openZipEntry, readZipEntryHead } from '../src/zip/entry-reader.js';
import type { ZipReadOptions } from '../src/zip/types.js';
import { readAll, textLike, u8, utf8 } from './helpers/bytes.js';
import { buildZip, CountingSource, type ZipMemberSpec } from './helpers/zip-writer.js';

const LOOSE: ZipReadOptions = { maxBytes: 1 << 30, maxRatio: 1e9 };
const text = textLike(200_000);

async function readMember(member: ZipMemberSpec, opts = LOOSE) {
  const source = new BufferSource(buildZip({ members: [member] }));
  const dir = await readZipDirectory(source);
  const entry = dir.entries[0]!;
  const reader = openZipEntry(source, entry, opts);
  const out = await readAll(reader.stream);
  return { out, codes: reader.anomalies.map((a) => a.code), anomalies: reader.anomalies, dir };
}

describe('openZipEntry', () => {
  it('reads stored and deflated members, checking CRC and size silently when they agree', async () => {
    for (const method of [0, 8]) {
      const r = await readMember({ name: 'm', data: text, method });
      expect(r.codes).toEqual([]);
      expect(Buffer.compare(r.out, text)).toBe(0);
    }
  });

  it('CRC_MISMATCH once the member is read to the end (miniz would not notice)', async () => {
    const r = await readMember({ name: 'm', data: text, method: 8, crc: 1, localCrc: 1 });
    expect(r.dir.anomalies).toEqual([]);
    expect(r.codes).toEqual(['CRC_MISMATCH']);
    expect(Buffer.compare(r.out, text)).toBe(0);
  });

  it('SIZE_MISMATCH when the data inflates to another length', async () => {
    const r = await readMember({
      name: 'm',
      data: text,
      method: 8,
      uncompressedSize: 10,
      localUncompressedSize: 10,
    });
    expect(r.codes).toEqual(['SIZE_MISMATCH']);
  });

  it('LIMIT_MEMBER_BYTES yields exactly maxBytes for stored and deflated data', async () => {
    for (const method of [0, 8]) {
      const r = await readMember({ name: 'm', data: text, method }, { maxBytes: 70_000, maxRatio: 1e9 });
      expect(r.codes).toEqual(['LIMIT_MEMBER_BYTES']);
      expect(r.out.length).toBe(70_000);
    }
  });

  it('LIMIT_MEMBER_RATIO stops a deflate bomb', async () => {
    const r = await readMember(
      { name: 'bomb', data: new Uint8Array(16 << 20), method: 8 },
      { maxBytes: 1 << 30, maxRatio: 20 },
    );
    expect(r.codes).toEqual(['LIMIT_MEMBER_RATIO']);
    expect(r.out.length).toBeLessThan(16 << 20);
  });

  it('MEMBER_CORRUPT, MEMBER_TRUNCATED, MEMBER_TRAILING_BYTES', async () => {
    const deflated = u8(zlib.deflateRawSync(text));
    const corrupt = await readMember({
      name: 'm',
      data: text,
      method: 8,
      compressed: Uint8Array.from([0x07, 1, 2, 3]),
    });
    expect(corrupt.codes).toEqual(['MEMBER_CORRUPT']);
    const truncated = await readMember({
      name: 'm',
      data: text,
      method: 8,
      compressed: deflated.subarray(0, 1000),
    });
    expect(truncated.codes).toEqual(['MEMBER_TRUNCATED']);
    const trailing = await readMember({
      name: 'm',
      data: text,
      method: 8,
      compressed: Uint8Array.from([...deflated, ...utf8('junk')]),
    });
    expect(trailing.codes).toEqual(['MEMBER_TRAILING_BYTES']);
    expect(Buffer.compare(trailing.out, text)).toBe(0);
  });

  it('MEMBER_NOT_READABLE for unsupported methods; encrypted-flag members are read as-is', async () => {
    const unsupported = await readMember({ name: 'm', data: 'abc', method: 14 });
    expect(unsupported.codes).toEqual(['MEMBER_NOT_READABLE']);
    expect(unsupported.out.length).toBe(0);
    const flagged = await readMember({ name: 'm', data: 'plain pickle', flags: 1 });
    expect(flagged.codes).toEqual([]);
    expect(Buffer.from(flagged.out).toString()).toBe('plain pickle');
  });

  it('ENTRY_DATA_OUT_OF_BOUNDS reads what is there, then MEMBER_TRUNCATED', async () => {
    const bytes = buildZip({ members: [{ name: 'm', data: text }] });
    const cut = new BufferSource(bytes.subarray(0, 5000));
    const source = new BufferSource(bytes);
    const entry = (await readZipDirectory(source)).entries[0]!;
    const reader = openZipEntry(cut, entry, LOOSE);
    const out = await readAll(reader.stream);
    expect(reader.anomalies.map((a) => a.code)).toEqual(['ENTRY_DATA_OUT_OF_BOUNDS', 'MEMBER_TRUNCATED']);
    expect(out.length).toBe(5000 - entry.dataOffset!);
  });

  it('breaking out of a deflated member releases it cleanly', async () => {
    const source = new BufferSource(
      buildZip({ members: [{ name: 'm', data: textLike(4 << 20), method: 8 }] }),
    );
    const entry = (await readZipDirectory(source)).entries[0]!;
    const reader = openZipEntry(source, entry, LOOSE);
    for await (const chunk of reader.stream) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(reader.anomalies).toEqual([]);
  });
});

describe('readZipEntryHead', () => {
  it('returns the first n decompressed bytes and reads little', async () => {
    const big = textLike(4 << 20);
    for (const method of [0, 8]) {
      const source = new CountingSource(buildZip({ members: [{ name: 'm', data: big, method }] }));
      const entry = (await readZipDirectory(source)).entries[0]!;
      const before = source.bytesRead;
      const head = await readZipEntryHead(source, entry, 64);
      expect(Buffer.compare(head, big.subarray(0, 64))).toBe(0);
      expect(source.bytesRead - before).toBeLessThanOrEqual(8192);
    }
  });

  it('returns fewer bytes for short or unreadable members', async () => {
    const source = new BufferSource(
      buildZip({
        members: [
          { name: 'a', data: 'abc' },
          { name: 'b', data: 'x', method: 99 },
        ],
      }),
    );
    const [a, b] = (await readZipDirectory(source)).entries;
    expect(Buffer.from(await readZipEntryHead(source, a!, 100)).toString()).toBe('abc');
    expect((await readZipEntryHead(source, b!, 100)).length).toBe(0);
  });
});
