/**
 * Byte sources: the only way a parser sees bytes. Parsers never open paths or sockets; an adapter
 * (the scanner's file reader, an archive member, a test buffer) hands them one of these.
 */

/** Random-access bytes of known size (a file, a stored archive member, a buffer). */
export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; returns fewer only when the source ends first. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** A forward-only stream of bytes (decompressed data, a deflated member). */
export type ByteStream = AsyncIterable<Uint8Array>;

export class BufferSource implements ByteSource {
  readonly size: number;
  constructor(private readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.size || length <= 0) return new Uint8Array(0);
    return this.bytes.subarray(offset, Math.min(this.size, offset + length));
  }
}

/** A window [start, start+size) of another source, e.g. a stored archive member. */
export class SliceSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly inner: ByteSource,
    private readonly start: number,
    size: number,
  ) {
    this.size = Math.max(0, Math.min(size, inner.size - start));
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset >= this.size || length <= 0) return Promise.resolve(new Uint8Array(0));
    return this.inner.read(this.start + offset, Math.min(length, this.size - offset));
  }
}

export const DEFAULT_CHUNK = 1 << 20;

/** Streams [start, end) of a source in chunks. */
export async function* sourceStream(
  source: ByteSource,
  start = 0,
  end = source.size,
  chunkSize = DEFAULT_CHUNK,
): ByteStream {
  let pos = start;
  while (pos < end) {
    const chunk = await source.read(pos, Math.min(chunkSize, end - pos));
    if (chunk.length === 0) return;
    pos += chunk.length;
    yield chunk;
  }
}

/** Reads at most `max` bytes from a stream into one buffer; `truncated` says whether more followed. */
export async function collectStream(
  stream: ByteStream,
  max: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    if (total + chunk.length > max) {
      parts.push(chunk.subarray(0, max - total));
      total = max;
      return { bytes: concatBytes(parts, total), truncated: true };
    }
    parts.push(chunk);
    total += chunk.length;
  }
  return { bytes: concatBytes(parts, total), truncated: false };
}

export function concatBytes(parts: readonly Uint8Array[], total?: number): Uint8Array {
  const size = total ?? parts.reduce((n, p) => n + p.length, 0);
  if (parts.length === 1 && parts[0]!.length === size) return parts[0]!;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const p of parts) {
    out.set(p.subarray(0, size - pos), pos);
    pos += Math.min(p.length, size - pos);
    if (pos >= size) break;
  }
  return out;
}
