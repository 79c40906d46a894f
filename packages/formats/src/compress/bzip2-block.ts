/**
 * A bzip2 block decoder: Huffman/MTF/RLE2 decoding, inverse BWT, then RLE1 output in caller-sized
 * slices. The structure follows `unbzip2-stream`'s decoder; it is not used directly because its
 * output phase collects a whole block's output (up to ~46 MB for a crafted block) in a JS number
 * array before handing it on, so neither memory nor an output limit can be enforced inside a block.
 * Here a block costs the 3.6 MB tt table and nothing else, and the checks follow bzip2 1.0.8 (run
 * lengths, selector count, origPtr).
 */

/** Thrown by the bit reader when the buffered input ends; the driver refills and retries the block. */
export const NEED_INPUT = Symbol('bzip2 needs more input');

/** A format violation: decoding stops with a CORRUPT anomaly. */
export class Bzip2DataError extends Error {}

const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
const GROUP_SIZE = 50;
/** bzip2 1.0.8 (CVE-2019-12900) reads but ignores selectors past this many. */
const MAX_SELECTORS = 18002;

export interface BitState {
  pos: number;
  acc: number;
  count: number;
}

/** MSB-first bit reader over a window of input; `end` moves as the driver appends input. */
export class BitReader {
  data = new Uint8Array(0);
  end = 0;
  pos = 0;
  private acc = 0;
  private count = 0;

  bits(n: number): number {
    while (this.count < n) {
      if (this.pos >= this.end) throw NEED_INPUT;
      this.acc = ((this.acc << 8) | this.data[this.pos++]!) >>> 0;
      this.count += 8;
    }
    this.count -= n;
    return (this.acc >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    return this.bits(1);
  }

  /** Drops bits up to the next byte boundary and empties the accumulator back into `pos`. */
  align(): void {
    this.pos -= this.count >> 3;
    this.acc = 0;
    this.count = 0;
  }

  /** Offset in `data` of the next unread byte (exact after `align`). */
  bytePosition(): number {
    return this.pos - (this.count >> 3);
  }

  save(): BitState {
    return { pos: this.pos, acc: this.acc, count: this.count };
  }

  restore(s: BitState): void {
    this.pos = s.pos;
    this.acc = s.acc;
    this.count = s.count;
  }
}

const BZ_CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

interface HuffmanGroup {
  minLen: number;
  maxLen: number;
  limit: Int32Array;
  base: Int32Array;
  perm: Int32Array;
}

function buildGroup(lengths: Uint8Array, alphaSize: number): HuffmanGroup {
  let minLen = 32;
  let maxLen = 0;
  for (let i = 0; i < alphaSize; i++) {
    const l = lengths[i]!;
    if (l > maxLen) maxLen = l;
    if (l < minLen) minLen = l;
  }
  const perm = new Int32Array(MAX_ALPHA);
  const limit = new Int32Array(MAX_CODE_LEN + 2);
  const base = new Int32Array(MAX_CODE_LEN + 2);
  const counts = new Int32Array(MAX_CODE_LEN + 2);
  let pp = 0;
  for (let len = minLen; len <= maxLen; len++) {
    for (let s = 0; s < alphaSize; s++) if (lengths[s] === len) perm[pp++] = s;
  }
  for (let s = 0; s < alphaSize; s++) counts[lengths[s]!]!++;
  let code = 0;
  let seen = 0;
  for (let len = minLen; len < maxLen; len++) {
    code += counts[len]!;
    limit[len] = code - 1;
    code <<= 1;
    seen += counts[len]!;
    base[len + 1] = code - seen;
  }
  limit[maxLen] = code + counts[maxLen]! - 1;
  base[minLen] = 0;
  return { minLen, maxLen, limit, base, perm };
}

/** One stream's block decoder; `tt` is reused from block to block. */
export class Bzip2BlockDecoder {
  readonly blockSizeMax: number;
  private readonly tt: Int32Array;
  private readonly selectors = new Uint8Array(MAX_SELECTORS);
  // Output-phase state, valid between `readBlock` and the end of `write`.
  private remaining = 0;
  private tPos = 0;
  private current = 0;
  private run = 0;
  private copies = 0;
  private outByte = 0;
  private crc = 0;
  expectedCrc = 0;

  constructor(level: number) {
    this.blockSizeMax = level * 100_000;
    this.tt = new Int32Array(this.blockSizeMax);
  }

  /**
   * Reads the next block or the end-of-stream marker. Returns the stored stream CRC at the end
   * marker, or undefined when a block is ready for `write`.
   */
  readBlock(br: BitReader): { streamCrc: number } | undefined {
    const magicHi = br.bits(24);
    const magicLo = br.bits(24);
    if (magicHi === 0x177245 && magicLo === 0x385090) {
      const crc = ((br.bits(16) << 16) | br.bits(16)) >>> 0;
      return { streamCrc: crc };
    }
    if (magicHi !== 0x314159 || magicLo !== 0x265359) throw new Bzip2DataError('bad bzip2 block magic');
    this.expectedCrc = ((br.bits(16) << 16) | br.bits(16)) >>> 0;
    if (br.bit()) throw new Bzip2DataError('randomised bzip2 block (obsolete bzip2 0.9.0 format)');
    const origPtr = br.bits(24);

    const symToByte = new Uint8Array(256);
    let inUse = 0;
    const used16 = br.bits(16);
    for (let i = 0; i < 16; i++) {
      if (!(used16 & (0x8000 >> i))) continue;
      const bits = br.bits(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >> j)) symToByte[inUse++] = i * 16 + j;
    }
    if (inUse === 0) throw new Bzip2DataError('bzip2 block uses no symbols');
    const alphaSize = inUse + 2;

