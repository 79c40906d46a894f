/**
 * CRC-32 (IEEE 802.3, reflected; the one zip and gzip use). Node ≥ 20.15 has a native `zlib.crc32`;
 * older 20.x falls back to a table. bzip2's CRC is the non-reflected variant, kept in its decoder.
 */
import zlib from 'node:zlib';

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

const native = (zlib as unknown as { crc32?: NativeCrc32 }).crc32;

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Continues a CRC-32 over `data`; start with `value` 0. */
export function crc32(data: Uint8Array, value = 0): number {
  if (native) return native(data, value) >>> 0;
  const t = crcTable();
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
