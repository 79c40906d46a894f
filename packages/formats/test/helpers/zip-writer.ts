/**
 * A small zip writer for tests that can lie: every header field can be overridden separately in
 * the local header and the central directory, so each anomaly can be produced on its own.
 * Members may be "virtual" (a run of zeros that is never materialised) to build zip64 archives
 * with offsets past 4 GiB over a sparse ByteSource.
 */
import zlib from 'node:zlib';
import { crc32 } from '../../src/compress/crc32.js';
import { type ByteSource, concatBytes } from '../../src/source.js';

const enc = new TextEncoder();
const bytes = (v: Uint8Array | string): Uint8Array => (typeof v === 'string' ? enc.encode(v) : v);

export interface ZipMemberSpec {
  name: string | Uint8Array;
  data?: Uint8Array | string;
  /** Zero bytes of stored data that are not materialised (zip64 tests). */
  virtualSize?: number;
  method?: number;
  /** Compressed bytes as written (default: data, deflated when method is 8). */
  compressed?: Uint8Array;
  flags?: number;
  localFlags?: number;
  localName?: string | Uint8Array;
  localMethod?: number;
  crc?: number;
  localCrc?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  localCompressedSize?: number;
  localUncompressedSize?: number;
  /** Write a data descriptor after the data (sets flag bit 3 unless flags say otherwise). */
  descriptor?: {
    signature?: boolean;
    crc?: number;
    compressedSize?: number;
    uncompressedSize?: number;
    wide?: boolean;
  };
  localExtra?: Uint8Array;
  centralExtra?: Uint8Array;
  versionMadeBy?: number;
  externalAttributes?: number;
  /** Override the central directory's pointer to the local header. */
  localHeaderOffset?: number;
  /** Write sizes/offset as 0xFFFFFFFF with a zip64 extra field (central and local). */
  zip64?: boolean;
  /** Omit this member from the central directory (its local header stays). */
  hidden?: boolean;
  comment?: string;
}

export interface ZipSpec {
  members: ZipMemberSpec[];
  prefix?: Uint8Array;
  /** Bytes written after member i (index → bytes). */
  gaps?: Record<number, Uint8Array>;
  /** Extra central records appended verbatim (corruption tests). */
  centralTail?: Uint8Array;
  comment?: string | Uint8Array;
  commentLength?: number;
  trailing?: Uint8Array;
  /** Write a zip64 end record and locator; `saturate` puts 0xFFFF/0xFFFFFFFF in the classic record. */
  zip64?: boolean | { recordOffset?: number; totalDisks?: number; entries?: number; saturate?: boolean };
  eocd?: Partial<{
    disk: number;
    cdDisk: number;
    entriesOnDisk: number;
    entries: number;
    cdSize: number;
    cdOffset: number;
  }>;
  /** Bytes between the central directory and the end records. */
  beforeEnd?: Uint8Array;
  omitEocd?: boolean;
}

export interface Segment {
  offset: number;
  bytes: Uint8Array;
}

class Out {
  segments: Segment[] = [];
  size = 0;
  private parts: Uint8Array[] = [];
  private partStart = 0;
  private partSize = 0;

  push(b: Uint8Array): void {
    this.parts.push(b);
    this.partSize += b.length;
    this.size += b.length;
  }

  skip(n: number): void {
    this.flush();
    this.size += n;
    this.partStart = this.size;
  }

  flush(): void {
    if (this.partSize > 0)
      this.segments.push({ offset: this.partStart, bytes: concatBytes(this.parts, this.partSize) });
    this.parts = [];
    this.partSize = 0;
    this.partStart = this.size;
  }
}

function le(size: number, value: number): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  if (size === 2) v.setUint16(0, value, true);
  else if (size === 4) v.setUint32(0, value >>> 0, true);
  else v.setBigUint64(0, BigInt(value), true);
  return b;
}

const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

export function zip64Extra(values: number[]): Uint8Array {
  return cat(le(2, 1), le(2, values.length * 8), ...values.map((v) => le(8, v)));
}

