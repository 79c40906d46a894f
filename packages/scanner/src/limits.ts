/**
 * Named scan limits. Every size, count and depth that an artifact controls is bounded here; hitting a
 * limit is a finding (the rest is not analysed, never silently passed). `--limit NAME=VALUE` overrides.
 * docs/limits.md lists them; a test keeps it in step.
 */
import { PICKLE_LIMITS } from '@vacsrp/formats';

export const SCAN_LIMITS = {
  /** Containers inside containers (CWE-674: recursion bombs). */
  maxNestingDepth: 8,
  /** Archive members visited per artifact, at every nesting level (CWE-400: member-count bombs). */
  maxArchiveMembers: 100_000,
  /** Bytes produced by one decompressed stream or member (CWE-409: decompression bombs). */
  maxDecompressedBytes: 16 * 1024 ** 3,
  /** Output/input ratio of a compressed stream past its first MiB (CWE-409). */
  maxCompressionRatio: 1000,
  /** A zip found inside a stream is buffered in memory to read it; larger ones are not analysed (CWE-400). */
  maxBufferedArchiveBytes: 256 * 1024 ** 2,
  /** Files listed across all roots (CWE-400). */
  maxFiles: 1_000_000,
  /** Directory depth below a root (CWE-674). */
  maxDirDepth: 64,
  /** Bytes of each archive member probed for a pickle when its type is unknown (CWE-400). */
  memberProbeBytes: 64 * 1024,
  ...PICKLE_LIMITS,
} as const;

export type ScanLimits = { -readonly [K in keyof typeof SCAN_LIMITS]: number };
export type LimitName = keyof ScanLimits;

export const LIMIT_NAMES = Object.keys(SCAN_LIMITS).sort() as LimitName[];

export class LimitError extends Error {
  constructor(
    readonly code: 'UNKNOWN_LIMIT' | 'BAD_LIMIT_VALUE',
    message: string,
  ) {
    super(message);
    this.name = 'LimitError';
  }
}

export function resolveLimits(overrides: Partial<Record<string, number>> = {}): ScanLimits {
  const out: ScanLimits = { ...SCAN_LIMITS };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in SCAN_LIMITS))
      throw new LimitError('UNKNOWN_LIMIT', `unknown limit ${k}; known limits: ${LIMIT_NAMES.join(', ')}`);
    if (v === undefined || !Number.isSafeInteger(v) || v < 0)
      throw new LimitError('BAD_LIMIT_VALUE', `limit ${k} must be a non-negative integer`);
    out[k as LimitName] = v;
  }
  return out;
}