    const groupCount = br.bits(3);
    if (groupCount < 2 || groupCount > MAX_GROUPS) throw new Bzip2DataError('bad bzip2 Huffman group count');
    const declaredSelectors = br.bits(15);
    if (declaredSelectors < 1) throw new Bzip2DataError('bzip2 block without selectors');
    const mtfGroups = [0, 1, 2, 3, 4, 5];
    for (let i = 0; i < declaredSelectors; i++) {
      let j = 0;
      while (br.bit()) {
        j++;
        if (j >= groupCount) throw new Bzip2DataError('bad bzip2 selector');
      }
      const g = mtfGroups[j]!;
      for (let k = j; k > 0; k--) mtfGroups[k] = mtfGroups[k - 1]!;
      mtfGroups[0] = g;
      if (i < MAX_SELECTORS) this.selectors[i] = g;
    }
    const nSelectors = Math.min(declaredSelectors, MAX_SELECTORS);

    const groups: HuffmanGroup[] = [];
    const lengths = new Uint8Array(MAX_ALPHA);
    for (let g = 0; g < groupCount; g++) {
      let len = br.bits(5);
      for (let s = 0; s < alphaSize; s++) {
        for (;;) {
          if (len < 1 || len > MAX_CODE_LEN) throw new Bzip2DataError('bad bzip2 code length');
          if (!br.bit()) break;
          len += br.bit() ? -1 : 1;
        }
        lengths[s] = len;
      }
      groups.push(buildGroup(lengths, alphaSize));
    }

    const tt = this.tt;
    const max = this.blockSizeMax;
    const byteCount = new Int32Array(256);
    const mtf = new Uint8Array(256);
    for (let i = 0; i < 256; i++) mtf[i] = i;
    const eob = inUse + 1;
    let count = 0;
    let selector = 0;
    let left = 0;
    let group = groups[0]!;
    let runPos = 0;
    let runLength = 0;
    for (;;) {
      if (left === 0) {
        if (selector >= nSelectors) throw new Bzip2DataError('bzip2 selectors exhausted');
        group = groups[this.selectors[selector++]!]!;
        left = GROUP_SIZE;
      }
      left--;
      let len = group.minLen;
      let code = br.bits(len);
      while (code > group.limit[len]!) {
        len++;
        if (len > group.maxLen) throw new Bzip2DataError('bad bzip2 Huffman code');
        code = (code << 1) | br.bit();
      }
      const index = code - group.base[len]!;
      if (index < 0 || index >= MAX_ALPHA) throw new Bzip2DataError('bad bzip2 Huffman code');
      const sym = group.perm[index]!;
      if (sym <= 1) {
        if (runPos === 0) {
          runPos = 1;
          runLength = 0;
        }
        runLength += sym === 0 ? runPos : 2 * runPos;
        runPos *= 2;
        // As in bzip2 1.0.8: a run can never be longer than the block.
        if (runLength > max) throw new Bzip2DataError('bzip2 run longer than the block');
        continue;
      }
      if (runPos !== 0) {
        runPos = 0;
        if (count + runLength > max) throw new Bzip2DataError('bzip2 block overflows its size');
        const b = symToByte[mtf[0]!]!;
        byteCount[b]! += runLength;
        tt.fill(b, count, count + runLength);
        count += runLength;
      }
      if (sym === eob) break;
      if (sym > eob) throw new Bzip2DataError('bad bzip2 symbol');
      if (count >= max) throw new Bzip2DataError('bzip2 block overflows its size');
      const i = sym - 1;
      const u = mtf[i]!;
      mtf.copyWithin(1, 0, i);
      mtf[0] = u;
      const b = symToByte[u]!;
      byteCount[b]!++;
      tt[count++] = b;
    }
    if (origPtr >= count) throw new Bzip2DataError('bzip2 origPtr outside the block');

    let sum = 0;
    for (let i = 0; i < 256; i++) {
      const c = byteCount[i]!;
      byteCount[i] = sum;
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const b = tt[i]! & 0xff;
      tt[byteCount[b]!]! |= i << 8;
      byteCount[b]!++;
    }
    const start = tt[origPtr]!;
    this.current = start & 0xff;
    this.tPos = start >>> 8;
    this.run = -1;
    this.remaining = count;
    this.copies = 0;
    this.crc = 0xffffffff;
    return undefined;
  }

  /** Writes decoded block bytes into `out`; returns how many (0 once the block is finished). */
  write(out: Uint8Array): number {
    const tt = this.tt;
    let n = 0;
    let crc = this.crc;
    while (n < out.length) {
      if (this.copies > 0) {
        const b = this.outByte;
        const k = Math.min(this.copies, out.length - n);
        for (let i = 0; i < k; i++) {
          out[n++] = b;
          crc = (crc << 8) ^ BZ_CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!;
        }
        this.copies -= k;
        continue;
      }
      if (this.remaining === 0) break;
      this.remaining--;
      const previous = this.current;
      const entry = tt[this.tPos]!;
      this.current = entry & 0xff;
      this.tPos = entry >>> 8;
      if (this.run++ === 3) {
        this.copies = this.current;
        this.outByte = previous;
        this.current = -1;
      } else {
        this.copies = 1;
        this.outByte = this.current;
      }
      if (this.current !== previous) this.run = 0;
    }
    this.crc = crc;
    return n;
  }

  /** The CRC of the block's output; meaningful once `write` returned 0. */
  blockCrc(): number {
    return ~this.crc >>> 0;
  }
}
