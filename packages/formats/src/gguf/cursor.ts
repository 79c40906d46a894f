/**
 * A forward cursor over a ByteSource with a small read-ahead window: GGUF metadata is millions of
 * tiny fields, so each is served from the window, and the window never grows past one chunk plus the
 * largest single field asked for (callers check a field's length against `remaining` first).
 */
import type { ByteSource } from '../source.js';

export class Truncated extends Error {
  constructor(readonly at: number) {
    super('truncated');
  }
}

const WINDOW = 64 * 1024;

export class Cursor {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;
  pos: number;

  constructor(
    private readonly source: ByteSource,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return Math.max(0, this.source.size - this.pos);
  }

  /** `n` bytes at the cursor, advancing it; throws Truncated when the source ends first. */
  async take(n: number): Promise<Uint8Array> {
    if (n > this.remaining) throw new Truncated(this.pos);
    const off = this.pos - this.bufStart;
    if (off < 0 || off + n > this.buf.length) {
      this.buf = await this.source.read(this.pos, Math.max(n, WINDOW));
      this.bufStart = this.pos;
      if (this.buf.length < n) throw new Truncated(this.pos);
    }
    const at = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }

  /**
   * Skips `count` length-prefixed strings (vocabularies hold 100k+ of them) without a promise per
   * element; returns the first whose declared length overruns the source.
   */
  async skipStrings(
    count: number,
    lengthBytes: 4 | 8,
  ): Promise<{ index: number; at: number; length: number } | undefined> {
    for (let i = 0; i < count; i++) {
      const at = this.pos;
      if (lengthBytes > this.remaining) throw new Truncated(at);
      let off = at - this.bufStart;
      if (off < 0 || off + lengthBytes > this.buf.length) {
        this.buf = await this.source.read(at, WINDOW);
        this.bufStart = at;
        off = 0;
        if (this.buf.length < lengthBytes) throw new Truncated(at);
      }
      const b = this.buf;
      const lo = (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
      const hi =
        lengthBytes === 8
          ? (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0
          : 0;
      const length = hi * 2 ** 32 + lo;
      if (length > this.remaining - lengthBytes) return { index: i, at, length };
      this.pos = at + lengthBytes + length;
    }
    return undefined;
  }

  async skip(n: number): Promise<void> {
    if (n > this.remaining) throw new Truncated(this.pos);
    this.pos += n;
  }

  async u8(): Promise<number> {
    return (await this.take(1))[0]!;
  }

  async u32(): Promise<number> {
    const b = await this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  async u64(): Promise<bigint> {
    const b = await this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  async view(n: number): Promise<DataView> {
    const b = await this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
}
