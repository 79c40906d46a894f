/** TAR archives (placeholder until the tar reader lands). */
import type { Analysis, ScanState, Target } from './artifact.js';

export async function scanTar(_state: ScanState, _t: Target): Promise<Analysis> {
  return { format: 'tar', skipped: 'tar analysis pending' };
}
