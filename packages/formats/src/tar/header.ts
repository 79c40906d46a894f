/**
 * One 512-byte tar header block (v7, ustar, old GNU). Numeric fields follow Python's tarfile
 * (`nti`): octal text up to the first NUL with surrounding blanks, or GNU base-256 when the first
 * byte is 0x80 (positive) or 0xff (negative). The checksum is accepted if either the unsigned or the
 * signed byte sum matches, as tarfile and GNU tar both do.
 */
import type { TarEntryType } from './types.js';

export const BLOCK = 512;

const utf8 = new TextDecoder('utf-8');

export interface TarHeader {
  readonly name: string;
  /** Non-zero bytes follow the NUL that ends the name. */
  readonly nameAfterNul: boolean;
  readonly mode: number | undefined;
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly size: number | undefined;
  readonly mtime: number | undefined;
  readonly storedChecksum: number | undefined;
  readonly checksumOk: boolean;
  readonly typeflag: string;
  readonly linkName: string;
  readonly format: 'v7' | 'ustar' | 'gnu';
  readonly uname: string;
  readonly gname: string;
  /** Old GNU sparse: extension headers follow this one. */
  readonly sparseExtended: boolean;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Bytes up to the first NUL. */
function nts(field: Uint8Array): Uint8Array {
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

export function text(field: Uint8Array): string {
  return utf8.decode(nts(field));
}

/** A numeric field, or undefined when it is not a number (or not a safe integer). */
export function parseNumber(field: Uint8Array): number | undefined {
  const first = field[0];
  if (first === 0x80 || first === 0xff) {
    let value = 0n;
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    if (first === 0xff) value -= 1n << BigInt(8 * (field.length - 1));
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return Number(value);
  }
  const s = String.fromCharCode(...nts(field)).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  const value = Number.parseInt(s, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

export function parseHeader(block: Uint8Array): TarHeader {
  const field = (start: number, length: number) => block.subarray(start, start + length);
  const magic = String.fromCharCode(...field(257, 8));
  const format = magic === 'ustar\u000000' ? 'ustar' : magic === 'ustar  \u0000' ? 'gnu' : 'v7';
  const rawName = field(0, 100);
  const nameBytes = nts(rawName);
  const nameAfterNul = nameBytes.length < 100 && rawName.subarray(nameBytes.length).some((b) => b !== 0);
  let name = utf8.decode(nameBytes);
  const prefix = format === 'ustar' ? text(field(345, 155)) : '';
  if (prefix) name = `${prefix}/${name}`;
  const storedChecksum = parseNumber(field(148, 8));
  const sums = checksums(block);
  const typeByte = block[156]!;
  return {
    name,
    nameAfterNul,
    mode: parseNumber(field(100, 8)),
    uid: parseNumber(field(108, 8)),
    gid: parseNumber(field(116, 8)),
    size: parseNumber(field(124, 12)),
    mtime: parseNumber(field(136, 12)),
    storedChecksum,
    checksumOk: storedChecksum === sums.unsigned || storedChecksum === sums.signed,
    typeflag: String.fromCharCode(typeByte),
    linkName: text(field(157, 100)),
    format,
    uname: format === 'v7' ? '' : text(field(265, 32)),
    gname: format === 'v7' ? '' : text(field(297, 32)),
    sparseExtended: typeByte === 0x53 && block[482] !== 0,
  };
}

/** Old GNU sparse extension block: its "more follow" flag. */
export function sparseExtensionContinues(block: Uint8Array): boolean {
  return block[504] !== 0;
}

const TYPES: Readonly<Record<string, TarEntryType>> = {
  '0': 'file',
  '\u0000': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous',
  S: 'sparse',
  V: 'volume-label',
  M: 'multivolume',
  D: 'gnu-dumpdir',
};

export function entryType(typeflag: string, name: string): TarEntryType {
  // Old (v7) archives mark directories with a trailing slash on a regular-file typeflag.
  if (typeflag === '\u0000' && name.endsWith('/')) return 'directory';
  return TYPES[typeflag] ?? 'unknown';
}

/** Types whose body Python's tarfile skips by `size`; for the others it ignores `size`. */
export function hasBody(type: TarEntryType): boolean {
  switch (type) {
    case 'file':
    case 'contiguous':
    case 'sparse':
    case 'volume-label':
    case 'multivolume':
    case 'gnu-dumpdir':
    case 'unknown':
      return true;
    case 'hardlink':
    case 'symlink':
    case 'char-device':
    case 'block-device':
    case 'directory':
    case 'fifo':
      return false;
  }
}
