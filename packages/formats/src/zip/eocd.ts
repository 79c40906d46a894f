/**
 * Finding the end of central directory record, and the zip64 locator and record behind it. Like
 * miniz and Python's zipfile we search backwards from the end and take the last signature; unlike
 * them we say so when there were several, when the comment does not account for the bytes after
 * the record, and when zip64 and classic values disagree (both loaders silently prefer zip64).
 */
import type { ByteSource } from '../source.js';
import {
  EOCD_SIZE,
  EOCD64_LOCATOR_SIZE,
  EOCD64_SIZE,
  type Eocd64Record,
  type EocdRecord,
  eocdNeedsZip64,
  MAX_EOCD_COMMENT,
  parseEocd,
  parseEocd64,
  parseZip64Locator,
  SIG_EOCD,
  SIG_EOCD64,
  SIG_EOCD64_LOCATOR,
  U16_MAX,
  U32_MAX,
  u32At,
} from './records.js';
import type { AnomalySink } from './sink.js';

export interface EndRecords {
  readonly eocd: EocdRecord;
  readonly zip64: Eocd64Record | undefined;
  readonly entries: number;
  readonly cdSize: number;
  readonly cdOffset: number;
  /** Where the central directory should end: the zip64 record if there is one, else the EOCD. */
  readonly cdLimit: number;
  readonly comment: Uint8Array;
}

/** At most this many EOCD signatures are considered (the tail is only 64 KiB anyway). */
const MAX_CANDIDATES = 64;

export async function readEndRecords(source: ByteSource, sink: AnomalySink): Promise<EndRecords | undefined> {
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_EOCD_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await source.read(tailStart, tailLength);
  const candidates: number[] = [];
  for (let i = tail.length - EOCD_SIZE; i >= 0 && candidates.length < MAX_CANDIDATES; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && u32At(tail, i) === SIG_EOCD) candidates.push(i);
  }
  if (candidates.length === 0) {
    sink.add({ code: 'EOCD_NOT_FOUND', message: 'no end of central directory record in the last 64 KiB' });
    return undefined;
  }
  if (candidates.length > 1) {
    sink.add({
      code: 'EOCD_MULTIPLE',
      message: 'several end-of-central-directory signatures; the last one is used, as miniz and Python do',
      offset: tailStart + candidates[0]!,
      actual: candidates.length,
    });
  }
  // The last signature whose central directory could fit before it; a decoy in the comment that
  // points nowhere is skipped (and reported), as the real record is what a loader ends up using.
  let chosen = candidates[0]!;
  for (const at of candidates) {
    const e = parseEocd(tail.subarray(at, at + EOCD_SIZE), tailStart + at);
    if (eocdNeedsZip64(e) || e.cdOffset + e.cdSize <= e.offset) {
      chosen = at;
      break;
    }
  }
  if (chosen !== candidates[0]) {
    sink.add({
      code: 'EOCD_INVALID',
      message: 'the last end-of-central-directory signature points outside the file; an earlier one is used',
      offset: tailStart + candidates[0]!,
    });
  }
  const eocd = parseEocd(tail.subarray(chosen, chosen + EOCD_SIZE), tailStart + chosen);
  const after = source.size - (eocd.offset + EOCD_SIZE);
  if (eocd.commentLength > after) {
    sink.add({
      code: 'EOCD_COMMENT_TRUNCATED',
      message: 'archive comment length runs past the end of the file',
      offset: eocd.offset + 20,
      field: 'comment length',
      actual: eocd.commentLength,
      limit: after,
    });
  } else if (eocd.commentLength < after) {
    sink.add({
      code: 'EOCD_TRAILING_DATA',
      message: 'bytes after the end-of-central-directory record that the comment length does not cover',
      offset: eocd.offset + EOCD_SIZE + eocd.commentLength,
      actual: after - eocd.commentLength,
    });
  }
  const commentStart = chosen + EOCD_SIZE;
  const comment = tail.subarray(commentStart, commentStart + Math.min(eocd.commentLength, after));
  const { record: zip64, locator } = await readZip64(source, eocd, tail, tailStart, sink);
  const saturated = eocdNeedsZip64(eocd);
  if (!zip64 && saturated) {
    sink.add({
      code: 'ZIP64_LOCATOR_MISSING',
      message: 'end-of-central-directory values are saturated but there is no zip64 locator',
      offset: eocd.offset,
    });
  }
  const disks = zip64 ? [zip64.disk, zip64.cdDisk] : [eocd.disk, eocd.cdDisk];
  const onDisk = zip64 ? zip64.entriesOnDisk : eocd.entriesOnDisk;
  const entries = zip64 ? zip64.entries : eocd.entries;
  if (disks.some((d) => d !== 0) || onDisk !== entries) {
    sink.add({
      code: 'MULTI_DISK',
      message: 'disk numbers or per-disk entry count describe a split archive; miniz refuses it',
      offset: zip64?.offset ?? eocd.offset,
    });
  }
  if (zip64) {
    const pairs: [string, number, number, number][] = [
      ['total entries', eocd.entries, zip64.entries, U16_MAX],
      ['central directory size', eocd.cdSize, zip64.cdSize, U32_MAX],
      ['central directory offset', eocd.cdOffset, zip64.cdOffset, U32_MAX],
    ];
    for (const [field, classic, wide, max] of pairs) {
      if (classic !== max && classic !== wide) {
        sink.add({
          code: 'ZIP64_EOCD_MISMATCH',
          message: `zip64 ${field} differs from the classic record; miniz and Python use the zip64 value`,
          offset: eocd.offset,
          field,
          actual: wide,
        });
      }
    }
  }
  return {
    eocd,
    zip64,
    entries,
    cdSize: zip64 ? zip64.cdSize : eocd.cdSize,
    cdOffset: zip64 ? zip64.cdOffset : eocd.cdOffset,
    cdLimit: zip64 ? zip64.offset : locator ? eocd.offset - EOCD64_LOCATOR_SIZE : eocd.offset,
    comment,
  };
}