export function buildZipSegments(spec: ZipSpec): { segments: Segment[]; size: number } {
  const out = new Out();
  const central: Uint8Array[] = [];
  if (spec.prefix) out.push(spec.prefix);
  spec.members.forEach((m, i) => {
    const data = bytes(m.data ?? '');
    const method = m.method ?? 0;
    const compressed = m.compressed ?? (method === 8 ? new Uint8Array(zlib.deflateRawSync(data)) : data);
    const dataLength = m.virtualSize ?? compressed.length;
    const usize = m.virtualSize ?? data.length;
    const crc = m.crc ?? (m.virtualSize === undefined ? crc32(data) : 0);
    const descriptor = m.descriptor;
    const flags = m.flags ?? (descriptor ? 0x0008 : 0);
    const localFlags = m.localFlags ?? flags;
    const name = bytes(m.name);
    const localName = bytes(m.localName ?? m.name);
    const offset = out.size;
    const csize = m.compressedSize ?? dataLength;
    const plain = m.uncompressedSize ?? usize;
    const z = m.zip64 === true;
    const localExtra =
      m.localExtra ??
      (z
        ? zip64Extra([m.localUncompressedSize ?? plain, m.localCompressedSize ?? csize])
        : new Uint8Array(0));
    const deferred = descriptor !== undefined && (localFlags & 8) !== 0;
    const localFields = z
      ? [0xffffffff, 0xffffffff]
      : [m.localCompressedSize ?? (deferred ? 0 : csize), m.localUncompressedSize ?? (deferred ? 0 : plain)];
    out.push(
      cat(
        le(4, 0x04034b50),
        le(2, 20),
        le(2, localFlags),
        le(2, m.localMethod ?? method),
        le(2, 0),
        le(2, 0x21),
        le(4, m.localCrc ?? (deferred ? 0 : crc)),
        le(4, localFields[0]!),
        le(4, localFields[1]!),
        le(2, localName.length),
        le(2, localExtra.length),
        localName,
        localExtra,
      ),
    );
    if (m.virtualSize !== undefined) out.skip(m.virtualSize);
    else out.push(compressed);
    if (descriptor) {
      const wide = descriptor.wide ?? z;
      out.push(
        cat(
          descriptor.signature === false ? new Uint8Array(0) : le(4, 0x08074b50),
          le(4, descriptor.crc ?? crc),
          le(wide ? 8 : 4, descriptor.compressedSize ?? csize),
          le(wide ? 8 : 4, descriptor.uncompressedSize ?? plain),
        ),
      );
    }
    const gap = spec.gaps?.[i];
    if (gap) out.push(gap);
    if (m.hidden) return;
    const pointer = m.localHeaderOffset ?? offset;
    const centralExtra = m.centralExtra ?? (z ? zip64Extra([plain, csize, pointer]) : new Uint8Array(0));
    const comment = bytes(m.comment ?? '');
    central.push(
      cat(
        le(4, 0x02014b50),
        le(2, m.versionMadeBy ?? 0x0314),
        le(2, 20),
        le(2, flags),
        le(2, method),
        le(2, 0),
        le(2, 0x21),
        le(4, crc),
        le(4, z ? 0xffffffff : csize),
        le(4, z ? 0xffffffff : plain),
        le(2, name.length),
        le(2, centralExtra.length),
        le(2, comment.length),
        le(2, 0),
        le(2, 0),
        le(4, m.externalAttributes ?? (0o100644 << 16) >>> 0),
        le(4, z ? 0xffffffff : pointer),
        name,
        centralExtra,
        comment,
      ),
    );
  });
  const cdOffset = out.size;
  const cd = cat(...central, spec.centralTail ?? new Uint8Array(0));
  out.push(cd);
  if (spec.beforeEnd) out.push(spec.beforeEnd);
  const count = central.length;
  const z64 = spec.zip64;
  if (z64) {
    const opts = typeof z64 === 'object' ? z64 : {};
    const recordOffset = out.size;
    out.push(
      cat(
        le(4, 0x06064b50),
        le(8, 44),
        le(2, 0x032d),
        le(2, 0x2d),
        le(4, 0),
        le(4, 0),
        le(8, opts.entries ?? count),
        le(8, opts.entries ?? count),
        le(8, cd.length),
        le(8, cdOffset),
      ),
    );
    out.push(
      cat(le(4, 0x07064b50), le(4, 0), le(8, opts.recordOffset ?? recordOffset), le(4, opts.totalDisks ?? 1)),
    );
  }
  if (!spec.omitEocd) {
    const comment = bytes(spec.comment ?? '');
    const e = spec.eocd ?? {};
    const big = z64 && typeof z64 === 'object' && z64.saturate ? 0xffffffff : undefined;
    out.push(
      cat(
        le(4, 0x06054b50),
        le(2, e.disk ?? 0),
        le(2, e.cdDisk ?? 0),
        le(2, e.entriesOnDisk ?? e.entries ?? (big ? 0xffff : count)),
        le(2, e.entries ?? (big ? 0xffff : count)),
        le(4, e.cdSize ?? big ?? cd.length),
        le(4, e.cdOffset ?? big ?? cdOffset),
        le(2, spec.commentLength ?? comment.length),
        comment,
      ),
    );
  }
  if (spec.trailing) out.push(spec.trailing);
  out.flush();
  return { segments: out.segments, size: out.size };
}

export function buildZip(spec: ZipSpec): Uint8Array {
  const { segments, size } = buildZipSegments(spec);
  if (segments.length !== 1 || segments[0]!.offset !== 0 || segments[0]!.bytes.length !== size) {
    throw new Error('buildZip: use buildZipSegments for virtual members');
  }
  return segments[0]!.bytes;
}

/** A ByteSource made of materialised segments with zeros in between; counts reads and bytes. */
export class SparseSource implements ByteSource {
  reads = 0;
  bytesRead = 0;
  constructor(
    private readonly segments: readonly Segment[],
    readonly size: number,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    const end = Math.min(this.size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const out = new Uint8Array(end - offset);
    for (const s of this.segments) {
      const from = Math.max(offset, s.offset);
      const to = Math.min(end, s.offset + s.bytes.length);
      if (from < to) out.set(s.bytes.subarray(from - s.offset, to - s.offset), from - offset);
    }
    this.bytesRead += out.length;
    return out;
  }
}

/** Counts reads over a buffer (to check that listing stays cheap). */
export class CountingSource implements ByteSource {
  reads = 0;
  bytesRead = 0;
  readonly size: number;
  constructor(private readonly data: Uint8Array) {
    this.size = data.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    const out = this.data.subarray(
      Math.min(offset, this.size),
      Math.min(this.size, offset + Math.max(0, length)),
    );
    this.bytesRead += out.length;
    return out;
  }
}
