/** Keras v3 `.keras` archives (analyser pending: members are scanned, the config is not yet). */
import type { ByteSource, ZipEntry } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import type { Analysis, ScanState, Target } from './types.js';

/** Called by the zip check for archives with config.json and metadata.json/model.weights.* at the root. */
export async function scanKerasArchive(
  state: ScanState,
  t: Target,
  _source: ByteSource,
  _files: readonly ZipEntry[],
): Promise<Analysis> {
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message:
        'Keras v3 archive: members were scanned for pickles; Keras config analysis ships with the next format release',
      location: t.location,
      evidence: { details: { format: 'keras' } },
    }),
  );
  return { format: 'keras', skipped: 'Keras config analysis not available in this version' };
}
