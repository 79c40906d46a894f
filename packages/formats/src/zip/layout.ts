/**
 * How members sit in the file: duplicate names (Python keeps the last, miniz finds one of them),
 * overlapping data (one compressed stream counted many times: the overlap zip bomb), and bytes no
 * member accounts for (prepended data, smuggled local headers only a streaming reader would see).
 */
import type { ByteSource } from '../source.js';
import type { MutableZipEntry } from './central.js';
import type { EntrySpan } from './local.js';
import { SIG_LOCAL, u32At } from './records.js';
import type { AnomalySink } from './sink.js';

export function reportDuplicateNames(entries: readonly MutableZipEntry[], sink: AnomalySink): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const first = seen.get(e.name);
    if (first === undefined) {
      seen.set(e.name, e.index);
      continue;
    }
    sink.add({
      code: 'DUPLICATE_NAME',
      message: `entries ${first} and ${e.index} share a name; loaders pick different ones`,
      offset: e.localHeaderOffset,
      field: 'name',
      actual: e.name,
    });
  }
}

async function reportGap(
  source: ByteSource,
  start: number,
  end: number,
  code: 'BYTES_BEFORE_FIRST_ENTRY' | 'BYTES_BETWEEN_ENTRIES' | 'BYTES_AFTER_LAST_ENTRY',
  sink: AnomalySink,
): Promise<void> {
  if (sink.full) return;
  const what = {
    BYTES_BEFORE_FIRST_ENTRY: 'before the first member',
    BYTES_BETWEEN_ENTRIES: 'between members',
    BYTES_AFTER_LAST_ENTRY: 'between the last member and the central directory',
  }[code];
  sink.add({
    code,
    message: `${end - start} bytes ${what} that no entry accounts for`,
    offset: start,
    actual: end - start,
  });
  if (end - start >= 4) {
    const head = await source.read(start, 4);
    if (head.length === 4 && u32At(head, 0) === SIG_LOCAL) {
      sink.add({
        code: 'UNREFERENCED_LOCAL_HEADER',
        message: 'a local header the central directory does not list: only streaming readers see this member',
        offset: start,
      });
    }
  }
}

/**
 * Overlaps and unaccounted bytes among member spans, up to the central directory [cdOffset, cdEnd)
 * when there is a usable one. Gaps are only meaningful when the listing is `complete` (no limit cut
 * it short).
 */
export async function reportLayout(
  source: ByteSource,
  spans: readonly EntrySpan[],
  cd: { offset: number; end: number } | undefined,
  complete: boolean,
  sink: AnomalySink,
): Promise<void> {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  let reach = 0;
  let reachIndex = -1;
  for (const span of sorted) {
    if (reachIndex < 0 && span.start > 0) {
      if (complete) await reportGap(source, 0, span.start, 'BYTES_BEFORE_FIRST_ENTRY', sink);
    } else if (reachIndex >= 0 && span.start < reach) {
      sink.add({
        code: 'OVERLAPPING_ENTRIES',
        message: `entry ${span.index} overlaps entry ${reachIndex}: the same bytes are read twice`,
        offset: span.start,
        actual: reach - span.start,
      });
    } else if (complete && reachIndex >= 0 && span.start > reach) {
      await reportGap(source, reach, span.start, 'BYTES_BETWEEN_ENTRIES', sink);
    }
    if (cd && span.end > cd.offset && span.start < cd.end) {
      sink.add({
        code: 'ENTRY_OVERLAPS_CENTRAL_DIRECTORY',
        message: `entry ${span.index} extends into the central directory`,
        offset: span.start,
        actual: span.end - cd.offset,
      });
    }
    if (span.end > reach || reachIndex < 0) {
      reach = Math.max(reach, span.end);
      reachIndex = span.index;
    }
  }
  if (!cd || !complete) return;
  if (reachIndex >= 0 && reach < cd.offset)
    await reportGap(source, reach, cd.offset, 'BYTES_AFTER_LAST_ENTRY', sink);
  if (reachIndex < 0 && cd.offset > 0)
    await reportGap(source, 0, cd.offset, 'BYTES_BEFORE_FIRST_ENTRY', sink);
}
