/** Decoders for the textual and numeric operands of pickle opcodes, matching CPython's semantics. */

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

export function decodeUtf8(b: Uint8Array): string {
  return utf8.decode(b);
}

/** UTF-8 that must be valid (GLOBAL operands): undefined when CPython's strict decode would fail. */
export function decodeUtf8Strict(b: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(b);
  } catch {
    return undefined;
  }
}

export function decodeLatin1(b: Uint8Array): string {
  return latin1.decode(b);
}

export function isAscii(b: Uint8Array): boolean {
  for (const c of b) if (c > 0x7f) return false;
  return true;
}

/** Python's `raw-unicode-escape` codec, used by the protocol-0 UNICODE opcode. */
export function decodeRawUnicodeEscape(b: Uint8Array): string | undefined {
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x5c && i + 1 < b.length && (b[i + 1] === 0x75 || b[i + 1] === 0x55)) {
      // An odd run of backslashes before u/U starts an escape; an even run is literal.
      let run = 0;
      for (let j = i; j >= 0 && b[j] === 0x5c; j--) run++;
      if (run % 2 === 1) {
        const width = b[i + 1] === 0x75 ? 4 : 8;
        const hex = latin1.decode(b.subarray(i + 2, i + 2 + width));
        if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += 1 + width;
        continue;
      }
    }
    out += String.fromCharCode(c);
  }
  return out;
}

/** Python's `codecs.escape_decode` (the STRING opcode's quoted literal, quotes already removed). */
export function escapeDecode(b: Uint8Array): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    i++;
    if (i >= b.length) return undefined; // trailing backslash: "\\ at end of string"
    const e = b[i]!;
    const simple: Record<number, number> = {
      10: -1, // backslash-newline: line continuation, emits nothing
      92: 0x5c,
      39: 0x27,
      34: 0x22,
      97: 0x07,
      98: 0x08,
      102: 0x0c,
      110: 0x0a,
      114: 0x0d,
      116: 0x09,
      118: 0x0b,
    };
    const mapped = simple[e];
    if (mapped !== undefined) {
      if (mapped >= 0) out.push(mapped);
      continue;
    }
    if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && i + 1 < b.length && b[i + 1]! >= 0x30 && b[i + 1]! <= 0x37; k++)
        v = v * 8 + (b[++i]! - 0x30);
      out.push(v & 0xff);
      continue;
    }
    if (e === 0x78) {
      const hex = latin1.decode(b.subarray(i + 1, i + 3));
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out.push(Number.parseInt(hex, 16));
      i += 2;
      continue;
    }
    out.push(0x5c, e); // unknown escapes are kept verbatim
  }
  return Uint8Array.from(out);
}

/** Python `int(text)` (base 10) for the GET/PUT text operands; undefined if Python would raise. */
export function parsePyInt(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^[+-]?\d(_?\d)*$/.test(t)) return undefined;
  return parseDigits(t.replace(/_/g, ''), 10);
}

/**
 * Python `int(text, 0)` for the INT and LONG operands: base prefixes 0x/0o/0b. Leading zeros, which
 * Python rejects in base 0 but the C unpickler's strtol reads as octal, are accepted (never reject what
 * one real loader accepts). Very long literals are validated but not converted (their value never
 * matters for analysis and BigInt parsing is super-linear).
 */
export function parsePyIntBase0(text: string): bigint | undefined {
  const t = text.trim().replace(/_(?=[0-9a-fA-F])/g, '');
  const m = /^([+-]?)(?:0([xXoObB])([0-9a-fA-F]+)|(\d+))$/.exec(t);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  if (m[4] !== undefined) return sign * parseDigits(m[4], 10);
  const base = { x: 16, o: 8, b: 2 }[m[2]!.toLowerCase() as 'x' | 'o' | 'b'];
  const digits = m[3]!;
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : /^[01]+$/;
  if (!valid.test(digits)) return undefined;
  return sign * parseDigits(digits, base);
}

/** Literals longer than this are validated but read as 0 (CWE-407: super-linear conversion). */
const MAX_CONVERTED_DIGITS = 4300;

function parseDigits(digits: string, base: number): bigint {
  if (digits.length > MAX_CONVERTED_DIGITS) return 0n;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  return BigInt(prefix + digits.replace(/^[+]/, ''));
}

/** Python `float(text)`; undefined if Python would raise. */
export function parsePyFloat(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** pickle.decode_long: little-endian two's complement. */
export function decodeLong(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v;
}

const IDENT = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

/** A dotted Python name (`a.b.c`) whose every part is an identifier: the only names import can find. */
export function isDottedIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  return s.split('.').every((p) => IDENT.test(p));
}
