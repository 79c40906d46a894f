/**
 * Re-yields a decoder's chunks to the caller while `onChunk` sees each one (a running CRC, a byte
 * count), and hands back the decoder's own return value. An early exit by the consumer closes the
 * inner decoder, so its `finally` tears the native stream down.
 */
export async function* observe<R>(
  source: AsyncGenerator<Uint8Array, R, undefined>,
  onChunk: (chunk: Uint8Array) => void,
): AsyncGenerator<Uint8Array, R, undefined> {
  let finished = false;
  try {
    for (;;) {
      const r = await source.next();
      if (r.done) {
        finished = true;
        return r.value;
      }
      onChunk(r.value);
      yield r.value;
    }
  } finally {
    if (!finished) await source.return(undefined as R);
  }
}