async function readAt(
  source: ByteSource,
  tail: Uint8Array,
  tailStart: number,
  offset: number,
  length: number,
) {
  if (offset >= tailStart && offset + length <= tailStart + tail.length) {
    return tail.subarray(offset - tailStart, offset - tailStart + length);
  }
  return source.read(offset, length);
}

async function readZip64(
  source: ByteSource,
  eocd: EocdRecord,
  tail: Uint8Array,
  tailStart: number,
  sink: AnomalySink,
): Promise<{ record: Eocd64Record | undefined; locator: boolean }> {
  const locatorOffset = eocd.offset - EOCD64_LOCATOR_SIZE;
  if (locatorOffset < 0) return { record: undefined, locator: false };
  const locatorBytes = await readAt(source, tail, tailStart, locatorOffset, EOCD64_LOCATOR_SIZE);
  if (locatorBytes.length < EOCD64_LOCATOR_SIZE || u32At(locatorBytes, 0) !== SIG_EOCD64_LOCATOR) {
    return { record: undefined, locator: false };
  }
  const locator = parseZip64Locator(locatorBytes);
  if (locator.totalDisks !== 1 || locator.eocd64Disk !== 0) {
    sink.add({
      code: 'MULTI_DISK',
      message: 'zip64 locator describes a split archive (miniz requires exactly one disk)',
      offset: locatorOffset,
      actual: locator.totalDisks,
    });
  }
  const tryRecord = async (offset: number): Promise<Eocd64Record | undefined> => {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + EOCD64_SIZE > locatorOffset) return undefined;
    const bytes = await readAt(source, tail, tailStart, offset, EOCD64_SIZE);
    if (bytes.length < EOCD64_SIZE || u32At(bytes, 0) !== SIG_EOCD64) return undefined;
    return parseEocd64(bytes, offset);
  };
  let record = locator.eocd64OffsetSafe ? await tryRecord(locator.eocd64Offset) : undefined;
  if (!record) {
    // Python's zipfile ignores the locator's offset and looks right before the locator.
    record = await tryRecord(locatorOffset - EOCD64_SIZE);
    sink.add(
      record
        ? {
            code: 'ZIP64_EOCD_MISPLACED',
            message: 'zip64 record is not where the locator points (Python finds it, miniz does not)',
            offset: locatorOffset,
            field: 'zip64 record offset',
            actual: locator.eocd64Offset,
          }
        : {
            code: 'ZIP64_EOCD_INVALID',
            message: 'zip64 locator present but no zip64 end-of-central-directory record',
            offset: locatorOffset,
            actual: locator.eocd64Offset,
          },
    );
  }
  if (record && !record.safe) {
    sink.add({
      code: 'ZIP64_VALUE_TOO_LARGE',
      message: 'zip64 record values above 2^53',
      offset: record.offset,
    });
  }
  return { record, locator: true };
}
