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
    if (this.buf.length - this.pos >= n) return true;
    if (this.ended) return false;
    const rest = this.buf.subarray(this.pos);
    const parts: Uint8Array[] = rest.length > 0 ? [rest] : [];
    let have = rest.length;
    while (have < n) {
      const next = await this.iter.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      if (next.value.length === 0) continue;
      parts.push(next.value);
      have += next.value.length;
    }
    this.base += this.pos;
    this.pos = 0;
    if (parts.length === 1) this.buf = parts[0]!;
    else {
      const merged = new Uint8Array(have);
      let o = 0;
      for (const p of parts) {
        merged.set(p, o);
        o += p.length;
      }
      this.buf = merged;
    }
    return have >= n;
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

  /**
   * Puts bytes back in front of the stream: the next reads return them first. Offsets continue from
   * where reading stands (the bytes are re-counted), which keeps offsets monotonic.
   */
  unread(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const rest = this.buf.subarray(this.pos);
    const merged = new Uint8Array(bytes.length + rest.length);
    merged.set(bytes, 0);
    merged.set(rest, bytes.length);
    this.base += this.pos - bytes.length;
    this.buf = merged;
    this.pos = 0;
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
   * them. Returns how many bytes were really there (less than n when the stream ends). Nothing is
   * allocated for bytes a declared length promises but the stream does not hold.
   */
  async readRetaining(n: number, retain: number): Promise<{ bytes: Uint8Array; got: number }> {
    const keep = Math.min(n, retain);
    const parts: Uint8Array[] = [];
    let kept = 0;
    let got = 0;
    while (got < n) {
      if (this.available === 0 && !(await this.ensure(1))) break;
      const take = Math.min(this.available, n - got);
      const v = this.view(take);
      if (kept < keep) {
        const part = v.slice(0, Math.min(take, keep - kept));
        parts.push(part);
        kept += part.length;
      }
      got += take;
    }
    if (parts.length === 1) return { bytes: parts[0]!, got };
    const bytes = new Uint8Array(kept);
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    return { bytes, got };
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
   * Reads through the next '\n' (excluded from the result). A line longer than `max` bytes is
   * `{ tooLong }` however the stream is chunked; null at end of stream without a newline. The buffer
   * grows geometrically, so a long line costs linear time.
   */
  async line(max: number): Promise<Uint8Array | null | { tooLong: true }> {
    let want = Math.min(max + 1, 4096);
    let eof = false;
    for (;;) {
      const end = Math.min(this.buf.length, this.pos + max + 1);
      const idx = this.buf.subarray(this.pos, end).indexOf(0x0a);
      if (idx >= 0) {
        const out = this.buf.slice(this.pos, this.pos + idx);
        this.pos += idx + 1;
        return out;
      }
      if (this.available > max) return { tooLong: true };
      if (eof) return null;
      want = Math.min(max + 1, Math.max(want * 2, this.available + 1));
      eof = !(await this.ensure(want));
    }
  }
}
