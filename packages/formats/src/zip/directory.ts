/**
 * `readZipDirectory`: lists a zip the way PyTorch's miniz reader would (central directory first,
 * local header only for the data offset) and reports everything another reader would see
 * differently. Reads are bounded: the last 64 KiB, the central directory in one read, then small
 * batched reads of local headers. If the central directory is missing or damaged, local headers are
 * walked from the start so the content is still reachable.
 */
import type { ByteSource } from '../source.js';
import { type MutableZipEntry, readCentralDirectory } from './central.js';
import { readEndRecords } from './eocd.js';
import { reportDuplicateNames, reportLayout } from './layout.js';
import { checkLocalHeaders, type EntrySpan } from './local.js';
import { decodeCp437 } from './names.js';
import { scanLocalHeaders } from './scan.js';
import { AnomalySink } from './sink.js';
import { ZIP_LIMITS, type ZipDirectory, type ZipLimits } from './types.js';

export async function readZipDirectory(
  source: ByteSource,
  limits?: Partial<ZipLimits>,
): Promise<ZipDirectory> {
  const settings: ZipLimits = { ...ZIP_LIMITS, ...limits };
  const sink = new AnomalySink(settings.maxAnomalies);
  const end = await readEndRecords(source, sink);
  let entries: MutableZipEntry[] = [];
  let spans: EntrySpan[] = [];
  let damaged = true;
  let limited = false;
  let cd: { offset: number; end: number } | undefined;
  if (end) {
    const central = await readCentralDirectory(source, end, settings, sink);
    ({ entries, damaged, limited } = central);
    if (Number.isSafeInteger(end.cdOffset + end.cdSize) && end.cdOffset + end.cdSize <= end.cdLimit) {
      cd = { offset: end.cdOffset, end: end.cdOffset + end.cdSize };
    }
    spans = await checkLocalHeaders(source, entries, sink);
  }
  if (damaged && !limited) {
    const known = new Set(entries.map((e) => e.localHeaderOffset));
    const scan = await scanLocalHeaders(source, settings, sink, known, entries.length);
    sink.add({
      code: 'RECOVERED_BY_LOCAL_SCAN',
      message: `central directory ${end ? 'damaged' : 'missing'}: ${scan.entries.length} entries found by walking local headers`,
      actual: scan.entries.length,
    });
    entries = entries.concat(scan.entries);
    spans = spans.concat(scan.spans);
  }
  reportDuplicateNames(entries, sink);
  await reportLayout(source, spans, cd, !limited, sink);
  return {
    entries,
    anomalies: sink.list,
    comment: end ? decodeCp437(end.comment) : '',
    zip64: end?.zip64 !== undefined,
  };
}
