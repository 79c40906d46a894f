/**
 * Drives one Node zlib stream (raw deflate or zlib) over a StreamReader with backpressure: at most
 * one input slice is in flight and output is paused once a small queue fills, so a bomb never
 * inflates ahead of the consumer. When the deflate stream ends, the bytes zlib did not consume
 * (`bytesWritten` counts only consumed input) go back to the reader for the next decoder.
 */
import zlib from 'node:zlib';
import type { StreamReader } from './stream-reader.js';

export type InflateEnd =
  | { readonly kind: 'end' }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'checksum'; readonly message: string }
  | { readonly kind: 'header'; readonly message: string }
  | { readonly kind: 'dictionary' }
  | { readonly kind: 'corrupt'; readonly message: string };

/** Input bytes handed to zlib per write. */
const SLICE_BYTES = 64 * 1024;
/** Decompressed bytes queued before zlib is paused. */
const QUEUE_HIGH_WATER = 256 * 1024;
const CHUNK_BYTES = 64 * 1024;

export function createInflater(format: 'zlib' | 'deflate-raw'): zlib.Inflate | zlib.InflateRaw {
  return format === 'zlib'
    ? zlib.createInflate({ chunkSize: CHUNK_BYTES })
    : zlib.createInflateRaw({ chunkSize: CHUNK_BYTES });
}

function classify(error: Error & { code?: string }): InflateEnd {
  const message = error.message;
  if (error.code === 'Z_BUF_ERROR' || message === 'unexpected end of file') return { kind: 'truncated' };
  if (error.code === 'Z_NEED_DICT') return { kind: 'dictionary' };
  if (message.includes('incorrect data check')) return { kind: 'checksum', message };
  if (/header check|unknown compression method|invalid window size/.test(message)) {
    return { kind: 'header', message };
  }
  return { kind: 'corrupt', message };
}

const ignore = (): void => {};

/**
 * Yields the output of one deflate/zlib stream read from `reader`, then returns how it ended.
 * On a clean end, unconsumed input is pushed back into `reader`.
 */
export async function* inflateOne(
  reader: StreamReader,
  inflater: zlib.Inflate | zlib.InflateRaw,
): AsyncGenerator<Uint8Array, InflateEnd, undefined> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: (Error & { code?: string }) | undefined;
  let inFlight: Uint8Array | undefined;
  let inputDone = false;
  let written = 0;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  inflater.on('data', (chunk: Buffer) => {
    queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    queued += chunk.length;
    if (queued >= QUEUE_HIGH_WATER) inflater.pause();
    notify();
  });
  inflater.on('end', () => {
    ended = true;
    notify();
  });
  inflater.on('error', (error: Error) => {
    failure ??= error;
    notify();
  });
  let last: Uint8Array | undefined;
  try {
    for (;;) {
      while (queue.length > 0) {
        const chunk = queue.shift()!;
        queued -= chunk.length;
        yield chunk;
      }
      if (inflater.isPaused()) inflater.resume();
      if (failure) return classify(failure);
      if (ended) {
        const unconsumed = written - inflater.bytesWritten;
        if (unconsumed > 0 && last) reader.unshift(last.subarray(Math.max(0, last.length - unconsumed)));
        return { kind: 'end' };
      }
      // After a write completes zlib has consumed all of it unless the deflate stream ended inside it.
      const stopped = inflater.bytesWritten < written;
      if (inFlight === undefined && !inputDone && !stopped) {
        const chunk = await reader.next(SLICE_BYTES);
        if (chunk === undefined) {
          inputDone = true;
          inflater.end();
        } else {
          last = chunk;
          inFlight = chunk;
          written += chunk.length;
          inflater.write(chunk, () => {
            inFlight = undefined;
            notify();
          });
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    inflater.removeAllListeners('data');
    inflater.on('error', ignore);
    inflater.destroy();
  }
}
