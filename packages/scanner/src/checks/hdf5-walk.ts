/**
 * Walks every link of an open HDF5 file without following any that could leave it: each link's kind
 * is read from the link itself (soft, external) before anything resolves it; only hard links to
 * groups are descended into. Datasets are checked from their metadata; contiguous ones are probed
 * with a one-element read, which is where external raw-data storage shows itself.
 */
import type { FindingLocation } from '../findings.js';
import { makeFinding } from '../findings.js';
import type { Hdf5Runtime } from './hdf5-runtime.js';
import { diagnostic, type Hdf5Sink, malformed } from './hdf5-sink.js';

export const HDF5_LIMITS = Object.freeze({
  /** Links visited per file (CWE-400: link-count bombs). */
  maxLinks: 100_000,
  /** Group nesting; hard-link cycles would otherwise recurse forever (CWE-674). */
  maxGroupDepth: 64,
  /** Contiguous datasets probed with a one-element read (CWE-400). */
  maxProbes: 10_000,
});

export function walkHdf5(state: Hdf5Sink, location: FindingLocation, rt: Hdf5Runtime, fileId: bigint): void {
  const M = rt.module;
  const queue: Array<{ path: string; depth: number }> = [{ path: '/', depth: 0 }];
  let links = 0;
  let probes = 0;
  const limit = (what: string, n: number): void => {
    state.findings.push(
      makeFinding('VAC-HDF-006', {
        message: `${what} (limit ${n}); the rest of the file was not analysed`,
        location,
        evidence: { details: { limit: n } },
      }),
    );
  };

  while (queue.length > 0) {
    const g = queue.shift()!;
    let names: string[];
    try {
      names = M.get_names(fileId, g.path, false) as unknown as string[];
    } catch (e) {
      malformed(state, location, `group ${g.path} unreadable: ${diagnostic(rt, e)}`);
      continue;
    }
    for (const name of names) {
      if (++links > HDF5_LIMITS.maxLinks) {
        limit(`more than ${HDF5_LIMITS.maxLinks} links`, HDF5_LIMITS.maxLinks);
        return;
      }
      const path = g.path === '/' ? `/${name}` : `${g.path}/${name}`;
      const soft = M.get_symbolic_link(fileId, path) as unknown as string | null;
      if (typeof soft === 'string') {
        state.findings.push(
          makeFinding('VAC-HDF-002', {
            message: `soft link ${path} -> ${soft}`,
            location,
            evidence: { excerpt: soft.slice(0, 200), details: { link: path.slice(0, 200) } },
          }),
        );
        continue;
      }
      const ext = M.get_external_link(fileId, path) as { filename?: string; obj_path?: string };
      if (typeof ext.filename === 'string') {
        state.findings.push(
          makeFinding('VAC-HDF-001', {
            message: `external link ${path} -> ${ext.filename}:${ext.obj_path ?? ''}`,
            location,
            evidence: {
              excerpt: `${ext.filename}:${ext.obj_path ?? ''}`.slice(0, 200),
              details: { link: path.slice(0, 200), file: ext.filename.slice(0, 200) },
            },
          }),
        );
        continue;
      }
      const type = M.get_type(fileId, path);
      if (type === M.H5G_GROUP) {
        if (g.depth + 1 > HDF5_LIMITS.maxGroupDepth) {
          limit(
            `groups nest deeper than ${HDF5_LIMITS.maxGroupDepth} at ${path.slice(0, 200)}`,
            HDF5_LIMITS.maxGroupDepth,
          );
          continue;
        }
        queue.push({ path, depth: g.depth + 1 });
      } else if (type === M.H5G_DATASET) {
        if (checkDataset(state, location, rt, fileId, path, probes < HDF5_LIMITS.maxProbes)) probes++;
      } else if (type !== M.H5G_TYPE) {
        malformed(state, location, `link ${path} resolves to no readable object (type ${type})`);
      }
    }
  }
}

/** Returns whether a probe read was spent. */
function checkDataset(
  state: Hdf5Sink,
  location: FindingLocation,
  rt: Hdf5Runtime,
  fileId: bigint,
  path: string,
  mayProbe: boolean,
): boolean {
  let meta: ReturnType<Hdf5Runtime['module']['get_dataset_metadata']>;
  try {
    meta = rt.module.get_dataset_metadata(fileId, path);
  } catch (e) {
    malformed(state, location, `dataset ${path} unreadable: ${diagnostic(rt, e)}`);
    return false;
  }
  const outside = (meta.virtual_sources ?? []).filter((s) => s.file_name !== '.');
  if (outside.length > 0) {
    const files = [...new Set(outside.map((s) => s.file_name))];
    state.findings.push(
      makeFinding('VAC-HDF-004', {
        message: `virtual dataset ${path} maps data from ${files.slice(0, 5).join(', ')}`,
        location,
        evidence: {
          excerpt: files.slice(0, 10).join('\n').slice(0, 400),
          details: { dataset: path.slice(0, 200) },
        },
      }),
    );
  }
  const elements = (meta.shape ?? []).reduce((a, b) => a * b, 1);
  const declared = elements * meta.size;
  if (declared > state.maxDeclaredBytes) {
    state.findings.push(
      makeFinding('VAC-HDF-007', {
        message: `dataset ${path} declares ${declared} bytes (shape ${JSON.stringify(meta.shape)}), more than maxDecompressedBytes`,
        location,
        evidence: { details: { dataset: path.slice(0, 200), declared, limit: state.maxDeclaredBytes } },
      }),
    );
    return false;
  }
  // External raw storage requires the contiguous layout; a one-element read makes HDF5 open it.
  // A null dataspace (shape null) holds no data to read.
  if (
    !mayProbe ||
    meta.shape === null ||
    meta.chunks !== null ||
    meta.virtual_sources !== undefined ||
    elements === 0
  )
    return false;
  let failure: unknown;
  try {
    const ds = new rt.h5.Dataset(fileId, path);
    if ((meta.shape ?? []).length === 0) void ds.value;
    else ds.slice((meta.shape ?? []).map(() => [0, 1] as [number, number]));
  } catch (e) {
    failure = e;
  }
  // The library may report the failed external open as an error or just return fill values.
  const attempts = rt.takeOpenAttempts();
  if (attempts.length > 0) {
    rt.takeDiagnostics();
    state.findings.push(
      makeFinding('VAC-HDF-003', {
        message: `dataset ${path} stores its raw data in external files: ${attempts.slice(0, 5).join(', ')}`,
        location,
        evidence: {
          excerpt: attempts.slice(0, 10).join('\n').slice(0, 400),
          details: { dataset: path.slice(0, 200) },
        },
      }),
    );
  } else if (failure !== undefined || rt.hasDiagnostics())
    malformed(
      state,
      location,
      `dataset ${path} data unreadable: ${diagnostic(rt, failure ?? 'HDF5 read error')}`,
    );
  return true;
}
