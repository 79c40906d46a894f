/**
 * What follows the last compressed stream. Loaders disagree about it (Python's gzip fails on
 * garbage, zlib-based tools ignore it, a concatenation-aware tool may read it as another stream), so
 * it is reported, never decoded.
 */
import type { StreamReader } from './stream-reader.js';
import type { DecodeContext } from './types.js';

/** How far we read ahead to tell zero padding from garbage. */
const TRAILING_SCAN_BYTES = 1024 * 1024;

export interface ZeroRun {
  /** Zero bytes skipped. */
  readonly zeros: number;
  /** True when the input ended right after them (or the scan limit was reached). */
  readonly atEnd: boolean;
  readonly capped: boolean;
}

/** Skips zero bytes (at most TRAILING_SCAN_BYTES); stops before the first non-zero byte. */
export async function skipZeros(reader: StreamReader): Promise<ZeroRun> {
  let zeros = 0;
  while (zeros < TRAILING_SCAN_BYTES) {
    const chunk = await reader.next(TRAILING_SCAN_BYTES - zeros);
    if (chunk === undefined) return { zeros, atEnd: true, capped: false };
    const firstNonZero = chunk.findIndex((b) => b !== 0);
    if (firstNonZero >= 0) {
      reader.unshift(chunk.subarray(firstNonZero));
      return { zeros: zeros + firstNonZero, atEnd: false, capped: false };
    }
    zeros += chunk.length;
  }
  return { zeros, atEnd: true, capped: true };
}

/** Reports whatever follows the end of the last stream (nothing → nothing). */
export async function reportTrailing(
  reader: StreamReader,
  ctx: DecodeContext,
  format: string,
): Promise<void> {
  const offset = reader.position;
  const run = await skipZeros(reader);
  if (run.atEnd) {
    if (run.zeros > 0) {
      ctx.report({
        code: 'TRAILING_ZERO_PADDING',
        message: `${run.capped ? 'at least ' : ''}${run.zeros} zero bytes after the end of the ${format} data`,
        offset,
        actual: run.zeros,
      });
    }
    return;
  }
  ctx.report({
    code: 'TRAILING_DATA',
    message: `non-zero bytes after the end of the ${format} data`,
    offset: offset + run.zeros,
  });
}
