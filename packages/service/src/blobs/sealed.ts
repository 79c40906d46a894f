import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { asBytes, ByteReader, type Bytes, concatBytes, Segmenter, view } from './bytes.js';
import { BlobError } from './errors.js';
import { dataKeyBytes } from './keys.js';

/**
 * The sealed blob format, v1 (docs/storage.md has the picture):
 *
 *   header   magic 89 56 53 42 | version 01 | log2 segment size 10 | 00 00 | salt (32) | key commitment (16)
 *   record   flags (1: bit 0 = final) | plaintext length (u32 BE) | ciphertext | GCM tag (16)
 *
 * HKDF-SHA256(data key, salt, "vacsrp/sealed-blob/v1") gives this blob's own AES-256-GCM key, a
 * 4-byte nonce prefix and a 16-byte key commitment. Record i uses nonce prefix || u64 BE i and
 * authenticates header || u64 BE i || the record's own flags and length, so records cannot be
 * reordered, dropped, duplicated or moved to another blob, and the final flag cannot be forged:
 * a stream that ends without a final record is TRUNCATED, bytes after it are TRAILING_DATA.
 */
export const SEGMENT_PLAINTEXT_MAX = 65536;
const SEGMENT_SIZE_LOG2 = 16;
export const HEADER_BYTES = 56;
export const RECORD_HEADER_BYTES = 5;
export const TAG_BYTES = 16;
/** Bytes a record adds to its plaintext. */
export const RECORD_OVERHEAD = RECORD_HEADER_BYTES + TAG_BYTES;
/** The counter field holds 48 bits; far beyond any real blob (2^48 segments of 64 KiB). */
const MAX_SEGMENT_INDEX = 2 ** 48 - 1;

const MAGIC = Uint8Array.of(0x89, 0x56, 0x53, 0x42);
const VERSION = 1;
const FLAG_FINAL = 0x01;
const SALT_OFFSET = 8;
const SALT_BYTES = 32;
const COMMITMENT_OFFSET = SALT_OFFSET + SALT_BYTES;
const COMMITMENT_BYTES = 16;
const NONCE_PREFIX_BYTES = 4;
const HKDF_INFO = new TextEncoder().encode('vacsrp/sealed-blob/v1');
const EMPTY = new Uint8Array(0);

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** HKDF output: AES key (32) | nonce prefix (4) | key commitment (16). */
const derive = (dataKey: Uint8Array, salt: Uint8Array): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', dataKey, salt, HKDF_INFO, 32 + NONCE_PREFIX_BYTES + COMMITMENT_BYTES));

export interface RecordHeader {
  readonly final: boolean;
  /** Plaintext bytes in the record (0-65536); the record is this plus RECORD_OVERHEAD bytes. */
  readonly length: number;
}

/**
 * Reads a record's 5-byte framing. Impossible framing (unknown flag bits, an over-long segment, an
 * empty segment that is not final) is TAMPERED: the v1 writer never produces it.
 */
export function parseRecordHeader(
  bytes: Uint8Array,
  where: { offset: number; segment: number },
): RecordHeader {
  const flags = bytes[0] as number;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if ((flags & ~FLAG_FINAL) !== 0)
    throw new BlobError('TAMPERED', 'unknown record flags', { ...where, actual: flags });
  const final = (flags & FLAG_FINAL) !== 0;
  if (length > SEGMENT_PLAINTEXT_MAX)
    throw new BlobError('TAMPERED', 'record longer than a segment', {
      ...where,
      limit: SEGMENT_PLAINTEXT_MAX,
      actual: length,
    });
  if (length === 0 && !final) throw new BlobError('TAMPERED', 'empty record that is not final', where);
  return { final, length };
}

