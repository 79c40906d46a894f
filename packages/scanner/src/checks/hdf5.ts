/**
 * HDF5 artifacts (legacy Keras .h5, Keras 3 model.weights.h5): the sandboxed HDF5 library inspects
 * the file in a worker (hdf5-pool.ts, hdf5-inspect.ts) without following any link or reading outside
 * it; here its findings join the scan and the Keras rules run on the model_config and
 * training_config attributes. A file the library cannot read is a finding, never clean.
 */
import { collectStream } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import type { Hdf5Input } from './hdf5-inspect.js';
import { hdf5TimeLimit, inspectInWorker } from './hdf5-pool.js';
import { analyseKerasConfig } from './keras-config.js';
import type { Analysis, ScanState, Target } from './types.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export async function scanHdf5(state: ScanState, t: Target): Promise<Analysis> {
  const head = await t.content.head(8);
  if (!SIGNATURE.every((b, i) => head[i] === b)) {
    state.findings.push(
      makeFinding('VAC-HDF-005', { message: 'no HDF5 signature at offset 0', location: t.location }),
    );
    return { format: 'hdf5', skipped: 'not an HDF5 file' };
  }
  const input = await inputFor(state, t);
  if (!input) return { format: 'hdf5', skipped: 'HDF5 member too large to buffer' };
  const outcome = await inspectInWorker(
    { input, location: t.location, maxDeclaredBytes: state.limits.maxDecompressedBytes },
    hdf5TimeLimit(t.content.size ?? 0),
  );
  if ('failure' in outcome) {
    state.findings.push(makeFinding('VAC-HDF-005', { message: outcome.failure, location: t.location }));
    return { format: 'hdf5', skipped: 'HDF5 analysis failed' };
  }
  state.findings.push(...outcome.result.findings);
  for (const c of outcome.result.configs)
    await analyseKerasConfig(state, t, c.bytes, {
      location: t.location,
      label: `HDF5 attribute ${c.name}`,
      legacyH5: true,
    });
  return outcome.result.skipped ? { format: 'hdf5', skipped: outcome.result.skipped } : { format: 'hdf5' };
}

/**
 * A file on disk is handed over by path and read in place (a 1 GB file is never copied); content
 * inside an archive or stream is buffered when small enough, else reported unanalysed.
 */
async function inputFor(state: ScanState, t: Target): Promise<Hdf5Input | undefined> {
  const onDisk = t.depth === 0 && (t.location.members?.length ?? 0) === 0 && t.content.source !== undefined;
  if (onDisk && t.content.size !== undefined)
    return { kind: 'file', path: t.location.artifact, size: t.content.size };
  const max = state.limits.maxBufferedArchiveBytes;
  const fits = t.content.size === undefined || t.content.size <= max;
  const collected = fits ? await collectStream(t.content.open(), max) : undefined;
  if (collected && !collected.truncated) return { kind: 'bytes', bytes: collected.bytes.slice() };
  state.findings.push(
    makeFinding('VAC-HDF-006', {
      message: `HDF5 content inside a container is larger than ${max} bytes (maxBufferedArchiveBytes); not analysed`,
      location: t.location,
      evidence: {
        details: { limit: max, ...(t.content.size !== undefined ? { size: t.content.size } : {}) },
      },
    }),
  );
  return undefined;
}
