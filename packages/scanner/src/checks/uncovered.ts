/**
 * Random access for weight formats, and the sniffing of bytes no tensor covers. safetensors and GGUF
 * parsers read only headers; the data section is touched only to probe uncovered ranges, a bounded
 * window each, handed to the dispatcher as content of their own.
 */
import { type ByteSource, collectStream } from '@vacsrp/formats';
import type { FindingLocation } from '../findings.js';
import type { Content } from './content.js';
import { bytesContent } from './pickle-artifact.js';
import type { ScanState, Target } from './types.js';

export const UNCOVERED_PROBE = {
  /** Uncovered ranges probed per artifact; a crafted file can declare one gap per tensor (CWE-400). */
  maxRanges: 16,
  /** Bytes of each range read and analysed: enough for a pickle or archive header (CWE-400). */
  maxBytesPerRange: 1 << 20,
} as const;

/**
 * The content as a ByteSource. Streamed content (a compressed member) is re-opened for each read,
 * which is fine for the handful of reads a header parser makes; its size is counted once if unknown.
 */
export async function contentSource(content: Content): Promise<ByteSource> {
  if (content.source) return content.source;
  let size = content.size;
  if (size === undefined) {
    size = 0;
    for await (const chunk of content.open()) size += chunk.length;
  }
  return {
    size,
    read: async (offset, length) => (await collectStream(content.open(offset), length)).bytes,
  };
}

export interface ProbedRange {
  readonly start: number;
  readonly end: number;
  /** The format the dispatcher recognised (`data` when none). */
  readonly format?: string;
}

/** Reads a bounded window of each uncovered range and analyses it as nested content. */
export async function probeUncovered(
  state: ScanState,
  t: Target,
  source: ByteSource,
  ranges: readonly { start: number; end: number }[],
): Promise<ProbedRange[]> {
  const out: ProbedRange[] = [];
  for (const [i, r] of ranges.entries()) {
    if (i >= UNCOVERED_PROBE.maxRanges) {
      out.push(r);
      continue;
    }
    const bytes = await source.read(r.start, Math.min(r.end - r.start, UNCOVERED_PROBE.maxBytesPerRange));
    const location: FindingLocation = {
      ...t.location,
      members: [...(t.location.members ?? []), `uncovered bytes @${r.start}`],
    };
    const analysis = await state.analyse(state, {
      content: bytesContent(bytes),
      name: '',
      location,
      depth: t.depth + 1,
      context: 'pickle',
    });
    out.push({ ...r, format: analysis.format });
  }
  return out;
}

/** Formats that mean "nothing recognised" in uncovered bytes. */
export const isPlainData = (format: string | undefined): boolean =>
  format === undefined || format === 'data' || format === 'empty' || format === 'text';
