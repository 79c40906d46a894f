/**
 * A pull reader over a ByteStream with push-back: decoders take what they need, hand back what they
 * over-read (the bytes after the end of a deflate member, a tar block boundary), and the next
 * decoder continues from there. Positions count bytes handed out, so anomalies can carry offsets.
 */
import type { ByteStream } from '../source.js';
import { concatBytes } from '../source.js';

export class StreamReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly pushedBack: Uint8Array[] = [];
  private exhausted = false;
  private closed = false;
  /** Bytes handed out and not pushed back: the offset of the next byte in the stream. */
  private pos = 0;
  /** Bytes pulled from the upstream stream so far (what a ratio limit divides by). */
  private pulledBytes = 0;

  constructor(stream: ByteStream) {
    this.iterator = stream[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.pos;
  }

  get pulled(): number {
    return this.pulledBytes;
  }

  /** The next chunk of at most `max` bytes, or undefined at the end of the stream. */
  async next(max = Number.POSITIVE_INFINITY): Promise<Uint8Array | undefined> {
    let chunk = this.pushedBack.shift();
    while (chunk === undefined) {
      if (this.exhausted || this.closed) return undefined;
      const r = await this.iterator.next();
      if (r.done) {
        this.exhausted = true;
        return undefined;
      }
      if (r.value.length > 0) {
        chunk = r.value;
        this.pulledBytes += chunk.length;
      }
    }
    if (chunk.length > max) {
      this.pushedBack.unshift(chunk.subarray(max));
      chunk = chunk.subarray(0, max);
    }
    this.pos += chunk.length;
    return chunk;
  }

  /** Returns bytes to the front of the stream; the next read sees them first. */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pushedBack.unshift(bytes);
    this.pos -= bytes.length;
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < n) {
      const chunk = await this.next(n - total);
      if (chunk === undefined) break;
      parts.push(chunk);
      total += chunk.length;
    }
    return concatBytes(parts, total);
  }

  /** Like `read` but leaves the bytes in the stream. */
  async peek(n: number): Promise<Uint8Array> {
    const bytes = await this.read(n);
    this.unshift(bytes);
    return bytes;
  }

  /** Discards up to `n` bytes; returns how many were there. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const chunk = await this.next(n - skipped);
      if (chunk === undefined) break;
      skipped += chunk.length;
    }
    return skipped;
  }

  /** Releases the upstream stream (e.g. a file handle or a decoder) without reading the rest. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pushedBack.length = 0;
    if (this.exhausted) return;
    try {
      await this.iterator.return?.();
    } catch {
      // Teardown after the caller stopped reading: a failing upstream has nothing left to tell us.
    }
  }
}
