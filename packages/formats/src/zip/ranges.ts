/**
 * Batched small reads. Listing a checkpoint means reading ~1000 local headers scattered over
 * gigabytes; nearby ranges are merged into one read and batches run a few at a time, and what was
 * read stays cached only for the window of entries being checked.
 */
import type { ByteSource } from '../source.js';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/** Ranges closer than this are read together. */
const MERGE_GAP = 4096;
/** No merged read is longer than this. */
const MAX_SPAN = 256 * 1024;
const CONCURRENCY = 32;

export class RangeReader {
  private blocks: { start: number; bytes: Uint8Array }[] = [];

  constructor(private readonly source: ByteSource) {}

  /** Reads the ranges (merged where close) into the cache, next to what is already there. */
  async prefetch(ranges: readonly ByteRange[]): Promise<void> {
    const sorted = ranges
      .map((r) => ({ offset: Math.max(0, r.offset), end: Math.min(this.source.size, r.offset + r.length) }))
      .filter((r) => r.end > r.offset)
      .sort((a, b) => a.offset - b.offset);
    const spans: { offset: number; end: number }[] = [];
    for (const r of sorted) {
      const last = spans[spans.length - 1];
      if (last && r.offset <= last.end + MERGE_GAP && Math.max(last.end, r.end) - last.offset <= MAX_SPAN) {
        last.end = Math.max(last.end, r.end);
      } else {
        spans.push({ ...r });
      }
    }
    const blocks = this.blocks;
    for (let i = 0; i < spans.length; i += CONCURRENCY) {
      const batch = spans.slice(i, i + CONCURRENCY);
      const read = await Promise.all(batch.map((s) => this.source.read(s.offset, s.end - s.offset)));
      read.forEach((bytes, k) => {
        blocks.push({ start: batch[k]!.offset, bytes });
      });
    }
    blocks.sort((a, b) => a.start - b.start);
  }

  /** Up to `length` bytes at `offset`, from the cache when a block holds them all. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.cached(offset, length) ?? this.source.read(offset, length);
  }

  /** True when the cache can answer `read(offset, length)`. */
  has(offset: number, length: number): boolean {
    return this.cached(offset, length) !== undefined;
  }

  private cached(offset: number, length: number): Uint8Array | undefined {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const b = this.blocks[mid]!;
      if (offset < b.start) hi = mid - 1;
      else if (offset >= b.start + b.bytes.length) lo = mid + 1;
      else {
        const from = offset - b.start;
        const complete = from + length <= b.bytes.length || b.start + b.bytes.length >= this.source.size;
        return complete ? b.bytes.subarray(from, from + length) : undefined;
      }
    }
    return undefined;
  }

  clear(): void {
    this.blocks = [];
  }
}
