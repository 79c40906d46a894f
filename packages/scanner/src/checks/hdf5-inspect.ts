/**
 * What runs inside the HDF5 worker: open one file in the sandbox, walk it (hdf5-walk.ts), read the
 * Keras config attributes as bytes, and return plain data. The Keras rules run on the main thread,
 * where embedded pickles can be handed to the dispatcher.
 */
import fs from 'node:fs';
import { KERAS_LIMITS } from '@vacsrp/formats';
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import { bytesReader, fdReader, type Hdf5Runtime, type SyncReader } from './hdf5-runtime.js';
import { diagnostic, type Hdf5Sink, malformed } from './hdf5-sink.js';
import { walkHdf5 } from './hdf5-walk.js';

/** Root attributes that hold Keras configs as JSON text. */
export const CONFIG_ATTRIBUTES = ['model_config', 'training_config'] as const;

export type Hdf5Input =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array };

export interface Hdf5Request {
  readonly input: Hdf5Input;
  readonly location: FindingLocation;
  /** Datasets declaring more bytes than this are shape bombs (the scan's maxDecompressedBytes). */
  readonly maxDeclaredBytes: number;
}

export interface Hdf5Result {
  readonly findings: Finding[];
  readonly configs: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }>;
  /** Set when the file could not be opened at all. */
  readonly skipped?: string;
}

export function inspectHdf5(rt: Hdf5Runtime, req: Hdf5Request): Hdf5Result {
  const sink: Hdf5Sink = { findings: [], maxDeclaredBytes: req.maxDeclaredBytes };
  const source = openSource(req.input);
  if (typeof source === 'string') {
    malformed(sink, req.location, source);
    return { findings: sink.findings, configs: [], skipped: 'unreadable file' };
  }
  const mounted = rt.mount(source.size, source.read);
  rt.takeOpenAttempts();
  rt.takeDiagnostics();
  try {
    let file: InstanceType<Hdf5Runtime['h5']['File']>;
    try {
      file = new rt.h5.File(mounted.path, 'r');
      if (file.file_id < 0n) throw new Error('H5Fopen failed');
    } catch (e) {
      malformed(sink, req.location, `the HDF5 library cannot open the file: ${diagnostic(rt, e)}`);
      return { findings: sink.findings, configs: [], skipped: 'unreadable HDF5' };
    }
    try {
      const configs = configAttributes(sink, req.location, rt, file.file_id);
      walkHdf5(sink, req.location, rt, file.file_id);
      if (rt.hasDiagnostics())
        malformed(sink, req.location, `the HDF5 library reported errors: ${diagnostic(rt, 'read error')}`);
      const outside = rt.takeOpenAttempts();
      if (outside.length > 0)
        sink.findings.push(
          makeFinding('VAC-HDF-003', {
            message: `reading the file made the HDF5 library try to open other files: ${outside.slice(0, 5).join(', ')}`,
            location: req.location,
            evidence: { excerpt: outside.slice(0, 10).join('\n') },
          }),
        );
      return { findings: sink.findings, configs };
    } finally {
      try {
        file.close();
      } catch {
        // a half-opened file may refuse to close; the sandbox entry is removed regardless
      }
    }
  } finally {
    mounted.dispose();
    source.close();
  }
}

/** A file is read in place through its descriptor (never copied); must still be the file the scan saw. */
function openSource(input: Hdf5Input): { size: number; read: SyncReader; close: () => void } | string {
  if (input.kind === 'bytes')
    return { size: input.bytes.length, read: bytesReader(input.bytes), close: () => {} };
  let fd: number | undefined;
  try {
    fd = fs.openSync(input.path, 'r');
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size !== input.size) throw new Error('file changed during the scan');
    const handle = fd;
    return { size: st.size, read: fdReader(handle), close: () => fs.closeSync(handle) };
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    return `cannot reopen the file for the HDF5 library: ${(e as Error).message}`;
  }
}

function configAttributes(
  sink: Hdf5Sink,
  location: FindingLocation,
  rt: Hdf5Runtime,
  fileId: bigint,
): Array<{ name: string; bytes: Uint8Array }> {
  let names: string[];
  try {
    names = rt.module.get_attribute_names(fileId, '/');
  } catch (e) {
    malformed(sink, location, `root attributes unreadable: ${diagnostic(rt, e)}`);
    return [];
  }
  const out: Array<{ name: string; bytes: Uint8Array }> = [];
  for (const name of CONFIG_ATTRIBUTES) {
    if (!names.includes(name)) continue;
    const bytes = readTextAttribute(sink, location, rt, fileId, name);
    if (bytes) out.push({ name, bytes });
  }
  return out;
}

function readTextAttribute(
  sink: Hdf5Sink,
  location: FindingLocation,
  rt: Hdf5Runtime,
  fileId: bigint,
  name: string,
): Uint8Array | undefined {
  try {
    const meta = rt.module.get_attribute_metadata(fileId, '/', name);
    const declared = meta.total_size * meta.size;
    if (declared > KERAS_LIMITS.maxBytes) {
      sink.findings.push(
        makeFinding('VAC-HDF-006', {
          message: `attribute ${name} declares ${declared} bytes (limit ${KERAS_LIMITS.maxBytes}); not analysed`,
          location,
          evidence: { details: { attribute: name, limit: KERAS_LIMITS.maxBytes, declared } },
        }),
      );
      return undefined;
    }
    const value: unknown = new rt.h5.Group(fileId, '/').attrs[name]?.value;
    if (typeof value === 'string') return new TextEncoder().encode(value);
    if (value instanceof Uint8Array) return value;
    if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string')
      return new TextEncoder().encode(value[0]);
    malformed(sink, location, `attribute ${name} is not a text value`);
  } catch (e) {
    malformed(sink, location, `attribute ${name} unreadable: ${diagnostic(rt, e)}`);
  }
  return undefined;
}
