/** safetensors artifacts (analyser pending: recognised and reported as skipped, never as clean). */
import { makeFinding } from '../findings.js';
import type { Analysis, ScanState, Target } from './types.js';

export async function scanSafetensors(state: ScanState, t: Target): Promise<Analysis> {
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message: 'safetensors content recognised; its analyser ships with the next format release',
      location: t.location,
      evidence: { details: { format: 'safetensors' } },
    }),
  );
  return { format: 'safetensors', skipped: 'safetensors analysis not available in this version' };
}
