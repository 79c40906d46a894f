/**
 * A tar writer for tests: ustar/GNU/v7 headers with every field overridable, GNU long names,
 * PAX headers, base-256 sizes and deliberately broken checksums.
 */
import { concatBytes } from '../../src/source.js';

const enc = new TextEncoder();

export interface TarMemberSpec {
  name: string;
  data?: Uint8Array | string;
  /** Typeflag character; default '0'. */
  type?: string;
  linkName?: string;
  mode?: number;
  /** Header size field (default: data length). */
  size?: number;
  /** Write the size in GNU base-256. */
  base256Size?: boolean;
  /** Raw size field text (12 bytes max), e.g. 'zzz' for an invalid number. */
  rawSize?: string;
  format?: 'ustar' | 'gnu' | 'v7';
  prefix?: string;
  /** Checksum to store instead of the right one. */
  checksum?: number;
  /** Edits the finished header block (checksum is recomputed afterwards unless `checksum` is set). */
  patch?: (block: Uint8Array) => void;
  /** Body bytes actually written (default: data), for truncation tests. */
  body?: Uint8Array;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function put(block: Uint8Array, at: number, width: number, text: string | Uint8Array): void {
  const b = typeof text === 'string' ? enc.encode(text) : text;
  block.set(b.subarray(0, width), at);
}

export function tarHeader(spec: TarMemberSpec): Uint8Array {
  const block = new Uint8Array(512);
  const data = typeof spec.data === 'string' ? enc.encode(spec.data) : (spec.data ?? new Uint8Array(0));
  const size = spec.size ?? data.length;
  put(block, 0, 100, spec.name);
  put(block, 100, 8, octal(spec.mode ?? 0o644, 8));
  put(block, 108, 8, octal(1000, 8));
  put(block, 116, 8, octal(1000, 8));
  if (spec.rawSize !== undefined) put(block, 124, 12, spec.rawSize);
  else if (spec.base256Size) {
    block[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      block[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  } else put(block, 124, 12, octal(size, 12));
  put(block, 136, 12, octal(1_700_000_000, 12));
  put(block, 156, 1, spec.type ?? '0');
  put(block, 157, 100, spec.linkName ?? '');
  const format = spec.format ?? 'ustar';
  if (format === 'ustar') put(block, 257, 8, 'ustar\u000000');
  if (format === 'gnu') put(block, 257, 8, 'ustar  \u0000');
  if (format !== 'v7') {
    put(block, 265, 32, 'user');
    put(block, 297, 32, 'group');
  }
  if (spec.prefix) put(block, 345, 155, spec.prefix);
  spec.patch?.(block);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((a, b) => a + b, 0);
  put(block, 148, 8, `${octal(spec.checksum ?? sum, 7)} `);
  return block;
}

const pad = (n: number): Uint8Array => new Uint8Array((512 - (n % 512)) % 512);

export function tarMember(spec: TarMemberSpec): Uint8Array {
  const data = typeof spec.data === 'string' ? enc.encode(spec.data) : (spec.data ?? new Uint8Array(0));
  const body = spec.body ?? data;
  return concatBytes([tarHeader(spec), body, pad(body.length)]);
}

export function paxRecords(records: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [key, value] of Object.entries(records)) {
    const payload = ` ${key}=${value}\n`;
    let length = enc.encode(payload).length + 1;
    while (String(length).length + enc.encode(payload).length !== length) length++;
    parts.push(enc.encode(`${length}${payload}`));
  }
  return concatBytes(parts);
}

/** A PAX ('x' or 'g') header member. */
export function paxMember(records: Record<string, string> | Uint8Array, type: 'x' | 'g' = 'x'): Uint8Array {
  const body = records instanceof Uint8Array ? records : paxRecords(records);
  return tarMember({ name: 'PaxHeader', type, data: body });
}

/** A GNU long name ('L') or long link ('K') member. */
export function gnuLongMember(value: string, type: 'L' | 'K' = 'L'): Uint8Array {
  return tarMember({ name: '././@LongLink', type, data: `${value}\0`, format: 'gnu' });
}

export function buildTar(
  parts: (TarMemberSpec | Uint8Array)[],
  end: { zeroBlocks?: number; trailing?: Uint8Array } = {},
): Uint8Array {
  const out = parts.map((p) => (p instanceof Uint8Array ? p : tarMember(p)));
  out.push(new Uint8Array(512 * (end.zeroBlocks ?? 2)));
  if (end.trailing) out.push(end.trailing);
  return concatBytes(out);
}
