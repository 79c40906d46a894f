import type { Anomaly } from '../anomaly.js';
import type { ByteStream } from '../source.js';

export type CompressionKind = 'gzip' | 'zlib' | 'deflate-raw' | 'bzip2' | 'xz' | 'lzma';

/**
 * Every decompression anomaly code and what it means. Codes are published in reports: never reuse
 * or rename one.
 */
export const COMPRESS_ANOMALY_CODES = {
  LIMIT_OUTPUT_BYTES: 'Output reached maxOutputBytes; the stream stops there.',
  LIMIT_RATIO: 'Output/input exceeded maxRatio (checked once output passes 1 MiB); the stream stops.',
  LIMIT_MEMBER_COUNT: 'More gzip members or xz/bzip2 streams than maxMembers; the rest is not decoded.',
  LIMIT_HEADER_FIELD: 'A gzip FEXTRA/FNAME/FCOMMENT field longer than maxHeaderFieldBytes.',
  LIMIT_MEMORY: 'The xz/lzma header asks for more decoder memory than lzmaMemlimitBytes.',
  EMPTY_INPUT: 'The input is empty: some loaders return nothing, others fail.',
  BAD_MAGIC: "The input does not start with this format's magic bytes.",
  HEADER_INVALID:
    'A header field no decoder accepts (gzip method other than 8, bad zlib header, bad bzip2 level).',
  HEADER_RESERVED_FLAGS: 'gzip reserved flag bits 5-7 set: zlib refuses the member, Python ignores the bits.',
  HEADER_CRC_MISMATCH: 'The gzip header CRC (FHCRC) does not match the header.',
  UNSUPPORTED:
    'A valid but unsupported feature (zlib preset dictionary, bzip2 randomised blocks, lzma options).',
  CORRUPT: 'The compressed data is invalid; decoding stops.',
  TRUNCATED: 'The input ends inside a compressed stream.',
  CHECKSUM_MISMATCH: 'The stored checksum (gzip CRC-32, zlib Adler-32, bzip2 CRCs) disagrees with the data.',
  SIZE_MISMATCH: 'gzip ISIZE disagrees with the decompressed length (mod 2^32).',
  TRAILING_DATA:
    'Non-zero bytes after the last stream: loaders ignore them, fail, or read them as another stream.',
  TRAILING_ZERO_PADDING: 'Zero bytes after the last stream (not valid xz stream padding).',
} as const;

export type CompressAnomalyCode = keyof typeof COMPRESS_ANOMALY_CODES;

export type CompressAnomaly = Anomaly<CompressAnomalyCode>;

export interface CompressLimits {
  maxOutputBytes: number;
  maxRatio: number;
  maxMembers: number;
  maxHeaderFieldBytes: number;
  lzmaMemlimitBytes: number;
}

export const COMPRESS_LIMITS: Readonly<CompressLimits> = Object.freeze({
  /** Decompressed bytes per stream: a few KiB can claim terabytes (CWE-409). */
  maxOutputBytes: 8 * 1024 ** 3,
  /** Output/input once past 1 MiB: deflate tops out near 1032:1, bzip2 far higher (CWE-409). */
  maxRatio: 1000,
  /** Concatenated members/streams: each one restarts a decoder, so many tiny ones burn CPU (CWE-400). */
  maxMembers: 100_000,
  /** gzip FEXTRA/FNAME/FCOMMENT: NUL-terminated fields have no declared length (CWE-770). */
  maxHeaderFieldBytes: 1024 * 1024,
  /** liblzma decoder memory: the header picks the dictionary size, up to 4 GiB (CWE-789). */
  lzmaMemlimitBytes: 256 * 1024 * 1024,
});

/** The ratio limit only applies past this much output, so tiny inputs with big headers pass. */
export const RATIO_CHECK_AFTER_BYTES = 1024 * 1024;

export interface DecompressResult {
  /** Decompressed chunks, produced as the consumer pulls them. Iterate once. */
  readonly stream: ByteStream;
  /** Filled in while `stream` is consumed; complete once iteration has finished. */
  readonly anomalies: CompressAnomaly[];
}

/** What a format decoder gets: the limits and somewhere to put anomalies. */
export interface DecodeContext {
  readonly limits: Readonly<CompressLimits>;
  report(anomaly: CompressAnomaly): void;
}
