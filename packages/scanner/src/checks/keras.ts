/**
 * Keras v3 `.keras` archives: the zip check has already scanned every member (pickles, the weights
 * HDF5); here the model config is read, bounded, and analysed for code, imports and outside files.
 */
import { type ByteSource, collectStream, KERAS_LIMITS, openZipEntry, type ZipEntry } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import { analyseKerasConfig } from './keras-config.js';
import type { Analysis, ScanState, Target } from './types.js';

/** Called by the zip check for archives with config.json and metadata.json/model.weights.* at the root. */
export async function scanKerasArchive(
  state: ScanState,
  t: Target,
  source: ByteSource,
  files: readonly ZipEntry[],
): Promise<Analysis> {
  const location = { ...t.location, members: [...(t.location.members ?? []), 'config.json'] };
  // Keras reads config.json by name; the zip check reports duplicate names, this reads the one zipfile would.
  const entry = files.filter((e) => e.name === 'config.json').at(-1);
  if (!entry?.readable) {
    state.findings.push(
      makeFinding('VAC-KERAS-007', {
        message: 'Keras archive: config.json cannot be read, so the model config was not analysed',
        location,
      }),
    );
    return { format: 'keras' };
  }
  const max = Math.min(KERAS_LIMITS.maxBytes, state.limits.maxDecompressedBytes);
  const reader = openZipEntry(source, entry, {
    maxBytes: max + 1,
    maxRatio: state.limits.maxCompressionRatio,
  });
  const { bytes, truncated } = await collectStream(reader.stream, max + 1);
  // Member-level damage (CRC, sizes) is reported by the zip check, which read this member already.
  if (truncated || bytes.length > max) {
    state.findings.push(
      makeFinding('VAC-KERAS-007', {
        message: `config.json is larger than ${max} bytes; not analysed`,
        location,
        evidence: { details: { limit: max } },
      }),
    );
    return { format: 'keras' };
  }
  await analyseKerasConfig(state, t, bytes, { location, label: 'config.json', legacyH5: false });
  return { format: 'keras' };
}
