/**
 * The dispatcher: decides what some content is from its bytes and hands it to the check for that
 * format. Containers call back into `analyse` for their members, one level deeper each time.
 */
import { BufferSource, type FormatKind, sniff } from '@vacsrp/formats';
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import type { ScanLimits } from '../limits.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import { scanCompressed } from './compressed.js';
import { type Content, sourceContent } from './content.js';
import { extensionFindings, extensionOf } from './extension.js';
import { scanNpy } from './numpy.js';
import { type StorageRef, scanPickle } from './pickle.js';
import { scanTar } from './tar.js';
import { scanZip } from './zip.js';

export interface ScanState {
  readonly policy: Policy;
  readonly limits: ScanLimits;
  readonly findings: Finding[];
  /** Archive members visited under the current artifact. */
  members: number;
}

export interface Target {
  readonly content: Content;
  /** File or member name: only for the extension check, never for routing. */
  readonly name: string;
  readonly location: FindingLocation;
  readonly depth: number;
  /** The loader context inherited from the container (a pickle inside a PyTorch zip loads with torch.load). */
  readonly context: PolicyContext;
  /** Set for archive members whose type is unknown: probe only a window for a pickle, then read it whole. */
  readonly probeWindow?: number;
}

export interface Analysis {
  /** The format as reported (e.g. `pytorch-zip`, `pickle`, `data`). */
  readonly format: string;
  /** Set when the content was recognised but not analysed (reported as skipped, never clean). */
  readonly skipped?: string;
  /** PyTorch storage IDs a pickle named (checked against the archive's data/ members). */
  readonly storages?: readonly StorageRef[];
}

/** Formats recognised but analysed in a later release. */
const NOT_YET: Partial<Record<FormatKind, string>> = {
  gguf: 'GGUF',
  hdf5: 'HDF5',
  safetensors: 'safetensors',
};

export async function analyse(state: ScanState, t: Target): Promise<Analysis> {
  if (t.depth > state.limits.maxNestingDepth) {
    state.findings.push(
      makeFinding('VAC-ARC-005', {
        message: `nested ${t.depth} containers deep (limit ${state.limits.maxNestingDepth}); not analysed`,
        location: t.location,
        evidence: { details: { limit: state.limits.maxNestingDepth } },
      }),
    );
    return { format: 'unknown', skipped: 'nesting depth limit' };
  }
  const head = await t.content.head();
  const kind = sniff(head, t.content.size ?? head.length);
  const result = await dispatch(state, t, kind, head);
  state.findings.push(...extensionFindings(t.name, result.format, t.location));
  return result;
}

async function dispatch(state: ScanState, t: Target, kind: FormatKind, head: Uint8Array): Promise<Analysis> {
  switch (kind) {
    case 'pickle':
    case 'text':
    case 'unknown':
      return analysePickle(state, t, kind !== 'pickle');
    case 'zip':
      return scanZip(state, t);
    case 'tar':
      return scanTar(state, t);
    case 'gzip':
    case 'bzip2':
    case 'xz':
    case 'lzma':
    case 'zlib':
      return scanCompressed(state, t, kind);
    case 'npy':
      return scanNpy(state, t, head);
    case '7z':
    case 'lz4': {
      state.findings.push(
        makeFinding('VAC-ARC-004', {
          message: `${kind === '7z' ? '7-Zip archive' : 'LZ4 frame'}: no maintained reader for this container is bundled, so its content was not analysed (nullifAI shipped PyTorch payloads as 7z)`,
          location: t.location,
          evidence: { details: { container: kind } },
        }),
      );
      return { format: kind, skipped: `${kind} content not analysed` };
    }
    case 'gguf':
    case 'hdf5':
    case 'safetensors': {
      const what = NOT_YET[kind]!;
      state.findings.push(
        makeFinding('VAC-FMT-003', {
          message: `${what} content recognised; its analyser ships with the next format release`,
          location: t.location,
          evidence: { details: { format: kind } },
        }),
      );
      return { format: kind, skipped: `${what} analysis not available in this version` };
    }
  }
}

/** Pickle, or content of unknown type probed for one (protocol 0/1 pickles have no magic). */
export async function analysePickle(state: ScanState, t: Target, probe: boolean): Promise<Analysis> {
  const window = t.probeWindow;
  if (probe && window !== undefined && (t.content.size === undefined || t.content.size > window)) {
    // Large member of unknown type: decide on a window before reading it whole.
    const head = await t.content.head(window);
    const quick = await scanPickle(
      { location: t.location, open: () => single(head), context: t.context, probe: true },
      { policy: state.policy, limits: state.limits, nested: async () => [] },
    );
    if (!quick.isPickle) return notPickle(state, t);
  }
  const outcome = await scanPickle(
    { location: t.location, open: (o) => t.content.open(o), context: t.context, probe },
    {
      policy: state.policy,
      limits: state.limits,
      nested: async (bytes, location) => {
        const sub: ScanState = { ...state, findings: [] };
        await analyse(sub, {
          content: bytesContent(bytes),
          name: '',
          location,
          depth: t.depth + 1,
          context: 'pickle',
        });
        return sub.findings;
      },
    },
  );
  if (!outcome.isPickle) return notPickle(state, t);
  state.findings.push(...outcome.findings);
  if (outcome.format === 'pytorch-legacy') {
    state.findings.push(
      makeFinding('VAC-PT-004', {
        message: `legacy PyTorch checkpoint: ${outcome.streams} stacked pickle streams analysed, storage data follows`,
        location: t.location,
      }),
    );
  }
  return { format: outcome.format, storages: outcome.storages };
}

/** Names of formats whose analysers come with a later release; only a hint for reporting, never for routing. */
const LATER_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.onnx': 'ONNX',
  '.pb': 'TensorFlow protobuf',
  '.pbtxt': 'TensorFlow protobuf',
  '.tflite': 'TFLite',
};

/** Content that is no pickle: plain data, unless its name promises a format analysed later. */
function notPickle(state: ScanState, t: Target): Analysis {
  if (t.content.size === 0) return { format: 'empty' };
  const what = LATER_BY_EXTENSION[extensionOf(t.name)];
  if (what === undefined) return { format: 'data' };
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message: `content is not a pickle; named as ${what}, whose analyser ships with the next format release`,
      location: t.location,
      evidence: { details: { hint: what } },
    }),
  );
  return { format: 'data', skipped: `${what} analysis not available in this version` };
}

async function* single(bytes: Uint8Array) {
  yield bytes;
}

export function bytesContent(bytes: Uint8Array): Content {
  return sourceContent(new BufferSource(bytes));
}
