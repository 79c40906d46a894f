/**
 * The dispatcher: decides what some content is from its bytes and hands it to the check for that
 * format. Containers call back into `analyse` for their members, one level deeper each time.
 */
import { type FormatKind, sniff } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import { scanCompressed } from './compressed.js';
import { extensionFindings } from './extension.js';
import { scanGguf } from './gguf.js';
import { scanHdf5 } from './hdf5.js';
import { scanNpy } from './numpy.js';
import { analysePickle } from './pickle-artifact.js';
import { scanSafetensors } from './safetensors.js';
import { scanTar } from './tar.js';
import type { Analysis, ScanState, Target } from './types.js';
import { scanZip } from './zip.js';

export type { Analyse, Analysis, ScanState, Target } from './types.js';

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
  // Files on disk only: that is where zipfile-based loaders meet them (members are read by name).
  if (kind !== 'zip' && t.depth === 0) await appendedZip(state, t);
  return result;
}

/** Bytes searched from the end for a ZIP end record (the record plus the longest comment). */
const EOCD_WINDOW = 22 + 0xffff;

/**
 * zipfile finds an archive from its end, so content that starts as something else (a pickle, an HDF5
 * file) can also be a ZIP to Keras, numpy.load on .npz, or an extractor: analyse that reading too.
 */
async function appendedZip(state: ScanState, t: Target): Promise<void> {
  const size = t.content.size;
  const source = t.content.source;
  if (!source || size === undefined || size < 22) return;
  const len = Math.min(size, EOCD_WINDOW);
  const tail = await source.read(size - len, len);
  let found = -1;
  for (let i = tail.length - 22; i >= 0 && found < 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && tail[i + 2] === 0x05 && tail[i + 3] === 0x06) {
      const comment = tail[i + 20]! | (tail[i + 21]! << 8);
      if (i + 22 + comment === tail.length) found = i;
    }
  }
  if (found < 0) return;
  state.findings.push(
    makeFinding('VAC-FMT-004', {
      message:
        'a ZIP end-of-central-directory record ends this content, so zipfile-based loaders read it as an archive',
      location: { ...t.location, offset: size - len + found },
    }),
  );
  await scanZip(state, {
    ...t,
    location: { ...t.location, members: [...(t.location.members ?? []), '<zip read from the end>'] },
    depth: t.depth + 1,
  });
}

async function dispatch(state: ScanState, t: Target, kind: FormatKind, head: Uint8Array): Promise<Analysis> {
  switch (kind) {
    case 'pickle':
    case 'text':
    case 'unknown':
      return analysePickle(state, t, kind !== 'pickle', kind === 'unknown');
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
      return scanGguf(state, t);
    case 'hdf5':
      return scanHdf5(state, t);
    case 'safetensors':
      return scanSafetensors(state, t);
  }
}
