/**
 * Recovery when the central directory is missing or damaged: walk local headers from the start of
 * the file, as streaming unzippers (and `jar`, and many repair tools) do. Members whose size is
 * only in a trailing data descriptor are delimited by finding a descriptor whose compressed size
 * matches the distance travelled, so a stray "PK\x07\x08" inside data is not taken for one.
 */
import type { ByteSource } from '../source.js';
import { type MutableZipEntry, reportFlags } from './central.js';
import { type EntrySpan, readLocalHeader, resolveLocalExtra } from './local.js';
import { decodeName } from './names.js';
import {
  LOCAL_HEADER_SIZE,
  SIG_CENTRAL,
  SIG_DESCRIPTOR,
  SIG_EOCD,
  SIG_EOCD64,
  SIG_LOCAL,
  u32At,
  view,
} from './records.js';
import type { AnomalySink } from './sink.js';
import type { ZipLimits } from './types.js';

const SEARCH_CHUNK = 64 * 1024;

/** Bytes after a signature that `accept` may look at without another read. */
const LOOKAHEAD = 24;

/** First offset in [from, to) where the 4-byte little-endian `sig` occurs and `accept` agrees. */
async function findSignature(
  source: ByteSource,
  from: number,
  to: number,
  sig: number,
  accept?: (at: number, bytes: Uint8Array) => boolean,
): Promise<number | undefined> {
  const b0 = sig & 0xff;
  for (let pos = from; pos + 4 <= to; pos += SEARCH_CHUNK) {
    const chunk = await source.read(pos, Math.min(SEARCH_CHUNK + LOOKAHEAD, to - pos));
    for (
      let i = chunk.indexOf(b0);
      i >= 0 && i < SEARCH_CHUNK && i + 4 <= chunk.length;
      i = chunk.indexOf(b0, i + 1)
    ) {
      if (u32At(chunk, i) === sig && (!accept || accept(pos + i, chunk.subarray(i, i + LOOKAHEAD))))
        return pos + i;
    }
  }
  return undefined;
}

interface Descriptor {
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  length: number;
}

async function findDescriptor(
  source: ByteSource,
  dataStart: number,
  zip64: boolean,
): Promise<Descriptor | undefined> {
  let found: Descriptor | undefined;
  const length = zip64 ? 24 : 16;
  await findSignature(source, dataStart, source.size, SIG_DESCRIPTOR, (at, bytes) => {
    if (bytes.length < length) return false;
    const v = view(bytes);
    const compressedSize = zip64 ? Number(v.getBigUint64(8, true)) : v.getUint32(8, true);
    if (compressedSize !== at - dataStart) return false;
    const uncompressedSize = zip64 ? Number(v.getBigUint64(16, true)) : v.getUint32(12, true);
    found = { crc32: v.getUint32(4, true), compressedSize, uncompressedSize, length };
    return true;
  });
  return found;
}

const STOP_SIGNATURES = new Set([SIG_CENTRAL, SIG_EOCD, SIG_EOCD64]);

/**
 * Walks local headers from offset 0. Entries at offsets in `known` (already listed by the central
 * directory) are skipped over but not returned.
 */
export async function scanLocalHeaders(
  source: ByteSource,
  limits: ZipLimits,
  sink: AnomalySink,
  known: ReadonlySet<number>,
  firstIndex: number,
): Promise<{ entries: MutableZipEntry[]; spans: EntrySpan[] }> {
  const entries: MutableZipEntry[] = [];
  const spans: EntrySpan[] = [];
  let pos = 0;
  while (pos + LOCAL_HEADER_SIZE <= source.size) {
    const local = await readLocalHeader(source, pos);
    if (!local) {
      const head = await source.read(pos, 4);
      if (head.length === 4 && STOP_SIGNATURES.has(u32At(head, 0))) break;
      const next = await findSignature(source, pos + 1, source.size, SIG_LOCAL);
      if (next === undefined) break;
      sink.add({
        code: pos === 0 ? 'BYTES_BEFORE_FIRST_ENTRY' : 'BYTES_BETWEEN_ENTRIES',
        message: `${next - pos} bytes skipped while scanning for local headers`,
        offset: pos,
        actual: next - pos,
      });
      pos = next;
      continue;
    }
    if (firstIndex + entries.length >= limits.maxEntries) {
      sink.add({
        code: 'LIMIT_ENTRY_COUNT',
        message: 'local scan found more entries than the limit',
        offset: pos,
      });
      break;
    }
    resolveLocalExtra(local, sink);
    let { crc32, compressedSize, uncompressedSize } = local;
    let descriptorLength = 0;
    if (local.flags & 0x0008) {
      const d = await findDescriptor(source, local.dataOffset, local.zip64);
      if (!d) {
        sink.add({
          code: 'DATA_DESCRIPTOR_MISSING',
          message: 'local scan cannot find the data descriptor that ends this member',
          offset: local.dataOffset,
        });
        break;
      }
      ({ crc32, compressedSize, uncompressedSize } = d);
      descriptorLength = d.length;
    }
    const dataEnd = local.dataOffset + compressedSize;
    const inBounds = Number.isSafeInteger(dataEnd) && dataEnd <= source.size;
    if (!known.has(pos)) {
      const name = decodeName(local.rawName, local.flags);
      const supported = local.method === 0 || local.method === 8;
      reportFlags(local.flags, 'local', pos, sink);
      if (!supported) {
        sink.add({
          code: 'UNSUPPORTED_METHOD',
          message: `compression method ${local.method}: only stored (0) and deflate (8) are read`,
          offset: pos,
          field: 'method',
          actual: local.method,
        });
      }
      entries.push({
        index: firstIndex + entries.length,
        name: name.text,
        rawName: local.rawName.slice(),
        nameEncoding: name.encoding,
        method: local.method,
        flags: local.flags,
        crc32,
        compressedSize,
        uncompressedSize,
        localHeaderOffset: pos,
        dataOffset: local.dataOffset,
        isDirectory: name.text.endsWith('/'),
        isSymlink: false,
        isEncrypted: (local.flags & 1) !== 0,
        readable: supported,
        versionMadeBy: 0,
        externalAttributes: 0,
        unixMode: undefined,
        comment: '',
        source: 'local-scan',
      });
      spans.push({ index: firstIndex + entries.length - 1, start: pos, end: dataEnd + descriptorLength });
    }
    if (!inBounds) {
      sink.add({
        code: 'ENTRY_DATA_OUT_OF_BOUNDS',
        message: 'member data runs past the end of the file',
        offset: local.dataOffset,
        actual: compressedSize,
      });
      break;
    }
    pos = dataEnd + descriptorLength;
  }
  return { entries, spans };
}
