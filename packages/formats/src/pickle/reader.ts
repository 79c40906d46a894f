/**
 * A forward-only buffered reader over a ByteStream with absolute offsets. Reads are synchronous once
 * `ensure` has buffered enough, so the opcode loop awaits only when it crosses a chunk boundary.
 */
import type { ByteStream } from '../source.js';

const EMPTY = new Uint8Array(0);

export class StreamReader {
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private base = 0;
  private ended = false;
  private readonly iter: AsyncIterator<Uint8Array>;

  constructor(stream: ByteStream) {
    this.iter = stream[Symbol.asyncIterator]();
  }

  static fromBytes(bytes: Uint8Array): StreamReader {
    return new StreamReader(
      (async function* () {
        yield bytes;
      })(),
    );
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get available(): number {
    return this.buf.length - this.pos;
  }

  /** Buffers at least n bytes; false when the stream ends first (whatever exists stays buffered). */
  async ensure(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n) {
      if (this.ended) return false;
      const next = await this.iter.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      if (next.value.length === 0) continue;
      const rest = this.buf.subarray(this.pos);
      if (rest.length === 0) {
        this.base += this.buf.length;
        this.buf = next.value;
      } else {
        const merged = new Uint8Array(rest.length + next.value.length);
        merged.set(rest, 0);
        merged.set(next.value, rest.length);
        this.base += this.pos;
        this.buf = merged;
      }
      this.pos = 0;
    }
    return true;
  }

  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }

  /** Caller must have ensured the byte is available. */
  byte(): number {
    return this.buf[this.pos++]!;
  }

  /** Caller must have ensured n bytes. The view is only valid until the next ensure(); copy to keep. */
  view(n: number): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Copies up to n upcoming bytes without consuming them. */
  async peek(n: number): Promise<Uint8Array> {
    await this.ensure(n);
    return this.buf.slice(this.pos, this.pos + Math.min(n, this.available));
  }

  peekByte(): number | undefined {
    return this.pos < this.buf.length ? this.buf[this.pos] : undefined;
  }

  /**
   * Reads n bytes, keeping at most `retain` of them (copied) and skipping the rest without buffering
   * them. Returns how many bytes were really there (less than n when the stream ends).
   */
  async readRetaining(n: number, retain: number): Promise<{ bytes: Uint8Array; got: number }> {
    const keep = Math.min(n, retain);
    const kept = new Uint8Array(keep);
    let got = 0;
    while (got < n) {
      if (this.available === 0 && !(await this.ensure(1))) break;
      const take = Math.min(this.available, n - got);
      const v = this.view(take);
      if (got < keep) kept.set(v.subarray(0, Math.min(take, keep - got)), got);
      got += take;
    }
    return { bytes: got >= keep ? kept : kept.subarray(0, got), got };
  }

  /** Skips n bytes; returns how many were skipped. */
  async skip(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      if (this.available === 0 && !(await this.ensure(1))) break;
      const take = Math.min(this.available, n - done);
      this.pos += take;
      done += take;
    }
    return done;
  }

  /**
   * Reads through the next '\n' (excluded from the result). `max` bounds the line length; returns
   * null at end of stream without a newline, or `{ tooLong }` past max.
   */
  async line(max: number): Promise<Uint8Array | null | { tooLong: true }> {
    let scanned = 0;
    for (;;) {
      const idx = this.buf.indexOf(0x0a, this.pos + scanned);
      if (idx >= 0) {
        const out = this.buf.slice(this.pos, idx);
        this.pos = idx + 1;
        return out;
      }
      scanned = this.buf.length - this.pos;
      if (scanned > max) return { tooLong: true };
      if (!(await this.ensure(scanned + 1))) return null;
    }
  }
}
