/** HDF5 artifacts (analyser pending: recognised and reported as skipped, never as clean). */
import { makeFinding } from '../findings.js';
import type { Analysis, ScanState, Target } from './types.js';

export async function scanHdf5(state: ScanState, t: Target): Promise<Analysis> {
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message: 'HDF5 content recognised; its analyser ships with the next format release',
      location: t.location,
      evidence: { details: { format: 'hdf5' } },
    }),
  );
  return { format: 'hdf5', skipped: 'HDF5 analysis not available in this version' };
}