function checkHeader(header: Uint8Array): void {
  if (header.length !== HEADER_BYTES) throw new BlobError('BAD_HEADER', 'short header');
  if (!sameBytes(header.subarray(0, 4), MAGIC))
    throw new BlobError('BAD_HEADER', 'not a sealed blob (magic)');
  if (header[4] !== VERSION)
    throw new BlobError('BAD_HEADER', 'unknown sealed blob version', {
      expected: VERSION,
      actual: header[4],
    });
  if (header[5] !== SEGMENT_SIZE_LOG2)
    throw new BlobError('BAD_HEADER', 'unsupported segment size', {
      expected: SEGMENT_SIZE_LOG2,
      actual: header[5],
    });
  if (header[6] !== 0 || header[7] !== 0)
    throw new BlobError('BAD_HEADER', 'reserved header bytes are not zero');
}

/** Seals and opens the records of one blob under keys derived from its header and the data key. */
export class SegmentSealer {
  readonly header: Uint8Array;
  readonly #key: KeyObject;
  readonly #noncePrefix: Uint8Array;

  /**
   * Binds to an existing header: checks its layout (BAD_HEADER) and that `dataKey` is the key
   * it was written with (WRONG_KEY, by the key commitment).
   */
  constructor(header: Uint8Array, dataKey: Bytes) {
    const ikm = dataKeyBytes(dataKey);
    checkHeader(header);
    this.header = header.slice();
    const okm = derive(ikm, header.subarray(SALT_OFFSET, SALT_OFFSET + SALT_BYTES));
    const commitment = okm.subarray(32 + NONCE_PREFIX_BYTES);
    if (
      !timingSafeEqual(commitment, header.subarray(COMMITMENT_OFFSET, COMMITMENT_OFFSET + COMMITMENT_BYTES))
    )
      throw new BlobError('WRONG_KEY', 'the data key does not match this blob');
    this.#key = createSecretKey(okm.subarray(0, 32));
    this.#noncePrefix = okm.slice(32, 32 + NONCE_PREFIX_BYTES);
    okm.fill(0);
  }

  /** A sealer for a new blob: fresh random salt, header carrying the key commitment. */
  static create(dataKey: Bytes): SegmentSealer {
    const ikm = dataKeyBytes(dataKey);
    const header = new Uint8Array(HEADER_BYTES);
    header.set(MAGIC, 0);
    header[4] = VERSION;
    header[5] = SEGMENT_SIZE_LOG2;
    header.set(view(randomBytes(SALT_BYTES)), SALT_OFFSET);
    const okm = derive(ikm, header.subarray(SALT_OFFSET, SALT_OFFSET + SALT_BYTES));
    header.set(okm.subarray(32 + NONCE_PREFIX_BYTES), COMMITMENT_OFFSET);
    okm.fill(0);
    return new SegmentSealer(header, dataKey);
  }

  #nonce(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index > MAX_SEGMENT_INDEX)
      throw new RangeError(`segment index out of range: ${index}`);
    const nonce = new Uint8Array(12);
    nonce.set(this.#noncePrefix, 0);
    const dv = new DataView(nonce.buffer);
    dv.setUint16(6, Math.floor(index / 2 ** 32));
    dv.setUint32(8, index >>> 0);
    return nonce;
  }

