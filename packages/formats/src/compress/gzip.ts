/**
 * gzip (RFC 1952) framing, read by us so every member, header field and trailer is checked; the
 * deflate body of each member goes through zlib's raw inflater. Multi-member files are decoded
 * member after member as gzip(1) and Python's gzip module do.
 */
import { crc32 } from './crc32.js';
import { createInflater, type InflateEnd, inflateOne } from './inflate.js';
import { observe } from './observe.js';
import type { StreamReader } from './stream-reader.js';
import { reportTrailing } from './trailing.js';
import type { DecodeContext } from './types.js';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/** Reads one gzip member header; false when decoding cannot go on (anomaly already reported). */
async function readHeader(reader: StreamReader, ctx: DecodeContext, first: boolean): Promise<boolean> {
  const offset = reader.position;
  const fixed = await reader.read(10);
  if (fixed.length === 0 && first) {
    ctx.report({ code: 'EMPTY_INPUT', message: 'empty gzip input', offset });
    return false;
  }
  if (fixed.length < 2 || fixed[0] !== 0x1f || fixed[1] !== 0x8b) {
    if (fixed.length < 2 && fixed.length > 0 && fixed[0] === 0x1f) {
      ctx.report({ code: 'TRUNCATED', message: 'input ends inside the gzip magic', offset });
    } else {
      ctx.report({ code: 'BAD_MAGIC', message: 'not gzip: magic bytes 1f 8b missing', offset });
    }
    return false;
  }
  if (fixed.length < 10) {
    ctx.report({ code: 'TRUNCATED', message: 'input ends inside a gzip header', offset });
    return false;
  }
  if (fixed[2] !== 8) {
    const method = fixed[2]!;
    ctx.report({
      code: 'HEADER_INVALID',
      message: `gzip compression method ${method} (only 8, deflate, exists)`,
      offset: offset + 2,
      field: 'CM',
      actual: method,
    });
    return false;
  }
  const flags = fixed[3]!;
  if (flags & FRESERVED) {
    ctx.report({
      code: 'HEADER_RESERVED_FLAGS',
      message: 'gzip reserved flag bits set: zlib refuses the member, Python ignores the bits',
      offset: offset + 3,
      field: 'FLG',
      actual: flags,
    });
  }
  let headerCrc = crc32(fixed);
  const take = async (n: number, field: string): Promise<Uint8Array | undefined> => {
    const bytes = await reader.read(n);
    headerCrc = crc32(bytes, headerCrc);
    if (bytes.length < n) {
      ctx.report({ code: 'TRUNCATED', message: `input ends inside gzip ${field}`, offset, field });
      return undefined;
    }
    return bytes;
  };
  if (flags & FEXTRA) {
    const xlen = await take(2, 'XLEN');
    if (!xlen) return false;
    const length = xlen[0]! | (xlen[1]! << 8);
    if (length > ctx.limits.maxHeaderFieldBytes) {
      ctx.report({
        code: 'LIMIT_HEADER_FIELD',
        message: 'gzip FEXTRA longer than the limit',
        offset,
        field: 'FEXTRA',
        limit: ctx.limits.maxHeaderFieldBytes,
        actual: length,
      });
      return false;
    }
    if (!(await take(length, 'FEXTRA'))) return false;
  }
  for (const [bit, field] of [
    [FNAME, 'FNAME'],
    [FCOMMENT, 'FCOMMENT'],
  ] as const) {
    if (!(flags & bit)) continue;
    const ok = await skipZeroTerminated(reader, ctx, field, offset, (bytes) => {
      headerCrc = crc32(bytes, headerCrc);
    });
    if (!ok) return false;
  }
  if (flags & FHCRC) {
    const stored = await reader.read(2);
    if (stored.length < 2) {
      ctx.report({ code: 'TRUNCATED', message: 'input ends inside gzip FHCRC', offset, field: 'FHCRC' });
      return false;
    }
    const value = stored[0]! | (stored[1]! << 8);
    if (value !== (headerCrc & 0xffff)) {
      ctx.report({
        code: 'HEADER_CRC_MISMATCH',
        message: 'gzip header CRC16 does not match the header',
        offset,
        field: 'FHCRC',
        actual: value,
      });
    }
  }
  return true;
}

