import type { Analysis, ScanState, Target } from './artifact.js';
export async function scanZip(_state: ScanState, _t: Target): Promise<Analysis> {
  return { format: 'zip', skipped: 'zip analysis pending' };
}
