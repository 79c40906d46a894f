/**
 * Where a tar archive ends, and how reading resumes after a broken header. Python's tarfile stops at
 * the first zero block and at the first bad header; GNU tar warns and, with --ignore-zeros, reads
 * on. Both are reported here so a consumer knows what each reader would have seen.
 */
import type { StreamReader } from '../compress/stream-reader.js';
import { BLOCK, isZeroBlock, parseHeader } from './header.js';
import type { TarAnomaly, TarItem, TarLimits } from './types.js';

const SCAN_CHUNK = 1024 * 1024;

export function anomaly(a: TarAnomaly): TarItem {
  return { kind: 'anomaly', anomaly: a };
}

export const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** After a zero block: a second one ends the archive; anything else is hidden from tar readers. */
export async function* endOfArchive(
  reader: StreamReader,
  offset: number,
  limits: TarLimits,
): AsyncGenerator<TarItem, void> {
  const second = await reader.read(BLOCK);
  if (second.length === 0) {
    yield anomaly({ code: 'MISSING_END_OF_ARCHIVE', message: 'only one zero block at the end', offset });
    return;
  }
  if (!isZeroBlock(second)) {
    yield anomaly({
      code: 'LONE_ZERO_BLOCK',
      message: 'a single zero block: tar readers stop here and never see what follows',
      offset,
    });
    return;
  }
  let scanned = 0;
  while (scanned < limits.maxResyncBytes) {
    const chunk = await reader.next(Math.min(SCAN_CHUNK, limits.maxResyncBytes - scanned));
    if (chunk === undefined) return;
    const nonZero = chunk.findIndex((b) => b !== 0);
    if (nonZero >= 0) {
      yield anomaly({
        code: 'DATA_AFTER_END_OF_ARCHIVE',
        message: 'non-zero bytes after the end-of-archive marker',
        offset: offset + 2 * BLOCK + scanned + nonZero,
      });
      return;
    }
    scanned += chunk.length;
  }
}

/** Skips blocks until one with a valid checksum; pushes it back and returns true, or false at the end. */
export async function* resync(
  reader: StreamReader,
  from: number,
  limits: TarLimits,
): AsyncGenerator<TarItem, boolean> {
  let skipped = 0;
  while (skipped < limits.maxResyncBytes) {
    const block = await reader.read(BLOCK);
    if (block.length < BLOCK) {
      yield anomaly({
        code: 'TRUNCATED',
        message: 'no valid header found before the end of the stream',
        offset: from,
      });
      return false;
    }
    if (!isZeroBlock(block) && parseHeader(block).checksumOk) {
      reader.unshift(block);
      yield anomaly({
        code: 'RESYNC_SKIPPED_BLOCKS',
        message: `${skipped / BLOCK} blocks skipped to the next valid header`,
        offset: from,
        actual: skipped,
      });
      return true;
    }
    skipped += BLOCK;
  }
  yield anomaly({
    code: 'LIMIT_RESYNC_BYTES',
    message: 'no valid header within the resync limit',
    offset: from,
    limit: limits.maxResyncBytes,
  });
  return false;
}
