/**
 * Content sniffing: decides what a file is from its bytes, never from its name. Loaders such as
 * `torch.load`, `joblib.load` and `numpy.load` route by content too, so a scanner that routed by
 * extension would disagree with them (CVE-2025-10155, CVE-2025-1889).
 */

export type FormatKind =
  | 'zip'
  | 'tar'
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'lzma'
  | 'zlib'
  | 'lz4'
  | '7z'
  | 'pickle'
  | 'npy'
  | 'gguf'
  | 'hdf5'
  | 'safetensors'
  | 'text'
  | 'unknown';

/** How many leading bytes `sniff` wants (tar magic sits at 257). */
export const SNIFF_HEAD_BYTES = 1024;

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0): boolean =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** `head` is the first bytes of the content (at least SNIFF_HEAD_BYTES when the content is that long). */
export function sniff(head: Uint8Array, size: number = head.length): FormatKind {
  if (head.length === 0) return 'unknown';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(head, [0x50, 0x4b, 0x07, 0x08])) return 'zip';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, ascii('BZh')) && head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39)
    return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (startsWith(head, [0x93, ...ascii('NUMPY')])) return 'npy';
  if (startsWith(head, ascii('GGUF'))) return 'gguf';
  if (startsWith(head, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return 'hdf5';
  if (head.length >= 263 && startsWith(head, ascii('ustar'), 257)) return 'tar';
  if (head[0] === 0x80 && head.length > 1 && head[1]! <= 5) return 'pickle';
  if (isSafetensorsHeader(head, size)) return 'safetensors';
  if (isZlibHeader(head)) return 'zlib';
  if (isLzmaAloneHeader(head, size)) return 'lzma';
  if (isMostlyText(head)) return 'text';
  return 'unknown';
}

/**
 * RFC 1950 with a 32 KiB window (CMF 0x78), which is what zlib.compress and joblib write. Two bytes
 * are a weak signature (text and pickles start with valid headers too), so callers confirm by decoding.
 */
function isZlibHeader(b: Uint8Array): boolean {
  if (b.length < 2) return false;
  const flg = b[1]!;
  return b[0] === 0x78 && ((0x78 << 8) | flg) % 31 === 0 && (flg & 0x20) === 0;
}

/**
 * The .lzma "alone" header: properties 0x5d (what xz and Python write), a dictionary size that xz
 * would pick (2^n or 2^n + 2^(n-1)), and an uncompressed size that is unknown (all ones) or plausible.
 * Protocol-1 pickles start with 0x5d (EMPTY_LIST) too, so this must be strict.
 */
function isLzmaAloneHeader(b: Uint8Array, size: number): boolean {
  if (b.length < 13 || size < 13 || b[0] !== 0x5d) return false;
  const dict = (b[1]! | (b[2]! << 8) | (b[3]! << 16) | (b[4]! << 24)) >>> 0;
  let xzDict = false;
  for (let n = 12; n <= 30 && !xzDict; n++) xzDict = dict === 2 ** n || dict === 2 ** n + 2 ** (n - 1);
  if (!xzDict) return false;
  const unknown = b.subarray(5, 13).every((x) => x === 0xff);
  return unknown || (b[11] === 0 && b[12] === 0);
}

/** safetensors: u64 little-endian header length, then a JSON object that fits in the file. */
function isSafetensorsHeader(b: Uint8Array, size: number): boolean {
  if (b.length < 10) return false;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = view.getBigUint64(0, true);
  // A declared length beyond the file is still safetensors when a JSON key follows (a bad header is a
  // finding for the safetensors analyser, not unknown content).
  return b[8] === 0x7b && n >= 2n && (n <= BigInt(size) - 8n || b[9] === 0x22);
}

function isMostlyText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c >= 0x80) printable++;
    else if (c === 0) return false;
  }
  return printable / n > 0.95;
}
