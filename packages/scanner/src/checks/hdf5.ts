/**
 * HDF5 artifacts (legacy Keras .h5, Keras 3 model.weights.h5): open with the sandboxed HDF5 library,
 * never following a link or reading outside the file; report links and storage that reach other
 * files, implausible dataset sizes, and run the Keras config rules on the model_config and
 * training_config attributes. A file the library cannot read is a finding, never clean.
 */
import fs from 'node:fs';
import { collectStream, KERAS_LIMITS } from '@vacsrp/formats';
import { type FindingLocation, makeFinding } from '../findings.js';
import { type Hdf5Runtime, hdf5Runtime, type SyncReader, bytesReader, fdReader } from './hdf5-runtime.js';
import { walkHdf5 } from './hdf5-walk.js';
import { analyseKerasConfig } from './keras-config.js';
import type { Analysis, ScanState, Target } from './types.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Root attributes that hold Keras configs as JSON text. */
const CONFIG_ATTRIBUTES = ['model_config', 'training_config'] as const;

export async function scanHdf5(state: ScanState, t: Target): Promise<Analysis> {
  const head = await t.content.head(8);
  if (!SIGNATURE.every((b, i) => head[i] === b)) {
    malformed(state, t.location, 'no HDF5 signature at offset 0');
    return { format: 'hdf5', skipped: 'not an HDF5 file' };
  }
  const input = await openInput(state, t);
  if ('skipped' in input) return { format: 'hdf5', skipped: input.skipped };
  const rt = await hdf5Runtime();
  const mounted = rt.mount(input.size, input.read);
  rt.takeOpenAttempts();
  rt.takeDiagnostics();
  try {
    return await analyseFile(state, t, rt, mounted.path);
  } finally {
    mounted.dispose();
    input.close();
  }
}

type Input = { size: number; read: SyncReader; close: () => void } | { skipped: string };

/**
 * A file on disk is read in place through its descriptor (a 1 GB file is never copied); content
 * inside an archive or stream is buffered when it is small enough, else reported unanalysed.
 */
async function openInput(state: ScanState, t: Target): Promise<Input> {
  const onDisk = t.depth === 0 && (t.location.members?.length ?? 0) === 0 && t.content.source !== undefined;
  if (onDisk) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(t.location.artifact, 'r');
      const st = fs.fstatSync(fd);
      // The same file the scan opened: a regular file of the size it saw.
      if (st.isFile() && st.size === t.content.size) {
        const handle = fd;
        return { size: st.size, read: fdReader(handle), close: () => fs.closeSync(handle) };
      }
      fs.closeSync(fd);
    } catch {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  const max = state.limits.maxBufferedArchiveBytes;
  if (t.content.size !== undefined && t.content.size > max) return notBuffered(state, t, max);
  const { bytes, truncated } = await collectStream(t.content.open(), max);
  if (truncated) return notBuffered(state, t, max);
  return { size: bytes.length, read: bytesReader(bytes), close: () => {} };
}

function notBuffered(state: ScanState, t: Target, max: number): Input {
  state.findings.push(
    makeFinding('VAC-H5-006', {
      message: `HDF5 content inside a container is larger than ${max} bytes (maxBufferedArchiveBytes); not analysed`,
      location: t.location,
      evidence: { details: { limit: max, ...(t.content.size !== undefined ? { size: t.content.size } : {}) } },
    }),
  );
  return { skipped: 'HDF5 member too large to buffer' };
}

async function analyseFile(state: ScanState, t: Target, rt: Hdf5Runtime, path: string): Promise<Analysis> {
  let file: InstanceType<Hdf5Runtime['h5']['File']>;
  try {
    file = new rt.h5.File(path, 'r');
    if (file.file_id < 0n) throw new Error('H5Fopen failed');
  } catch (e) {
    malformed(state, t.location, `the HDF5 library cannot open the file: ${diagnostic(rt, e)}`);
    return { format: 'hdf5', skipped: 'unreadable HDF5' };
  }
  try {
    await configAttributes(state, t, rt, file.file_id);
    walkHdf5(state, t.location, rt, file.file_id);
    if (rt.hasDiagnostics()) malformed(state, t.location, `the HDF5 library reported errors: ${diagnostic(rt, 'read error')}`);
    const outside = rt.takeOpenAttempts();
    if (outside.length > 0)
      state.findings.push(
        makeFinding('VAC-H5-003', {
          message: `reading the file made the HDF5 library try to open other files: ${outside.slice(0, 5).join(', ')}`,
          location: t.location,
          evidence: { excerpt: outside.slice(0, 10).join('\n') },
        }),
      );
    return { format: 'hdf5' };
  } finally {
    try {
      file.close();
    } catch {
      // a file the library half-opened may refuse to close; the sandbox entry is removed regardless
    }
  }
}

async function configAttributes(state: ScanState, t: Target, rt: Hdf5Runtime, fileId: bigint): Promise<void> {
  let names: string[];
  try {
    names = rt.module.get_attribute_names(fileId, '/');
  } catch (e) {
    malformed(state, t.location, `root attributes unreadable: ${diagnostic(rt, e)}`);
    return;
  }
  for (const name of CONFIG_ATTRIBUTES) {
    if (!names.includes(name)) continue;
    const bytes = readTextAttribute(state, t.location, rt, fileId, name);
    if (bytes === undefined) continue;
    await analyseKerasConfig(state, t, bytes, {
      location: t.location,
      label: `HDF5 attribute ${name}`,
      legacyH5: true,
    });
  }
}

function readTextAttribute(
  state: ScanState,
  location: FindingLocation,
  rt: Hdf5Runtime,
  fileId: bigint,
  name: string,
): Uint8Array | undefined {
  try {
    const meta = rt.module.get_attribute_metadata(fileId, '/', name);
    const declared = meta.total_size * meta.size;
    if (declared > KERAS_LIMITS.maxBytes) {
      state.findings.push(
        makeFinding('VAC-H5-006', {
          message: `attribute ${name} declares ${declared} bytes (limit ${KERAS_LIMITS.maxBytes}); not analysed`,
          location,
          evidence: { details: { attribute: name, limit: KERAS_LIMITS.maxBytes, declared } },
        }),
      );
      return undefined;
    }
    const value = attributeValue(rt, fileId, name);
    if (typeof value === 'string') return new TextEncoder().encode(value);
    if (value instanceof Uint8Array) return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string')
      return new TextEncoder().encode(value[0]);
    malformed(state, location, `attribute ${name} is not a text value`);
  } catch (e) {
    malformed(state, location, `attribute ${name} unreadable: ${diagnostic(rt, e)}`);
  }
  return undefined;
}

function attributeValue(rt: Hdf5Runtime, fileId: bigint, name: string): unknown {
  const group = new rt.h5.Group(fileId, '/');
  return group.attrs[name]?.value;
}

export function malformed(state: ScanState, location: FindingLocation, message: string): void {
  state.findings.push(makeFinding('VAC-H5-005', { message, location }));
}

/** The library's own words, bounded: the JS error plus the HDF5 diagnostic stack it printed. */
export function diagnostic(rt: Hdf5Runtime, e: unknown): string {
  const d = rt.takeDiagnostics();
  const major = /#\d{3}: .*?\n\s+major: (.*)\n\s+minor: (.*)/.exec(d);
  const msg = e instanceof Error ? e.message : String(e);
  return (major ? `${msg} (${major[1]}: ${major[2]})` : msg).slice(0, 300);
}
