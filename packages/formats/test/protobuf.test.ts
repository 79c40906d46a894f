import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtoReader, scanTopLevelStream } from '../src/protobuf/index.js';
import { BufferSource, type ByteSource, type ByteStream } from '../src/source.js';
import { mf, msg, sf, tag, varint, vf } from './helpers/protobuf-encode.js';

async function walk(bytes: Uint8Array, maxDepth = 100) {
  const r = new ProtoReader(new BufferSource(bytes), {
    maxDepth,
    maxStringBytes: 16,
    maxFields: 1000,
    maxAnomalies: 1000,
  });
  const fields: Array<{ number: number; wire: number; varint: number; start: number; end: number }> = [];
  const visit = async (start: number, end: number, depth: number): Promise<void> => {
    for await (const f of r.fields(start, end, depth, 'M')) {
      fields.push({ number: f.number, wire: f.wire, varint: f.varint, start: f.start, end: f.end });
      if (f.wire === 2 && f.number === 9) await visit(f.start, f.end, depth + 1);
    }
  };
  await visit(0, bytes.length, 0);
  return { r, fields, codes: r.anomalies.map((a) => a.code) };
}

describe('protobuf wire reader', () => {
  it('decodes varint, fixed64, length-delimited and fixed32 fields', async () => {
    const bytes = msg(vf(1, 300), tag(2, 1), new Uint8Array(8), sf(3, 'abc'), tag(4, 5), new Uint8Array(4));
    const { fields, codes } = await walk(bytes);
    expect(codes).toEqual([]);
    expect(fields.map((f) => [f.number, f.wire])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 5],
    ]);
    expect(fields[0]!.varint).toBe(300);
    expect(fields[2]!.end - fields[2]!.start).toBe(3);
  });

  it('accepts a 10-byte varint and rejects an 11-byte one', async () => {
    expect((await walk(vf(1, (1n << 64n) - 1n))).codes).toEqual([]);
    const eleven = msg(tag(1, 0), new Uint8Array([...Array(10).fill(0xff), 0x01]));
    expect((await walk(eleven)).codes).toEqual(['VARINT_TOO_LONG']);
    const overflow = msg(tag(1, 0), new Uint8Array([...Array(9).fill(0xff), 0x02]));
    expect((await walk(overflow)).codes).toEqual(['VARINT_TOO_LONG']);
  });

  it('rejects groups, invalid wire types and field number 0', async () => {
    expect((await walk(msg(tag(1, 3), tag(1, 4)))).codes).toEqual(['GROUP_WIRE_TYPE']);
    expect((await walk(tag(1, 6))).codes).toEqual(['INVALID_WIRE_TYPE']);
    expect((await walk(new Uint8Array([0x00, 0x01]))).codes).toEqual(['INVALID_TAG']);
  });

  it('requires declared lengths to fit the message and the bytes really there', async () => {
    const past = msg(tag(3, 2), varint(100), new Uint8Array(5));
    expect((await walk(past)).codes).toEqual(['TRUNCATED']);
    // Inner field longer than its parent, though the file is long enough.
    const inner = msg(tag(9, 2), varint(3), tag(3, 2), varint(5), new Uint8Array(20));
    expect((await walk(inner)).codes).toContain('TRUNCATED');
    expect((await walk(msg(tag(2, 1), new Uint8Array(3)))).codes).toEqual(['TRUNCATED']);
    expect((await walk(new Uint8Array([0x08]))).codes).toEqual(['TRUNCATED']);
  });

  it('stops at the depth limit', async () => {
    let m = vf(1, 1);
    for (let i = 0; i < 10; i++) m = mf(9, m);
    expect((await walk(m, 5)).codes).toEqual(['LIMIT_DEPTH']);
    expect((await walk(m, 20)).codes).toEqual([]);
  });

  it('cuts long strings and reports invalid UTF-8', async () => {
    const r = new ProtoReader(
      new BufferSource(msg(sf(1, 'x'.repeat(40)), sf(2, new Uint8Array([0xff, 0xfe])))),
      {
        maxDepth: 10,
        maxStringBytes: 16,
        maxFields: 100,
        maxAnomalies: 1000,
      },
    );
    const out: string[] = [];
    for await (const f of r.fields(0, r.size, 0, 'M')) out.push(await r.string(f, `f${f.number}`));
    expect(out[0]).toBe('x'.repeat(16));
    expect(r.anomalies.map((a) => a.code)).toEqual(['STRING_TRUNCATED', 'INVALID_UTF8']);
  });

  it('reports a wire type that does not match the schema', async () => {
    const r = new ProtoReader(new BufferSource(vf(7, 1)));
    for await (const f of r.fields(0, r.size, 0, 'M')) expect(r.expect(f, 2, 'graph')).toBe(false);
    expect(r.anomalies[0]).toMatchObject({ code: 'WRONG_WIRE_TYPE', field: 'graph', offset: 0 });
  });

  it('stops after maxFields headers', async () => {
    const many = msg(...Array.from({ length: 50 }, () => vf(1, 1)));
    const r = new ProtoReader(new BufferSource(many), {
      maxDepth: 10,
      maxStringBytes: 16,
      maxFields: 10,
      maxAnomalies: 1000,
    });
    let n = 0;
    for await (const _ of r.fields(0, r.size, 0, 'M')) n++;
    expect(n).toBe(10);
    expect(r.anomalies.map((a) => a.code)).toEqual(['LIMIT_FIELDS']);
  });

  it('skips a multi-gigabyte payload without reading it', async () => {
    const huge = 3 * 1024 ** 3;
    const header = msg(tag(9, 2), varint(huge));
    const trailer = vf(1, 7);
    let read = 0;
    const source: ByteSource = {
      size: header.length + huge + trailer.length,
      async read(offset, length) {
        read += length;
        const out = new Uint8Array(Math.min(length, 1 << 20));
        for (let i = 0; i < out.length; i++) {
          const p = offset + i;
          if (p < header.length) out[i] = header[p]!;
          else if (p >= header.length + huge) out[i] = trailer[p - header.length - huge]!;
        }
        return out.subarray(0, Math.min(length, source.size - offset));
      },
    };
    const r = new ProtoReader(source);
    const numbers: number[] = [];
    for await (const f of r.fields(0, source.size, 0, 'M')) numbers.push(f.number);
    expect(numbers).toEqual([9, 1]);
    expect(r.anomalies).toEqual([]);
    expect(read).toBeLessThan(1 << 20);
  });

  it('never throws on random bytes (seeded)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        const { r } = await walk(bytes);
        expect(r.anomalies.length).toBeLessThanOrEqual(1000);
      }),
      { seed: 20261126, numRuns: 300 },
    );
  });

  it('checks the top level of a forward-only stream across any chunking', async () => {
    const bytes = msg(vf(1, 300), sf(7, 'x'.repeat(200)), vf(2, (1n << 63n) + 5n), mf(8, vf(2, 13)));
    async function* chunks(b: Uint8Array, size: number): ByteStream {
      for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
    }
    for (const size of [1, 2, 3, 7, 64, 4096]) {
      const top = await scanTopLevelStream(chunks(bytes, size));
      expect(top?.size).toBe(bytes.length);
      expect([...top!.fields.keys()]).toEqual([1, 7, 2, 8]);
    }
    expect(await scanTopLevelStream(chunks(bytes.subarray(0, bytes.length - 1), 5))).toBeUndefined();
    expect(await scanTopLevelStream(chunks(msg(tag(1, 3)), 5))).toBeUndefined();
    expect(await scanTopLevelStream(chunks(new Uint8Array([0x08, 0x80]), 5))).toBeUndefined();
  });

  it('keeps at most maxAnomalies anomalies', async () => {
    // Every field of the wrong wire type is one anomaly.
    const many = msg(...Array.from({ length: 20 }, () => vf(7, 1)));
    const r = new ProtoReader(new BufferSource(many), {
      maxDepth: 10,
      maxStringBytes: 16,
      maxFields: 100,
      maxAnomalies: 5,
    });
    for await (const f of r.fields(0, r.size, 0, 'M')) r.expect(f, 2, 'graph');
    expect(r.anomalies).toHaveLength(5);
  });
});
