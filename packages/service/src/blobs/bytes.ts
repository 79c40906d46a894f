/**
 * Byte plumbing for the sealed format: exact reads over an async byte source, and segmentation.
 *
 * The module types bytes as Uint8Array throughout: with @types/node 20 under TypeScript 5.9 a
 * `Buffer` is not assignable to `Uint8Array`, so Buffers that Node returns are viewed once (`view`).
 */

/**
 * Bytes as callers hold them. Public signatures take this union so that a Buffer can be handed in
 * without a cast; inside, everything is a Uint8Array (`toU8`).
 */
export type Bytes = Uint8Array | Buffer;

/** Either kind of bytes as a plain Uint8Array over the same memory (no copy). */
export const toU8 = (b: Bytes): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** A Node Buffer as a plain Uint8Array over the same memory (no copy). */
export const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** A chunk from a byte stream (a Buffer is a Uint8Array). Strings and objects are bugs of the caller. */
export function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new TypeError('blob streams carry bytes (Buffer or Uint8Array), not strings or objects');
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const toHex = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** A fresh buffer whose contents are overwritten before use (not zero-filled). */
const allocBytes = (n: number): Uint8Array => view(Buffer.allocUnsafeSlow(n));

/**
 * Reads exact byte counts from an async iterable of chunks, buffering only what a read needs
 * (at most one segment plus one source chunk).
 */
export class ByteReader {
  readonly #it: AsyncIterator<unknown>;
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  /** Bytes handed out so far: the stream offset of the next read. */
  consumed = 0;

  constructor(source: AsyncIterable<unknown>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** The next `n` bytes, or fewer only at the end of the source. */
  async read(n: number): Promise<Uint8Array> {
    while (this.#buffered < n && !this.#done) {
      const r = await this.#it.next();
      if (r.done === true) {
        this.#done = true;
        break;
      }
      const chunk = asBytes(r.value);
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    const take = Math.min(n, this.#buffered);
    const out = this.#take(take);
    this.consumed += take;
    return out;
  }

  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.#chunks[0] as Uint8Array;
    if (first.length >= n) {
      this.#buffered -= n;
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = allocBytes(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0] as Uint8Array;
      const k = Math.min(c.length, n - filled);
      out.set(k === c.length ? c : c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }

  /** Stops the source early (closing a file or socket behind it) when reading ends before it does. */
  async close(): Promise<void> {
    this.#chunks = [];
    this.#buffered = 0;
    if (!this.#done) {
      this.#done = true;
      await this.#it.return?.();
    }
  }
}

/**
 * Cuts a byte stream into segments of exactly `size` bytes (`push`) and a shorter rest (`flush`).
 * Bytes are copied into buffers the segmenter owns, so a producer that reuses its chunk buffers
 * cannot change a segment after it was cut.
 */
export class Segmenter {
  #buf: Uint8Array;
  #fill = 0;

  constructor(readonly size: number) {
    this.#buf = allocBytes(size);
  }

  /** Bytes held that do not yet make a whole segment. */
  get buffered(): number {
    return this.#fill;
  }

  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.size - this.#fill, chunk.length - off);
      this.#buf.set(chunk.subarray(off, off + n), this.#fill);
      this.#fill += n;
      off += n;
      if (this.#fill === this.size) {
        const full = this.#buf;
        this.#buf = allocBytes(this.size);
        this.#fill = 0;
        yield full;
      }
    }
  }

  /** The bytes held (fewer than `size`), or undefined when none are. */
  flush(): Uint8Array | undefined {
    if (this.#fill === 0) return undefined;
    const rest = this.#buf.subarray(0, this.#fill);
    this.#buf = allocBytes(this.size);
    this.#fill = 0;
    return rest;
  }
}
