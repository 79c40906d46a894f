/**
 * Streaming writer for stored (uncompressed) zip archives laid out the way PyTorch's
 * PyTorchStreamWriter (miniz) lays them out: general-purpose flags 0x0808 (data descriptor, UTF-8),
 * zeroed DOS time/date and local sizes, member data aligned to 64 bytes with an 'FB' padding extra
 * field, and zip64 records only where a size, offset or count does not fit.
 */
import zlib from 'node:zlib';
import { type ByteSink, CountingSink } from './sink.js';
import type { Emit } from './tensor-data.js';

export interface ZipMember {
  readonly name: string;
  readonly size: number;
  /** Writes exactly `size` bytes through `emit`. Not called on dry runs. */
  readonly write: (emit: Emit) => Promise<void>;
}

// zlib.crc32 exists from Node 20.15 on; @types/node 20.9 predates it.
const crc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const ALIGNMENT = 64;
const U32_MAX = 0xffffffff;
const FLAGS = 0x0808;
const enc = new TextEncoder();

interface Written {
  readonly name: Uint8Array;
  readonly size: number;
  readonly offset: number;
  readonly crc: number;
}

/** Writes the archive to `sink`. With a CountingSink, member data is counted, not generated. */
export async function writeZip(sink: ByteSink, members: readonly ZipMember[]): Promise<void> {
  const dryRun = sink instanceof CountingSink;
  if (!dryRun && !crc32) throw new Error('zlib.crc32 is missing: the generator needs Node >= 20.15');
  const written: Written[] = [];
  for (const member of members) {
    const name = enc.encode(member.name);
    const offset = sink.position;
    const zip64 = member.size >= U32_MAX;
    const zip64Extra = zip64 ? extraField(0x0001, new Uint8Array(16)) : new Uint8Array(0);
    const pad = (ALIGNMENT - ((offset + 30 + name.length + zip64Extra.length + 4) % ALIGNMENT)) % ALIGNMENT;
    const padding = extraField(0x4246, new Uint8Array(pad).fill(0x5a)); // 'FB', filled with 'Z'
    const header = new Bytes(30)
      .u32(0x04034b50)
      .u16(zip64 ? 45 : 0)
      .u16(FLAGS)
      .u16(0) // stored
      .u16(0)
      .u16(0)
      .u32(0) // crc, sizes: in the data descriptor
      .u32(0)
      .u32(0)
      .u16(name.length)
      .u16(zip64Extra.length + padding.length);
    await sink.write(concat(header.bytes, name, zip64Extra, padding));

    let crc = 0;
    let seen = 0;
    if (dryRun) {
      (sink as CountingSink).advance(member.size);
    } else {
      await member.write(async (chunk) => {
        crc = crc32!(chunk, crc);
        seen += chunk.length;
        await sink.write(chunk);
      });
      if (seen !== member.size)
        throw new Error(`${member.name}: wrote ${seen} bytes, declared ${member.size}`);
    }
    const descriptor = zip64
      ? new Bytes(24).u32(0x08074b50).u32(crc).u64(member.size).u64(member.size)
      : new Bytes(16).u32(0x08074b50).u32(crc).u32(member.size).u32(member.size);
    await sink.write(descriptor.bytes);
    written.push({ name, size: member.size, offset, crc });
  }

  const cdOffset = sink.position;
  for (const entry of written) {
    const bigSize = entry.size >= U32_MAX;
    const bigOffset = entry.offset >= U32_MAX;
    const extra = new Bytes((bigSize ? 16 : 0) + (bigOffset ? 8 : 0));
    if (bigSize) extra.u64(entry.size).u64(entry.size);
    if (bigOffset) extra.u64(entry.offset);
    const zip64Extra = extra.bytes.length > 0 ? extraField(0x0001, extra.bytes) : new Uint8Array(0);
    const needs64 = bigSize || bigOffset;
    const header = new Bytes(46)
      .u32(0x02014b50)
      .u16(needs64 ? 45 : 0)
      .u16(needs64 ? 45 : 0)
      .u16(FLAGS)
      .u16(0)
      .u16(0)
      .u16(0)
      .u32(entry.crc)
      .u32(bigSize ? U32_MAX : entry.size)
      .u32(bigSize ? U32_MAX : entry.size)
      .u16(entry.name.length)
      .u16(zip64Extra.length)
      .u16(0) // comment
      .u16(0) // disk
      .u16(0) // internal attributes
      .u32(0) // external attributes
      .u32(bigOffset ? U32_MAX : entry.offset);
    await sink.write(concat(header.bytes, entry.name, zip64Extra));
  }
  const cdSize = sink.position - cdOffset;
  const count = written.length;
  if (count >= 0xffff || cdSize >= U32_MAX || cdOffset >= U32_MAX) {
    const eocd64Offset = sink.position;
    await sink.write(
      new Bytes(56)
        .u32(0x06064b50)
        .u64(44)
        .u16(45)
        .u16(45)
        .u32(0)
        .u32(0)
        .u64(count)
        .u64(count)
        .u64(cdSize)
        .u64(cdOffset).bytes,
    );
    await sink.write(new Bytes(20).u32(0x07064b50).u32(0).u64(eocd64Offset).u32(1).bytes);
  }
  await sink.write(
    new Bytes(22)
      .u32(0x06054b50)
      .u16(0)
      .u16(0)
      .u16(Math.min(count, 0xffff))
      .u16(Math.min(count, 0xffff))
      .u32(Math.min(cdSize, U32_MAX))
      .u32(Math.min(cdOffset, U32_MAX))
      .u16(0).bytes,
  );
}

function extraField(id: number, data: Uint8Array): Uint8Array {
  return concat(new Bytes(4).u16(id).u16(data.length).bytes, data);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Little-endian field writer for fixed-size records. */
class Bytes {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u16(value: number): this {
    this.view.setUint16(this.at, value, true);
    this.at += 2;
    return this;
  }

  u32(value: number): this {
    this.view.setUint32(this.at, value >>> 0, true);
    this.at += 4;
    return this;
  }

  u64(value: number): this {
    this.view.setBigUint64(this.at, BigInt(value), true);
    this.at += 8;
    return this;
  }
}
