/**
 * Writes a bzip2 stream with one hand-made block: an explicit MTF/RLE2 symbol sequence coded with
 * flat Huffman tables. Real encoders never produce the sequences the decoder must survive (a run of
 * 32 RUNA symbols, an out-of-range origPtr), so this is how those cases are built.
 */

class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;

  write(n: number, value: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.count === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  finish(): Uint8Array {
    if (this.count > 0) this.write(8 - this.count, 0);
    return Uint8Array.from(this.bytes);
  }
}

export interface RawBlockSpec {
  /** Symbols: 0 RUNA, 1 RUNB, 2..inUse MTF positions; EOB (inUse + 1) is appended. */
  symbols: number[];
  /** Byte values present in the block (the symbol map). */
  used?: number[];
  origPtr?: number;
  blockCrc?: number;
  streamCrc?: number;
  randomised?: boolean;
}

export function rawBzip2(spec: RawBlockSpec): Uint8Array {
  const used = spec.used ?? [0x61, 0x62];
  const w = new BitWriter();
  for (const c of 'BZh9') w.write(8, c.charCodeAt(0));
  w.write(24, 0x314159);
  w.write(24, 0x265359);
  w.write(32, spec.blockCrc ?? 0);
  w.write(1, spec.randomised ? 1 : 0);
  w.write(24, spec.origPtr ?? 0);
  let used16 = 0;
  for (const b of used) used16 |= 0x8000 >> (b >> 4);
  w.write(16, used16);
  for (let g = 0; g < 16; g++) {
    if (!(used16 & (0x8000 >> g))) continue;
    let bits = 0;
    for (const b of used) if (b >> 4 === g) bits |= 0x8000 >> (b & 15);
    w.write(16, bits);
  }
  const alphaSize = used.length + 2;
  const symbols = [...spec.symbols, used.length + 1];
  const nSelectors = Math.ceil(symbols.length / 50);
  w.write(3, 2);
  w.write(15, nSelectors);
  for (let i = 0; i < nSelectors; i++) w.write(1, 0);
  let len = 1;
  while (1 << len < alphaSize) len++;
  for (let g = 0; g < 2; g++) {
    w.write(5, len);
    for (let s = 0; s < alphaSize; s++) w.write(1, 0);
  }
  for (const s of symbols) w.write(len, s);
  w.write(24, 0x177245);
  w.write(24, 0x385090);
  w.write(32, spec.streamCrc ?? 0);
  return w.finish();
}
