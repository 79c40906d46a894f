/**
 * Reading one member's bytes. Like miniz it ignores flag bits (an "encrypted" member is read as
 * is) and starts at the data offset the local header implies; unlike miniz it reports CRC and size
 * mismatches once the member has been read to its end. Deflate streams through zlib with the same
 * output and ratio limits as `decompressStream`, so a member is never buffered whole.
 */

import { crc32 } from '../compress/crc32.js';
import { decompressStream } from '../compress/decompress.js';
import type { CompressAnomaly } from '../compress/types.js';
import { type ByteSource, collectStream, sourceStream } from '../source.js';
import type { ZipAnomaly, ZipAnomalyCode, ZipEntry, ZipEntryReader, ZipReadOptions } from './types.js';

const STORED_CHUNK = 1024 * 1024;
/** Compressed bytes per read: small enough that the ratio limit sees input arrive gradually. */
const DEFLATE_CHUNK = 64 * 1024;

function mapInflateAnomaly(a: CompressAnomaly, entry: ZipEntry): ZipAnomaly | undefined {
  const codes: Partial<Record<CompressAnomaly['code'], ZipAnomalyCode>> = {
    LIMIT_OUTPUT_BYTES: 'LIMIT_MEMBER_BYTES',
    LIMIT_RATIO: 'LIMIT_MEMBER_RATIO',
    TRUNCATED: 'MEMBER_TRUNCATED',
    TRAILING_DATA: 'MEMBER_TRAILING_BYTES',
    TRAILING_ZERO_PADDING: 'MEMBER_TRAILING_BYTES',
  };
  if (a.code === 'EMPTY_INPUT') {
    if (entry.uncompressedSize === 0) return undefined;
    return {
      code: 'MEMBER_TRUNCATED',
      message: 'deflated member with no compressed bytes',
      field: entry.name,
    };
  }
  const code = codes[a.code] ?? 'MEMBER_CORRUPT';
  const offset =
    a.offset === undefined || entry.dataOffset === undefined ? undefined : entry.dataOffset + a.offset;
  return {
    code,
    message: `${entry.name}: ${a.message}`,
    field: entry.name,
    ...(offset === undefined ? {} : { offset }),
    ...(a.limit === undefined ? {} : { limit: a.limit }),
    ...(a.actual === undefined ? {} : { actual: a.actual }),
  };
}

function openEntry(
  source: ByteSource,
  entry: ZipEntry,
  opts: ZipReadOptions,
  chunkBytes?: number,
): ZipEntryReader {
  const anomalies: ZipAnomaly[] = [];

  async function* read(): AsyncGenerator<Uint8Array, void> {
    if (!entry.readable || entry.dataOffset === undefined) {
      anomalies.push({
        code: 'MEMBER_NOT_READABLE',
        message:
          entry.dataOffset === undefined
            ? `${entry.name}: no local header, so no data offset`
            : `${entry.name}: compression method ${entry.method} is not supported`,
        offset: entry.localHeaderOffset,
        field: entry.name,
      });
      return;
    }
    const start = entry.dataOffset;
    const declaredEnd = start + entry.compressedSize;
    const end = Math.min(declaredEnd, source.size);
    const outOfBounds = declaredEnd > source.size;
    if (outOfBounds) {
      anomalies.push({
        code: 'ENTRY_DATA_OUT_OF_BOUNDS',
        message: `${entry.name}: data runs past the end of the file; reading what is there`,
        offset: start,
        field: entry.name,
        actual: entry.compressedSize,
        limit: Math.max(0, source.size - start),
      });
    }
    let crc = 0;
    let size = 0;
    if (entry.method === 0) {
      for await (const chunk of sourceStream(
        source,
        start,
        Math.max(start, end),
        chunkBytes ?? STORED_CHUNK,
      )) {
        if (size + chunk.length > opts.maxBytes) {
          if (opts.maxBytes > size) yield chunk.subarray(0, opts.maxBytes - size);
          anomalies.push({
            code: 'LIMIT_MEMBER_BYTES',
            message: `${entry.name}: member larger than the read limit`,
            field: entry.name,
            limit: opts.maxBytes,
          });
          return;
        }
        crc = crc32(chunk, crc);
        size += chunk.length;
        yield chunk;
      }
      if (outOfBounds) {
        anomalies.push({
          code: 'MEMBER_TRUNCATED',
          message: `${entry.name}: stored data cut short`,
          field: entry.name,
        });
        return;
      }
    } else {
      const input = sourceStream(source, start, Math.max(start, end), chunkBytes ?? DEFLATE_CHUNK);
      const inflated = decompressStream('deflate-raw', input, {
        maxOutputBytes: opts.maxBytes,
        maxRatio: opts.maxRatio,
      });
      for await (const chunk of inflated.stream) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        yield chunk;
      }
      let fatal = false;
      for (const a of inflated.anomalies) {
        const mapped = mapInflateAnomaly(a, entry);
        if (!mapped) continue;
        anomalies.push(mapped);
        fatal ||= mapped.code !== 'MEMBER_TRAILING_BYTES';
      }
      if (fatal) return;
    }
    if (size !== entry.uncompressedSize) {
      anomalies.push({
        code: 'SIZE_MISMATCH',
        message: `${entry.name}: ${size} bytes read, the central directory says ${entry.uncompressedSize}`,
        offset: entry.localHeaderOffset,
        field: entry.name,
        limit: entry.uncompressedSize,
        actual: size,
      });
    }
    if (crc !== entry.crc32) {
      anomalies.push({
        code: 'CRC_MISMATCH',
        message: `${entry.name}: CRC-32 of the data differs from the central directory (miniz does not check)`,
        offset: entry.localHeaderOffset,
        field: entry.name,
        actual: crc,
      });
    }
  }

  return { stream: read(), anomalies };
}

/**
 * Opens a member for streaming. Nothing is read until `stream` is iterated; stopping early (break)
 * releases the inflater. Anomalies collect in `anomalies` as the stream is consumed.
 */
export function openZipEntry(source: ByteSource, entry: ZipEntry, opts: ZipReadOptions): ZipEntryReader {
  return openEntry(source, entry, opts);
}

/** The first `n` decompressed bytes of a member (fewer if it is shorter or unreadable), for sniffing. */
export async function readZipEntryHead(source: ByteSource, entry: ZipEntry, n: number): Promise<Uint8Array> {
  const reader = openEntry(
    source,
    entry,
    { maxBytes: n, maxRatio: Number.POSITIVE_INFINITY },
    Math.max(4096, n),
  );
  return (await collectStream(reader.stream, n)).bytes;
}
