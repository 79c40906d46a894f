/**
 * `decompressStream`: one entry point for every compression wrapper a model file comes in. The
 * decoders yield as the consumer pulls; this layer enforces the output and ratio limits and makes
 * sure an early `break` closes the decoder and the input.
 */
import type { ByteStream } from '../source.js';
import { bunzip2 } from './bzip2.js';
import { gunzip, reportInflateEnd } from './gzip.js';
import { createInflater, inflateOne } from './inflate.js';
import { unlzma } from './lzma.js';
import { StreamReader } from './stream-reader.js';
import { reportTrailing } from './trailing.js';
import {
  COMPRESS_LIMITS,
  type CompressAnomaly,
  type CompressionKind,
  type CompressLimits,
  type DecodeContext,
  type DecompressResult,
  RATIO_CHECK_AFTER_BYTES,
} from './types.js';

async function* inflateSingle(
  reader: StreamReader,
  ctx: DecodeContext,
  format: 'zlib' | 'deflate-raw',
): AsyncGenerator<Uint8Array, void> {
  const first = await reader.peek(1);
  if (first.length === 0) {
    ctx.report({ code: 'EMPTY_INPUT', message: `empty ${format} input`, offset: 0 });
    return;
  }
  const end = yield* inflateOne(reader, createInflater(format));
  if (reportInflateEnd(end, ctx, 0, format)) await reportTrailing(reader, ctx, format);
}

function decoderFor(
  kind: CompressionKind,
  reader: StreamReader,
  ctx: DecodeContext,
): AsyncGenerator<Uint8Array> {
  switch (kind) {
    case 'gzip':
      return gunzip(reader, ctx);
    case 'zlib':
    case 'deflate-raw':
      return inflateSingle(reader, ctx, kind);
    case 'bzip2':
      return bunzip2(reader, ctx);
    case 'xz':
    case 'lzma':
      return unlzma(reader, ctx, kind);
  }
}

/**
 * Decompresses `input` as `kind`. Nothing is read until `stream` is iterated; the output arrives in
 * chunks with bounded memory. Malformed input, limits and trailing bytes end up in `anomalies`; the
 * stream itself only throws for faults of the environment (a failing input stream, a missing addon).
 */
export function decompressStream(
  kind: CompressionKind,
  input: ByteStream,
  limits: Pick<CompressLimits, 'maxOutputBytes' | 'maxRatio'> & Partial<CompressLimits>,
): DecompressResult {
  const anomalies: CompressAnomaly[] = [];
  const settings: CompressLimits = { ...COMPRESS_LIMITS, ...limits };
  const ctx: DecodeContext = { limits: settings, report: (a) => anomalies.push(a) };

  async function* run(): AsyncGenerator<Uint8Array, void> {
    const reader = new StreamReader(input);
    let produced = 0;
    try {
      for await (const chunk of decoderFor(kind, reader, ctx)) {
        if (produced + chunk.length > settings.maxOutputBytes) {
          const room = settings.maxOutputBytes - produced;
          if (room > 0) yield chunk.subarray(0, room);
          anomalies.push({
            code: 'LIMIT_OUTPUT_BYTES',
            message: `decompressed ${kind} data exceeds the output limit`,
            limit: settings.maxOutputBytes,
            actual: `>${settings.maxOutputBytes}`,
          });
          return;
        }
        produced += chunk.length;
        if (produced > RATIO_CHECK_AFTER_BYTES && produced / Math.max(1, reader.pulled) > settings.maxRatio) {
          anomalies.push({
            code: 'LIMIT_RATIO',
            message: `${kind} expansion ratio exceeds the limit`,
            offset: reader.position,
            limit: settings.maxRatio,
            actual: Math.round(produced / Math.max(1, reader.pulled)),
          });
          return;
        }
        yield chunk;
      }
    } finally {
      await reader.close();
    }
  }

  return { stream: run(), anomalies };
}
