/**
 * Member names: UTF-8 when general-purpose flag bit 11 is set, IBM code page 437 otherwise (the
 * zip specification's default, and what Python's zipfile uses). miniz hands names over as raw
 * bytes, so `rawName` is kept next to the decoded string.
 */

/** CP437 code points for bytes 0x80–0xFF (0x00–0x7F are ASCII). */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

export function decodeCp437(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return out;
}

/** Decodes UTF-8; `valid` is false when replacement characters had to be used. */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: utf8.decode(bytes), valid: true };
  } catch {
    return { text: utf8Lenient.decode(bytes), valid: false };
  }
}

export function decodeName(
  bytes: Uint8Array,
  flags: number,
): { text: string; encoding: 'utf8' | 'cp437'; valid: boolean } {
  if (flags & 0x0800) {
    const { text, valid } = decodeUtf8(bytes);
    return { text, encoding: 'utf8', valid };
  }
  return { text: decodeCp437(bytes), encoding: 'cp437', valid: true };
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