async function skipZeroTerminated(
  reader: StreamReader,
  ctx: DecodeContext,
  field: string,
  offset: number,
  onBytes: (bytes: Uint8Array) => void,
): Promise<boolean> {
  let length = 0;
  for (;;) {
    const chunk = await reader.next(64 * 1024);
    if (chunk === undefined) {
      ctx.report({ code: 'TRUNCATED', message: `input ends inside gzip ${field}`, offset, field });
      return false;
    }
    const nul = chunk.indexOf(0);
    const part = nul >= 0 ? chunk.subarray(0, nul + 1) : chunk;
    if (nul >= 0) reader.unshift(chunk.subarray(nul + 1));
    onBytes(part);
    length += part.length;
    if (length > ctx.limits.maxHeaderFieldBytes) {
      ctx.report({
        code: 'LIMIT_HEADER_FIELD',
        message: `gzip ${field} longer than the limit`,
        offset,
        field,
        limit: ctx.limits.maxHeaderFieldBytes,
        actual: length,
      });
      return false;
    }
    if (nul >= 0) return true;
  }
}

export function reportInflateEnd(
  end: InflateEnd,
  ctx: DecodeContext,
  offset: number,
  format: string,
): boolean {
  switch (end.kind) {
    case 'end':
      return true;
    case 'truncated':
      ctx.report({ code: 'TRUNCATED', message: `input ends inside the ${format} data`, offset });
      return false;
    case 'checksum':
      ctx.report({ code: 'CHECKSUM_MISMATCH', message: `${format}: ${end.message}`, offset });
      return false;
    case 'header':
      ctx.report({ code: 'HEADER_INVALID', message: `${format}: ${end.message}`, offset });
      return false;
    case 'dictionary':
      ctx.report({ code: 'UNSUPPORTED', message: `${format} stream needs a preset dictionary`, offset });
      return false;
    case 'corrupt':
      ctx.report({ code: 'CORRUPT', message: `${format}: ${end.message}`, offset });
      return false;
  }
}

export async function* gunzip(reader: StreamReader, ctx: DecodeContext): AsyncGenerator<Uint8Array, void> {
  for (let member = 0; ; member++) {
    const memberOffset = reader.position;
    if (!(await readHeader(reader, ctx, member === 0))) return;
    let crc = 0;
    let size = 0;
    const end = yield* observe(inflateOne(reader, createInflater('deflate-raw')), (chunk) => {
      crc = crc32(chunk, crc);
      size += chunk.length;
    });
    if (!reportInflateEnd(end, ctx, memberOffset, 'gzip')) return;
    const trailerOffset = reader.position;
    const trailer = await reader.read(8);
    if (trailer.length < 8) {
      ctx.report({ code: 'TRUNCATED', message: 'input ends inside the gzip trailer', offset: trailerOffset });
      return;
    }
    const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
    const storedCrc = view.getUint32(0, true);
    const storedSize = view.getUint32(4, true);
    if (storedSize !== size % 2 ** 32) {
      ctx.report({
        code: 'SIZE_MISMATCH',
        message: 'gzip ISIZE differs from the decompressed length',
        offset: trailerOffset + 4,
        field: 'ISIZE',
        actual: storedSize,
      });
    }
    if (storedCrc !== crc) {
      ctx.report({
        code: 'CHECKSUM_MISMATCH',
        message: 'gzip CRC-32 differs from the decompressed data',
        offset: trailerOffset,
        field: 'CRC32',
        actual: storedCrc,
      });
      return;
    }
    const next = await reader.peek(2);
    if (next.length === 0) return;
    if (next[0] !== 0x1f || next[1] !== 0x8b) {
      await reportTrailing(reader, ctx, 'gzip');
      return;
    }
    if (member + 1 >= ctx.limits.maxMembers) {
      ctx.report({
        code: 'LIMIT_MEMBER_COUNT',
        message: 'more gzip members than the limit',
        offset: reader.position,
        limit: ctx.limits.maxMembers,
      });
      return;
    }
  }
}