  #aad(nonce: Uint8Array, recordHeader: Uint8Array): Uint8Array {
    return concatBytes([this.header, nonce.subarray(NONCE_PREFIX_BYTES), recordHeader]);
  }

  /** The whole record for segment `index`. */
  seal(index: number, plaintext: Uint8Array, final: boolean): Uint8Array {
    if (plaintext.length > SEGMENT_PLAINTEXT_MAX) throw new RangeError('segment longer than 64 KiB');
    if (plaintext.length === 0 && !final) throw new RangeError('only the final segment may be empty');
    const rh = new Uint8Array(RECORD_HEADER_BYTES);
    rh[0] = final ? FLAG_FINAL : 0;
    new DataView(rh.buffer).setUint32(1, plaintext.length);
    const nonce = this.#nonce(index);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad(nonce, rh));
    const body = view(cipher.update(plaintext));
    cipher.final();
    return concatBytes([rh, body, view(cipher.getAuthTag())]);
  }

  /** The plaintext of a record whose framing `recordHeader` and `body` (ciphertext + tag) were read. */
  open(index: number, recordHeader: Uint8Array, body: Uint8Array, offset: number): Uint8Array {
    const nonce = this.#nonce(index);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(this.#aad(nonce, recordHeader));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = view(decipher.update(body.subarray(0, body.length - TAG_BYTES)));
    try {
      decipher.final();
    } catch (cause) {
      plain.fill(0);
      throw new BlobError('TAMPERED', 'segment failed authentication', { offset, segment: index }, { cause });
    }
    return plain;
  }
}

/**
 * Encrypts a byte stream into a complete sealed blob: the header, then one record per 64 KiB
 * (the last one, possibly empty, marked final). Memory: one segment and one input chunk.
 */
export async function* sealStream(
  source: AsyncIterable<unknown>,
  dataKey: Bytes,
): AsyncGenerator<Uint8Array> {
  const sealer = SegmentSealer.create(dataKey);
  yield sealer.header;
  const segmenter = new Segmenter(SEGMENT_PLAINTEXT_MAX);
  // One whole segment is held back until more bytes arrive: only then is it known not to be the last.
  let pending: Uint8Array | undefined;
  let index = 0;
  for await (const chunk of source) {
    for (const segment of segmenter.push(asBytes(chunk))) {
      if (pending !== undefined) yield sealer.seal(index++, pending, false);
      pending = segment;
    }
  }
  const rest = segmenter.flush();
  if (rest !== undefined) {
    if (pending !== undefined) yield sealer.seal(index++, pending, false);
    pending = rest;
  }
  yield sealer.seal(index, pending ?? EMPTY, true);
}

/**
 * Decrypts a sealed blob. Each segment's plaintext is emitted only after it authenticates, and
 * the final segment's only after the end of the stream was seen, so a consumer that reads to the
 * end without an error has the whole, unaltered plaintext. Memory: one record and one input chunk.
 */
export async function* openSealed(
  source: AsyncIterable<unknown>,
  dataKey: Bytes,
): AsyncGenerator<Uint8Array> {
  dataKeyBytes(dataKey);
  const reader = new ByteReader(source);
  try {
    const header = await reader.read(HEADER_BYTES);
    if (header.length < HEADER_BYTES) {
      const seen = Math.min(header.length, MAGIC.length);
      if (!sameBytes(header.subarray(0, seen), MAGIC.subarray(0, seen)))
        throw new BlobError('BAD_HEADER', 'not a sealed blob (magic)');
      throw new BlobError('TRUNCATED', 'the stream ends inside the header', { offset: header.length });
    }
    const sealer = new SegmentSealer(header, dataKey);
    for (let index = 0; ; index++) {
      const offset = reader.consumed;
      const rh = await reader.read(RECORD_HEADER_BYTES);
      if (rh.length < RECORD_HEADER_BYTES)
        throw new BlobError('TRUNCATED', 'the stream ends before its final segment', {
          offset,
          segment: index,
        });
      const { final, length } = parseRecordHeader(rh, { offset, segment: index });
      const body = await reader.read(length + TAG_BYTES);
      if (body.length < length + TAG_BYTES)
        throw new BlobError('TRUNCATED', 'the stream ends inside a segment', { offset, segment: index });
      const plain = sealer.open(index, rh, body, offset);
      if (final) {
        const extra = await reader.read(1);
        if (extra.length > 0)
          throw new BlobError('TRAILING_DATA', 'bytes follow the final segment', {
            offset: reader.consumed - 1,
          });
        if (plain.length > 0) yield plain;
        return;
      }
      yield plain;
    }
  } finally {
    await reader.close();
  }
}
