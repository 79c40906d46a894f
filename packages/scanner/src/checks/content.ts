/**
 * Content: what a check analyses — a whole file, an archive member, a decompressed stream. Random
 * access when the bytes allow it (files, stored members), forward-only otherwise; always re-openable,
 * so a second interpretation (another loader's view) can be read again.
 */
import {
  type ByteSource,
  type ByteStream,
  collectStream,
  SNIFF_HEAD_BYTES,
  sourceStream,
} from '@vacsrp/formats';

export interface Content {
  /** Byte count when known up front. */
  readonly size: number | undefined;
  /** Present when the bytes can be read at any offset. */
  readonly source?: ByteSource;
  /** The bytes from `offset` (default 0) to the end. */
  open(offset?: number): ByteStream;
  /** The first n bytes (or fewer when the content is shorter). */
  head(n?: number): Promise<Uint8Array>;
}

export function sourceContent(source: ByteSource): Content {
  return {
    size: source.size,
    source,
    open: (offset = 0) => sourceStream(source, offset),
    head: (n = SNIFF_HEAD_BYTES) => source.read(0, n),
  };
}

export function streamContent(factory: () => ByteStream, size?: number): Content {
  return {
    size,
    open: (offset = 0) => (offset === 0 ? factory() : skipStream(factory(), offset)),
    head: async (n = SNIFF_HEAD_BYTES) => (await collectStream(factory(), n)).bytes,
  };
}

/** The stream from `offset` on (the skipped bytes are read and dropped). */
export async function* skipStream(stream: ByteStream, offset: number): ByteStream {
  let left = offset;
  for await (const chunk of stream) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}

/** Bytes already in memory, as a stream. */
export async function* bytesStream(bytes: Uint8Array): ByteStream {
  yield bytes;
}
