/** GGUF artifacts (analyser pending: recognised and reported as skipped, never as clean). */
import { makeFinding } from '../findings.js';
import type { Analysis, ScanState, Target } from './types.js';

export async function scanGguf(state: ScanState, t: Target): Promise<Analysis> {
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message: 'GGUF content recognised; its analyser ships with the next format release',
      location: t.location,
      evidence: { details: { format: 'gguf' } },
    }),
  );
  return { format: 'gguf', skipped: 'GGUF analysis not available in this version' };
}
