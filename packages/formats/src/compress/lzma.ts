/**
 * xz and legacy .lzma ("alone") through liblzma (`lzma-native`), driven synchronously through its
 * native stream rather than its Transform wrapper. Reasons: the native coder turns a whole input
 * buffer into output before returning (no backpressure inside a call), so we hand it small slices
 * and the worst burst per call is slice × ~10,000 (LZMA's best ratio); and at stream end it reports
 * exactly how much input it consumed, which is how trailing bytes and concatenated xz streams are
 * told apart. The addon is loaded on first use, never at import.
 */
import { createRequire } from 'node:module';
import { FormatError } from '../anomaly.js';
import type { StreamReader } from './stream-reader.js';
import { reportTrailing, skipZeros } from './trailing.js';
import type { CompressAnomalyCode, DecodeContext } from './types.js';

/** Input bytes per native call: bounds the output one call can produce (~20 MB at worst). */
const SLICE_BYTES = 2048;

type BufferHandler = (
  buf: Buffer | null,
  processedChunks: number | undefined,
  error: (Error & { code?: number }) | null | undefined,
  totalIn: number | null,
  totalOut: number | null,
) => void;

/** The parts of lzma-native's native stream we use (lzma-native 8.0.6 ships no types). */
interface NativeLzmaStream {
  bufferHandler: BufferHandler;
  code(input: Buffer | null, async: boolean): void;
  resetUnderlying(): void;
  streamDecoder(options: { memlimit: number; flags?: number }): void;
  aloneDecoder(options: { memlimit: number }): void;
}

interface LzmaModule {
  Stream: new () => NativeLzmaStream;
  MEM_ERROR: number;
  MEMLIMIT_ERROR: number;
  FORMAT_ERROR: number;
  OPTIONS_ERROR: number;
  DATA_ERROR: number;
  BUF_ERROR: number;
}

let lzmaModule: LzmaModule | undefined;

function loadLzma(): LzmaModule {
  if (lzmaModule) return lzmaModule;
  try {
    lzmaModule = createRequire(import.meta.url)('lzma-native') as LzmaModule;
  } catch (cause) {
    throw new FormatError('IO', 'xz/lzma decoding needs the lzma-native package (npm install lzma-native)', {
      cause,
    });
  }
  return lzmaModule;
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

function errorCode(lzma: LzmaModule, error: Error & { code?: number }): CompressAnomalyCode {
  switch (error.code) {
    case lzma.MEMLIMIT_ERROR:
      return 'LIMIT_MEMORY';
    case lzma.FORMAT_ERROR:
      return 'BAD_MAGIC';
    case lzma.OPTIONS_ERROR:
      return 'UNSUPPORTED';
    case lzma.BUF_ERROR:
      return 'TRUNCATED';
    default:
      return 'CORRUPT';
  }
}

interface CallResult {
  outputs: Buffer[];
  /** Set when the coder reached the end of the stream or failed. */
  end?: { error?: Error & { code?: number }; totalIn: number };
}

function codeSlice(stream: NativeLzmaStream, input: Uint8Array | null): CallResult {
  const result: CallResult = { outputs: [] };
  stream.bufferHandler = (buf, processed, error, totalIn) => {
    if (buf) result.outputs.push(buf);
    else if (processed === undefined) result.end = { error: error ?? undefined, totalIn: totalIn ?? 0 };
  };
  stream.code(input === null ? null : Buffer.from(input.buffer, input.byteOffset, input.length), false);
  return result;
}

/** Decodes .xz (kind 'xz', concatenated streams allowed) or .lzma alone (kind 'lzma'). */
export async function* unlzma(
  reader: StreamReader,
  ctx: DecodeContext,
  kind: 'xz' | 'lzma',
): AsyncGenerator<Uint8Array, void> {
  const first = await reader.peek(1);
  if (first.length === 0) {
    ctx.report({ code: 'EMPTY_INPUT', message: `empty ${kind} input`, offset: 0 });
    return;
  }
  const lzma = loadLzma();
  const native = new lzma.Stream();
  try {
    for (let stream = 0; ; stream++) {
      const streamOffset = reader.position;
      if (kind === 'xz') native.streamDecoder({ memlimit: ctx.limits.lzmaMemlimitBytes });
      else native.aloneDecoder({ memlimit: ctx.limits.lzmaMemlimitBytes });
      let fed = 0;
      let last: Uint8Array | null = null;
      let result: CallResult;
      do {
        last = (await reader.next(SLICE_BYTES)) ?? null;
        if (last) fed += last.length;
        result = codeSlice(native, last);
        for (const out of result.outputs) yield new Uint8Array(out.buffer, out.byteOffset, out.length);
      } while (!result.end && last !== null);
      const end = result.end;
      if (!end || end.error) {
        const error = end?.error;
        if (error?.code === lzma.MEM_ERROR) throw new FormatError('IO', 'liblzma could not allocate memory');
        const code = error ? errorCode(lzma, error) : 'TRUNCATED';
        ctx.report({
          code,
          message: `${kind}: ${error?.message ?? 'input ends inside the stream'}`,
          offset: streamOffset,
          ...(code === 'LIMIT_MEMORY' ? { limit: ctx.limits.lzmaMemlimitBytes } : {}),
        });
        return;
      }
      const unconsumed = fed - end.totalIn;
      if (unconsumed > 0 && last) reader.unshift(last.subarray(Math.max(0, last.length - unconsumed)));
      if (kind === 'lzma') {
        await reportTrailing(reader, ctx, 'lzma');
        return;
      }
      // xz: stream padding (zeros, a multiple of four) may follow, then another stream.
      const paddingOffset = reader.position;
      const padding = await skipZeros(reader);
      if (padding.atEnd && !padding.capped) {
        if (padding.zeros % 4 !== 0) {
          ctx.report({
            code: 'TRAILING_ZERO_PADDING',
            message: 'xz stream padding is not a multiple of four bytes',
            offset: paddingOffset,
            actual: padding.zeros,
          });
        }
        return;
      }
      const head = await reader.peek(XZ_MAGIC.length);
      if (padding.capped || !XZ_MAGIC.every((b, i) => head[i] === b)) {
        ctx.report({
          code: padding.capped ? 'TRAILING_ZERO_PADDING' : 'TRAILING_DATA',
          message: padding.capped
            ? 'over 1 MiB of zeros after the xz stream'
            : 'non-zero bytes after the xz stream',
          offset: paddingOffset + (padding.capped ? 0 : padding.zeros),
        });
        return;
      }
      if (padding.zeros % 4 !== 0) {
        ctx.report({
          code: 'CORRUPT',
          message: 'xz stream padding before the next stream is not a multiple of four bytes',
          offset: paddingOffset,
          actual: padding.zeros,
        });
        return;
      }
      if (stream + 1 >= ctx.limits.maxMembers) {
        ctx.report({
          code: 'LIMIT_MEMBER_COUNT',
          message: 'more xz streams than the limit',
          offset: reader.position,
          limit: ctx.limits.maxMembers,
        });
        return;
      }
    }
  } finally {
    native.resetUnderlying();
  }
}
