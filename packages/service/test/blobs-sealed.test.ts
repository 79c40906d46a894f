import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlobError,
  type BlobErrorCode,
  HEADER_BYTES,
  newDataKey,
  openSealed,
  RECORD_OVERHEAD,
  SEGMENT_PLAINTEXT_MAX,
  SegmentSealer,
  sealStream,
} from '../src/blobs/index.js';

const SEG = SEGMENT_PLAINTEXT_MAX;

async function* chunked(
  data: Uint8Array,
  sizes: readonly number[] = [data.length || 1],
): AsyncGenerator<Uint8Array> {
  let at = 0;
  let i = 0;
  while (at < data.length) {
    const n = Math.max(1, sizes[i++ % sizes.length] as number);
    yield data.subarray(at, at + n);
    at += n;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

const seal = (data: Uint8Array, key: Uint8Array, sizes?: readonly number[]) =>
  collect(sealStream(chunked(data, sizes), key));
const open = (sealed: Uint8Array, key: Uint8Array, sizes?: readonly number[]) =>
  collect(openSealed(chunked(sealed, sizes), key));

async function codeOf(promise: Promise<unknown>): Promise<BlobErrorCode | 'no error'> {
  try {
    await promise;
    return 'no error';
  } catch (err) {
    if (err instanceof BlobError) return err.code;
    throw err;
  }
}

/** Offsets of the records in a sealed blob, by walking its framing. */
function records(sealed: Buffer): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = HEADER_BYTES;
  while (at < sealed.length) {
    const end = at + RECORD_OVERHEAD + sealed.readUInt32BE(at + 1);
    out.push({ start: at, end });
    at = end;
  }
  return out;
}

describe('sealed format: round trips', () => {
  const key = newDataKey();
  for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 5 * 1024 * 1024 + 17]) {
    it(`${size} bytes`, async () => {
      const data = randomBytes(size);
      const sealed = await seal(data, key, [7919, 100_000, 1]);
      const records = Math.max(1, Math.ceil(size / SEG));
      expect(sealed.length).toBe(HEADER_BYTES + size + records * RECORD_OVERHEAD);
      expect((await open(sealed, key, [3, 65_557, 1 << 20])).equals(data)).toBe(true);
    });
  }

  it('any chunking on either side gives back the plaintext (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3 * SEG + 100 }),
        fc.array(fc.integer({ min: 1, max: 2 * SEG }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 2 * SEG }), { minLength: 1, maxLength: 8 }),
        async (data, inSizes, outSizes) => {
          const sealed = await seal(data, key, inSizes);
          expect((await open(sealed, key, outSizes)).equals(data)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('seals the same plaintext differently each time (random salt)', async () => {
    const data = Buffer.from('same bytes');
    expect((await seal(data, key)).equals(await seal(data, key))).toBe(false);
  });

  it('the last record is marked final, the others are not', async () => {
    const sealed = await seal(randomBytes(2 * SEG + 5), key);
    const flags = records(sealed).map((r) => sealed[r.start]);
    expect(flags).toEqual([0, 0, 1]);
  });
});

describe('sealed format: tampering is detected with its code', () => {
  const key = newDataKey();
  const data = randomBytes(3 * SEG + 1000); // four records
  const sealedP = seal(data, key);
  const variant = async (f: (b: Buffer) => Buffer): Promise<BlobErrorCode | 'no error'> =>
    codeOf(open(f(Buffer.from(await sealedP)), key));

  it('header: magic, version, segment size, reserved bytes → BAD_HEADER', async () => {
    for (const at of [0, 3, 4, 5, 6, 7])
      expect(
        await variant((b) => {
          b[at] = (b[at] as number) ^ 0x01;
          return b;
        }),
      ).toBe('BAD_HEADER');
  });

  it('header: salt or key commitment altered → WRONG_KEY', async () => {
    for (const at of [8, 39, 40, 55])
      expect(
        await variant((b) => {
          b[at] = (b[at] as number) ^ 0x80;
          return b;
        }),
      ).toBe('WRONG_KEY');
  });

  it('a byte of ciphertext, of a tag, or a flag → TAMPERED', async () => {
    const rs = records(Buffer.from(await sealedP));
    const r1 = rs[1] as { start: number; end: number };
    const last = rs[rs.length - 1] as { start: number; end: number };
    for (const at of [
      r1.start + 5,
      r1.start + 500,
      r1.end - 1,
      r1.end - 16,
      last.end - 1,
      r1.start,
      last.start,
    ])
      expect(
        await variant((b) => {
          b[at] = (b[at] as number) ^ 0x01;
          return b;
        }),
      ).toBe('TAMPERED');
  });

  it('a record length altered → TAMPERED or TRUNCATED, never plaintext', async () => {
    const rs = records(Buffer.from(await sealedP));
    const r0 = rs[0] as { start: number };
    for (const delta of [-1, 1, 0x1_0000_00])
      expect(
        await variant((b) => {
          b.writeUInt32BE((b.readUInt32BE(r0.start + 1) + delta) >>> 0, r0.start + 1);
          return b;
        }),
      ).toMatch(/^(TAMPERED|TRUNCATED)$/);
  });

  it('two segments reordered → TAMPERED', async () => {
    expect(
      await variant((b) => {
        const [r0, r1] = records(b) as [{ start: number; end: number }, { start: number; end: number }];
        return Buffer.concat([
          b.subarray(0, r0.start),
          b.subarray(r1.start, r1.end),
          b.subarray(r0.start, r0.end),
          b.subarray(r1.end),
        ]);
      }),
    ).toBe('TAMPERED');
  });

  it('a segment duplicated in place → TAMPERED', async () => {
    expect(
      await variant((b) => {
        const r1 = records(b)[1] as { start: number; end: number };
        return Buffer.concat([b.subarray(0, r1.end), b.subarray(r1.start, r1.end), b.subarray(r1.end)]);
      }),
    ).toBe('TAMPERED');
  });

  it('the final segment dropped, or the stream cut anywhere → TRUNCATED', async () => {
    expect(
      await variant((b) => {
        const rs = records(b);
        return b.subarray(0, (rs[rs.length - 1] as { start: number }).start);
      }),
    ).toBe('TRUNCATED');
    for (const cut of [0, 10, HEADER_BYTES, HEADER_BYTES + 3, HEADER_BYTES + 5000, -1, -16])
      expect(await variant((b) => b.subarray(0, cut < 0 ? b.length + cut : cut))).toBe('TRUNCATED');
  });

  it('a copy of a segment (or any byte) appended after the final one → TRAILING_DATA', async () => {
    expect(
      await variant((b) => {
        const rs = records(b);
        const last = rs[rs.length - 1] as { start: number; end: number };
        return Buffer.concat([b, b.subarray(last.start, last.end)]);
      }),
    ).toBe('TRAILING_DATA');
    expect(
      await variant((b) => {
        const r1 = records(b)[1] as { start: number; end: number };
        return Buffer.concat([b, b.subarray(r1.start, r1.end)]);
      }),
    ).toBe('TRAILING_DATA');
    expect(await variant((b) => Buffer.concat([b, Buffer.from([0])]))).toBe('TRAILING_DATA');
  });

  it('a segment spliced in from another blob under the same data key → TAMPERED', async () => {
    const other = await seal(randomBytes(3 * SEG + 1000), key);
    expect(
      await variant((b) => {
        const r1 = records(b)[1] as { start: number; end: number };
        const o1 = records(other)[1] as { start: number; end: number };
        return Buffer.concat([b.subarray(0, r1.start), other.subarray(o1.start, o1.end), b.subarray(r1.end)]);
      }),
    ).toBe('TAMPERED');
  });

  it('the wrong data key → WRONG_KEY; not a sealed blob → BAD_HEADER', async () => {
    expect(await codeOf(open(await sealedP, newDataKey()))).toBe('WRONG_KEY');
    expect(
      await codeOf(open(Buffer.from('plain text, not sealed at all, long enough for a header....'), key)),
    ).toBe('BAD_HEADER');
    expect(await codeOf(open(Buffer.alloc(0), key))).toBe('TRUNCATED');
  });

  it('any single flipped bit anywhere is detected (property)', async () => {
    const sealed = await seal(randomBytes(2 * SEG + 10), key);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: sealed.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        async (at, bit) => {
          const b = Buffer.from(sealed);
          b[at] = (b[at] as number) ^ (1 << bit);
          expect(await codeOf(open(b, key))).not.toBe('no error');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('sealed format: plaintext only after authentication', () => {
  const key = newDataKey();

  async function emittedBeforeError(sealed: Buffer): Promise<{ out: Buffer; code: string }> {
    const parts: Uint8Array[] = [];
    try {
      for await (const p of openSealed(chunked(sealed, [4096]), key)) parts.push(p);
      return { out: Buffer.concat(parts), code: 'no error' };
    } catch (err) {
      return { out: Buffer.concat(parts), code: (err as BlobError).code };
    }
  }

  it('a tampered second segment: only the first segment was emitted', async () => {
    const data = randomBytes(3 * SEG);
    const sealed = await seal(data, key);
    const r1 = records(sealed)[1] as { start: number };
    sealed[r1.start + 100] = (sealed[r1.start + 100] as number) ^ 1;
    const { out, code } = await emittedBeforeError(sealed);
    expect(code).toBe('TAMPERED');
    expect(out.equals(data.subarray(0, SEG))).toBe(true);
  });

  it('trailing data after the final segment: the final plaintext is withheld', async () => {
    const data = randomBytes(SEG + 10);
    const sealed = Buffer.concat([await seal(data, key), Buffer.from('x')]);
    const { out, code } = await emittedBeforeError(sealed);
    expect(code).toBe('TRAILING_DATA');
    expect(out.equals(data.subarray(0, SEG))).toBe(true);
  });
});

describe('SegmentSealer', () => {
  it('refuses a data key that is not 32 bytes', () => {
    expect(() => SegmentSealer.create(new Uint8Array(16))).toThrow(
      expect.objectContaining({ code: 'KEY_FORMAT' }),
    );
  });
  it('binds to an existing header only with the key it was made with', () => {
    const key = newDataKey();
    const s = SegmentSealer.create(key);
    expect(() => new SegmentSealer(s.header, key)).not.toThrow();
    expect(() => new SegmentSealer(s.header, newDataKey())).toThrow(
      expect.objectContaining({ code: 'WRONG_KEY' }),
    );
  });
});
