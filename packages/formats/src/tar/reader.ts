/**
 * `tarEntries`: a sequential tar reader over a byte stream (a file, or a gunzip/bunzip2 stream).
 * It follows Python's tarfile where readers disagree, since that is what extracts PyTorch legacy
 * checkpoints and most model bundles: GNU long names and PAX records apply to the next header
 * (the outermost one wins), global PAX records apply to every later entry (except that a global
 * size does not move the next header, as in Python), links/directories/devices have no body
 * whatever their size says, and unknown typeflags are regular files. Every place another reader
 * would diverge is reported.
 */
import { FormatError } from '../anomaly.js';
import { StreamReader } from '../compress/stream-reader.js';
import type { ByteStream } from '../source.js';
import { anomaly, endOfArchive, padding, resync } from './boundaries.js';
import { BLOCK, entryType, hasBody, isZeroBlock, parseHeader, sparseExtensionContinues } from './header.js';
import { applyMetaHeader, freshPending, META_TYPEFLAGS, type MetaState } from './meta.js';
import { paxNumber } from './pax.js';
import { TAR_LIMITS, type TarEntry, type TarItem, type TarLimits } from './types.js';

const BODY_CHUNK = 1024 * 1024;

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
      if (this.stale)
        throw new FormatError('INTERNAL', 'tar entry body read after the archive moved past it');
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
  const meta: MetaState = { globals: {}, pending: freshPending() };
  let entries = 0;
  try {
    for (;;) {
      const offset = reader.position;
      const pending = meta.pending;
      const block = await reader.read(BLOCK);
      if (block.length === 0) {
        if (pending.chain > 0) {
          yield anomaly({
            code: 'ORPHAN_META_HEADER',
            message: 'metadata header at the end of the archive',
            offset,
          });
        }
        yield anomaly({
          code: 'MISSING_END_OF_ARCHIVE',
          message: 'archive ends without two zero blocks',
          offset,
        });
        return;
      }
      if (block.length < BLOCK) {
        yield anomaly({ code: 'TRUNCATED', message: 'archive ends inside a header block', offset });
        return;
      }
      if (isZeroBlock(block)) {
        if (pending.chain > 0) {
          yield anomaly({
            code: 'ORPHAN_META_HEADER',
            message: 'metadata header followed by end of archive',
            offset,
          });
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

      if (META_TYPEFLAGS.has(flag)) {
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
        for (const a of applyMetaHeader(flag, body, offset, meta)) yield anomaly(a);
        continue;
      }

      if (++entries > settings.maxEntries) {
        yield anomaly({
          code: 'LIMIT_ENTRY_COUNT',
          message: 'more entries than the limit',
          offset,
          limit: settings.maxEntries,
        });
        return;
      }
      if (h.nameAfterNul) {
        yield anomaly({
          code: 'NAME_AFTER_NUL',
          message: 'bytes after the NUL that ends the name field',
          offset,
          field: 'name',
        });
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
        yield anomaly({
          code: 'SPECIAL_TYPEFLAG',
          message: `GNU ${type} entry`,
          offset: offset + 156,
          field: 'typeflag',
          actual: flag,
        });
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
      // Python applies global records to every entry, then per-entry ones over them.
      const pax = { ...meta.globals, ...pending.pax };
      const hasPax = Object.keys(pax).length > 0;
      const number = (key: string, fraction = false) =>
        pax[key] !== undefined ? paxNumber(pax[key], fraction) : undefined;
      const linkName = pending.linkName ?? meta.globals.linkpath ?? h.linkName;
      const entry: TarEntry = {
        name: pending.name ?? meta.globals.path ?? headerName,
        size,
        type,
        typeflag: flag,
        ...(linkName !== '' ? { linkName } : {}),
        mode: h.mode ?? 0,
        uid: number('uid') ?? h.uid ?? 0,
        gid: number('gid') ?? h.gid ?? 0,
        mtime: number('mtime', true) ?? h.mtime ?? 0,
        uname: pax.uname ?? h.uname,
        gname: pax.gname ?? h.gname,
        offset,
        dataOffset,
        format: h.format,
        ...(hasPax ? { pax } : {}),
      };
      meta.pending = freshPending();
      const body = new Body(reader, size);
      yield { kind: 'entry', entry, body: body.chunks() };
      body.stale = true;
      const left = body.remaining;
      const skipped = body.truncated ? 0 : await reader.skip(left);
      if (body.truncated || skipped < left) {
        yield anomaly({
          code: 'TRUNCATED',
          message: `archive ends inside the body of ${entry.name}`,
          offset: dataOffset,
        });
        return;
      }
      await reader.skip(padding(size));
    }
  } finally {
    await reader.close();
  }
}
