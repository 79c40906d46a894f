/**
 * `tarEntries`: a sequential tar reader over a byte stream (a file, or a gunzip/bunzip2 stream).
 * It follows Python's tarfile where readers disagree, since that is what extracts PyTorch legacy
 * checkpoints and most model bundles: GNU long names and PAX records apply to the next header
 * (the outermost one wins), a global PAX header only reaches entries through a later per-entry
 * header, links/directories/devices have no body whatever their size says, and unknown typeflags
 * are regular files. Every place another reader would diverge is reported.
 */
import { FormatError } from '../anomaly.js';
import { StreamReader } from '../compress/stream-reader.js';
import type { ByteStream } from '../source.js';
import { BLOCK, entryType, hasBody, isZeroBlock, parseHeader, sparseExtensionContinues, text } from './header.js';
import { parsePax, paxNumber } from './pax.js';
import { TAR_LIMITS, type TarAnomaly, type TarEntry, type TarItem, type TarLimits } from './types.js';

const BODY_CHUNK = 1024 * 1024;
const PAX_GLOBAL_KEYS = ['path', 'linkpath', 'size'];

/** Overrides gathered from metadata headers for the next entry; the first one seen wins. */
interface Pending {
  name?: string;
  linkName?: string;
  size?: number;
  pax?: Record<string, string>;
  sparse: boolean;
  chain: number;
}

const padding = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;

/** One entry's body; becomes unreadable once the archive has moved past it. */
class Body {
  remaining: number;
  truncated = false;
  stale = false;

  constructor(
    private readonly reader: StreamReader,
    size: number,
  ) {
    this.remaining = size;
  }

  async *chunks(): AsyncGenerator<Uint8Array, void> {
    while (this.remaining > 0) {
      if (this.stale) throw new FormatError('INTERNAL', 'tar entry body read after the archive moved past it');
      const chunk = await this.reader.next(Math.min(this.remaining, BODY_CHUNK));
      if (chunk === undefined) {
        this.truncated = true;
        return;
      }
      this.remaining -= chunk.length;
      yield chunk;
    }
  }
}

function anomaly(a: TarAnomaly): TarItem {
  return { kind: 'anomaly', anomaly: a };
}

/**
 * Yields entries and anomalies in stream order. An entry's `body` may be read (wholly, partly or not
 * at all) before asking for the next item; the rest is skipped then.
 */
