/** NumPy .npy: header checks, and the pickle body of object arrays. */
import { NPY_MAX_HEADER, type NpyAnomalyCode, parseNpyHeader } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import { scanPickle } from './pickle.js';
import type { Analysis, ScanState, Target } from './types.js';

const MESSAGES: Readonly<Record<NpyAnomalyCode, string>> = {
  NPY_BAD_MAGIC: 'bad magic',
  NPY_BAD_VERSION: 'unknown version',
  NPY_TRUNCATED: 'truncated header',
  NPY_BAD_HEADER: 'malformed header',
  NPY_SIZE_MISMATCH: 'declared size does not match the data',
};

export async function scanNpy(state: ScanState, t: Target, sniffed: Uint8Array): Promise<Analysis> {
  const head = sniffed.length >= 12 + NPY_MAX_HEADER ? sniffed : await t.content.head(12 + NPY_MAX_HEADER);
  const size = t.content.size ?? Number.MAX_SAFE_INTEGER;
  const { header, anomalies } = parseNpyHeader(head, size);
  for (const a of anomalies) {
    if (a.code === 'NPY_SIZE_MISMATCH' && t.content.size === undefined) continue;
    state.findings.push(
      makeFinding('VAC-NPY-002', {
        message: `${MESSAGES[a.code]}: ${a.message}`,
        location: { ...t.location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
        evidence: { details: { code: a.code } },
      }),
    );
  }
  if (!header?.object) return { format: 'npy' };
  state.findings.push(
    makeFinding('VAC-NPY-001', {
      message: `array of dtype ${header.descr} and shape (${header.shape.join(', ')}) stores Python objects as a pickle`,
      location: { ...t.location, offset: header.dataOffset },
      evidence: { details: { descr: header.descr } },
    }),
  );
  const outcome = await scanPickle(
    {
      location: t.location,
      open: (o = 0) => t.content.open(header.dataOffset + o),
      context: 'numpy',
      probe: false,
    },
    { policy: state.policy, limits: state.limits, nested: async () => [] },
  );
  // Offsets inside the body are relative to it; report them as file offsets.
  state.findings.push(
    ...outcome.findings.map((f) =>
      f.location.offset !== undefined
        ? { ...f, location: { ...f.location, offset: f.location.offset + header.dataOffset } }
        : f,
    ),
  );
  return { format: 'npy' };
}
