/**
 * Compressed streams (gzip, bzip2, xz, lzma, zlib — joblib and pandas decompress transparently): the
 * decompressed content is analysed like any other, and damage or limits in the stream are findings.
 */
import {
  type CompressAnomaly,
  type CompressAnomalyCode,
  type CompressionKind,
  collectStream,
  decompressStream,
} from '@vacsrp/formats';
import { type Finding, makeFinding, type Severity } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import { streamContent } from './content.js';
import { analysePickle } from './pickle-artifact.js';
import type { Analysis, ScanState, Target } from './types.js';

const RULE: Readonly<Record<CompressAnomalyCode, [RuleId, Severity?]>> = {
  LIMIT_OUTPUT_BYTES: ['VAC-ARC-006'],
  LIMIT_RATIO: ['VAC-ARC-006'],
  LIMIT_MEMBER_COUNT: ['VAC-ARC-007'],
  LIMIT_HEADER_FIELD: ['VAC-ARC-006'],
  LIMIT_MEMORY: ['VAC-ARC-006'],
  EMPTY_INPUT: ['VAC-ARC-008', 'low'],
  BAD_MAGIC: ['VAC-ARC-008'],
  HEADER_INVALID: ['VAC-ARC-008'],
  HEADER_RESERVED_FLAGS: ['VAC-ARC-008'],
  HEADER_CRC_MISMATCH: ['VAC-ARC-008'],
  UNSUPPORTED: ['VAC-ARC-004'],
  CORRUPT: ['VAC-ARC-008'],
  TRUNCATED: ['VAC-ARC-008'],
  CHECKSUM_MISMATCH: ['VAC-ARC-008'],
  SIZE_MISMATCH: ['VAC-ARC-008'],
  TRAILING_DATA: ['VAC-ARC-008'],
  TRAILING_ZERO_PADDING: ['VAC-ARC-008', 'low'],
};

const SUFFIX: Readonly<Record<string, RegExp>> = {
  gzip: /\.(gz|tgz)$/i,
  bzip2: /\.(bz2|tbz2?)$/i,
  xz: /\.(xz|txz)$/i,
  lzma: /\.lzma$/i,
  zlib: /\.(z|zz)$/i,
};

export async function scanCompressed(
  state: ScanState,
  t: Target,
  kind: Exclude<CompressionKind, 'deflate-raw'>,
): Promise<Analysis> {
  const limits = {
    maxOutputBytes: state.limits.maxDecompressedBytes,
    maxRatio: state.limits.maxCompressionRatio,
  };
  let complete: CompressAnomaly[] | undefined;
  const open = () => {
    const r = decompressStream(kind, t.content.open(), limits);
    return (async function* () {
      yield* r.stream;
      complete ??= r.anomalies;
    })();
  };
  if (kind === 'zlib' || kind === 'lzma') {
    // Weak signatures (two bytes for zlib, a 0x5d byte for lzma): pickles can start the same way.
    // Decode a little first; content that does not decode is analysed as what it is.
    const probe = decompressStream(kind, t.content.open(), limits);
    const { bytes } = await collectStream(probe.stream, 16);
    if (bytes.length === 0) return analysePickle(state, t, true);
  }
  const innerName = t.name.replace(SUFFIX[kind] ?? /$^/, '') || t.name;
  const inner = await state.analyse(state, {
    content: streamContent(open),
    name: innerName === t.name ? '' : innerName,
    location: { ...t.location, members: [...(t.location.members ?? []), `<${kind} stream>`] },
    depth: t.depth + 1,
    context: t.context,
  });
  if (complete === undefined) {
    // The analysis stopped early (e.g. at a pickle's STOP): finish decoding to check the stream's integrity.
    const r = decompressStream(kind, t.content.open(), limits);
    for await (const _ of r.stream) {
      // drain
    }
    complete = r.anomalies;
  }
  state.findings.push(...complete.map((a) => anomalyFinding(a, t, kind)));
  return {
    format: `${kind}+${inner.format}`,
    ...(inner.skipped ? { skipped: inner.skipped } : {}),
  };
}

function anomalyFinding(a: CompressAnomaly, t: Target, kind: string): Finding {
  const [rule, severity] = RULE[a.code];
  return makeFinding(rule, {
    message: `${kind}: ${a.message}`,
    location: { ...t.location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
    evidence: { details: { code: a.code, ...(a.limit !== undefined ? { limit: a.limit } : {}) } },
    ...(severity ? { severity } : {}),
  });
}