export async function* tarEntries(
  stream: ByteStream,
  limits?: Partial<TarLimits>,
): AsyncGenerator<TarItem, void, undefined> {
  const settings: TarLimits = { ...TAR_LIMITS, ...limits };
  const reader = new StreamReader(stream);
  let globals: Record<string, string> = {};
  let pending: Pending = { sparse: false, chain: 0 };
  let entries = 0;
  try {
    for (;;) {
      const offset = reader.position;
      const block = await reader.read(BLOCK);
      if (block.length === 0) {
        if (pending.chain > 0) {
          yield anomaly({ code: 'ORPHAN_META_HEADER', message: 'metadata header at the end of the archive', offset });
        }
        yield anomaly({ code: 'MISSING_END_OF_ARCHIVE', message: 'archive ends without two zero blocks', offset });
        return;
      }
      if (block.length < BLOCK) {
        yield anomaly({ code: 'TRUNCATED', message: 'archive ends inside a header block', offset });
        return;
      }
      if (isZeroBlock(block)) {
        if (pending.chain > 0) {
          yield anomaly({ code: 'ORPHAN_META_HEADER', message: 'metadata header followed by end of archive', offset });
        }
        yield* endOfArchive(reader, offset, settings);
        return;
      }
      const h = parseHeader(block);
      if (!h.checksumOk) {
        const plausible = h.format !== 'v7' && h.size !== undefined && h.size >= 0;
        yield anomaly({
          code: 'HEADER_CHECKSUM_MISMATCH',
          message: plausible
            ? 'header checksum wrong (Python stops reading here); the header is used anyway'
            : 'header checksum wrong and the block does not look like a header (Python stops reading here)',
          offset,
          field: 'chksum',
          actual: h.storedChecksum ?? 'not a number',
        });
        if (!plausible) {
          const resumed = yield* resync(reader, offset, settings);
          if (!resumed) return;
          continue;
        }
      }
      for (const [field, value] of [
        ['mode', h.mode],
        ['uid', h.uid],
        ['gid', h.gid],
        ['mtime', h.mtime],
      ] as const) {
        if (value === undefined) {
          yield anomaly({ code: 'HEADER_FIELD_INVALID', message: `${field} is not a number`, offset, field });
        }
      }
      if (h.size === undefined || h.size < 0) {
        yield anomaly({
          code: 'HEADER_FIELD_INVALID',
          message: 'size is not a valid number; the entry cannot be delimited',
          offset,
          field: 'size',
        });
        const resumed = yield* resync(reader, offset + BLOCK, settings);
        if (!resumed) return;
        continue;
      }
      const declaredSize = h.size;
      const flag = h.typeflag;

      if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'X' || flag === 'g') {
        if (++pending.chain > settings.maxMetaHeaderChain) {
          yield anomaly({
            code: 'LIMIT_META_HEADER_CHAIN',
            message: 'too many metadata headers in a row',
            offset,
            limit: settings.maxMetaHeaderChain,
          });
          return;
        }
        if (declaredSize > settings.maxMetaHeaderBytes) {
          yield anomaly({
            code: 'LIMIT_META_HEADER_BYTES',
            message: `metadata header '${flag}' larger than the limit; skipped`,
            offset,
            limit: settings.maxMetaHeaderBytes,
            actual: declaredSize,
          });
          if ((await reader.skip(declaredSize + padding(declaredSize))) < declaredSize) {
            yield anomaly({ code: 'TRUNCATED', message: 'archive ends inside a metadata header', offset });
            return;
          }
          continue;
        }
        const body = await reader.read(declaredSize);
        await reader.skip(padding(declaredSize));
        if (body.length < declaredSize) {
          yield anomaly({ code: 'TRUNCATED', message: 'archive ends inside a metadata header', offset });
          return;
        }
        if (flag === 'L') pending.name ??= text(body);
        else if (flag === 'K') pending.linkName ??= text(body);
        else {
          const pax = parsePax(body);
          if (pax.malformedAt !== undefined) {
            yield anomaly({
              code: 'PAX_RECORD_MALFORMED',
              message: 'malformed PAX record; later records ignored (Python rejects the header)',
              offset: offset + BLOCK + pax.malformedAt,
            });
          }
          for (const key of pax.duplicates) {
            yield anomaly({ code: 'PAX_DUPLICATE_KEY', message: `PAX key '${key}' repeated; the last is used`, offset, field: key });
          }
          if (flag === 'g') {
            globals = { ...globals, ...pax.records };
            const overrides = PAX_GLOBAL_KEYS.filter((k) => k in pax.records);
            if (overrides.length > 0) {
              yield anomaly({
                code: 'PAX_GLOBAL_OVERRIDE',
                message: `global PAX header sets ${overrides.join(', ')} (GNU tar applies it to every entry, Python only through per-entry headers)`,
                offset,
                field: overrides.join(','),
              });
            }
          } else {
            const records = { ...globals, ...pax.records };
            pending.pax = { ...records, ...pending.pax };
            const path = records['GNU.sparse.name'] ?? records.path;
            if (path !== undefined) pending.name ??= path;
            if (records.linkpath !== undefined) pending.linkName ??= records.linkpath;
            if (records.size !== undefined) {
              const size = paxNumber(records.size);
              if (size === undefined) {
                yield anomaly({
                  code: 'PAX_VALUE_INVALID',
                  message: 'PAX size is not a decimal number (Python uses 0)',
                  offset,
                  field: 'size',
                  actual: records.size.slice(0, 64),
                });
              }
              pending.size ??= size ?? 0;
            }
            if (Object.keys(records).some((k) => k.startsWith('GNU.sparse.'))) pending.sparse = true;
          }
        }
        continue;
      }

      if (++entries > settings.maxEntries) {
        yield anomaly({ code: 'LIMIT_ENTRY_COUNT', message: 'more entries than the limit', offset, limit: settings.maxEntries });
        return;
      }
      if (h.nameAfterNul) {
        yield anomaly({ code: 'NAME_AFTER_NUL', message: 'bytes after the NUL that ends the name field', offset, field: 'name' });
      }
      const headerName = h.name;
      const type = pending.sparse ? 'sparse' : entryType(flag, headerName);
      let size = pending.size ?? declaredSize;
      if (flag === 'S' && h.sparseExtended) {
        // Old GNU sparse maps continue in extension blocks between the header and the data.
        for (;;) {
          const ext = await reader.read(BLOCK);
          if (ext.length < BLOCK) {
            yield anomaly({ code: 'TRUNCATED', message: 'archive ends inside a sparse map', offset });
            return;
          }
          if (!sparseExtensionContinues(ext)) break;
        }
      }
      if (type === 'sparse') {
        yield anomaly({
          code: 'SPARSE_ENTRY',
          message: 'sparse file: the body holds stored segments, not the file as extracted',
          offset,
        });
      } else if (type === 'unknown') {
        yield anomaly({
          code: 'UNKNOWN_TYPEFLAG',
          message: `typeflag ${JSON.stringify(flag)} is unknown; readers extract it as a regular file`,
          offset: offset + 156,
          field: 'typeflag',
          actual: flag,
        });
      } else if (type === 'volume-label' || type === 'multivolume' || type === 'gnu-dumpdir') {
        yield anomaly({ code: 'SPECIAL_TYPEFLAG', message: `GNU ${type} entry`, offset: offset + 156, field: 'typeflag', actual: flag });
      }
      if (!hasBody(type)) {
        if (size > 0) {
          yield anomaly({
            code: 'SIZE_ON_NON_FILE_TYPE',
            message: `${type} with size ${size}: Python reads no body, GNU tar skips ${size} bytes`,
            offset: offset + 124,
            field: 'size',
            actual: size,
          });
        }
        size = 0;
      }
      const dataOffset = reader.position;
      const entry: TarEntry = {
        name: pending.name ?? headerName,
        size,
        type,
        typeflag: flag,
        ...(pending.linkName !== undefined || h.linkName !== '' ? { linkName: pending.linkName ?? h.linkName } : {}),
        mode: h.mode ?? 0,
        uid: (pending.pax?.uid !== undefined ? paxNumber(pending.pax.uid) : undefined) ?? h.uid ?? 0,
        gid: (pending.pax?.gid !== undefined ? paxNumber(pending.pax.gid) : undefined) ?? h.gid ?? 0,
        mtime: (pending.pax?.mtime !== undefined ? paxNumber(pending.pax.mtime, true) : undefined) ?? h.mtime ?? 0,
        uname: pending.pax?.uname ?? h.uname,
        gname: pending.pax?.gname ?? h.gname,
        offset,
        dataOffset,
        format: h.format,
        ...(pending.pax ? { pax: pending.pax } : {}),
      };
      pending = { sparse: false, chain: 0 };
      const body = new Body(reader, size);
      yield { kind: 'entry', entry, body: body.chunks() };
      body.stale = true;
      const left = body.remaining;
      const skipped = body.truncated ? 0 : await reader.skip(left);
      if (body.truncated || skipped < left) {
        yield anomaly({ code: 'TRUNCATED', message: `archive ends inside the body of ${entry.name}`, offset: dataOffset });
        return;
      }
      await reader.skip(padding(size));
    }
  } finally {
    await reader.close();
  }
}

/** After a zero block: a second one ends the archive; anything else is hidden from tar readers. */
async function* endOfArchive(reader: StreamReader, offset: number, limits: TarLimits): AsyncGenerator<TarItem, void> {
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
    const chunk = await reader.next(Math.min(BODY_CHUNK, limits.maxResyncBytes - scanned));
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
async function* resync(reader: StreamReader, from: number, limits: TarLimits): AsyncGenerator<TarItem, boolean> {
  let skipped = 0;
  while (skipped < limits.maxResyncBytes) {
    const block = await reader.read(BLOCK);
    if (block.length < BLOCK) {
      yield anomaly({ code: 'TRUNCATED', message: 'no valid header found before the end of the stream', offset: from });
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
