/**
 * Pickle artifacts, and content of unknown type probed for a pickle (protocol 0/1 pickles have no
 * magic): the pickle check's outcome becomes findings; anything else is plain data.
 */
import { BufferSource } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import { scanChatTemplateText } from './chat-template-files.js';
import { bytesStream, type Content, sourceContent } from './content.js';
import { scanDependencyFile } from './dependencies.js';
import { extensionOf } from './extension.js';
import { scanPickle } from './pickle.js';
import { detectProtobufModel } from './protobuf-models.js';
import { scanSecretsText } from './secrets.js';
import type { Analysis, ScanState, Target } from './types.js';

/** Pickle, or content of unknown type probed for one (protocol 0/1 pickles have no magic). */
/**
 * `probe`: the content's type is unknown (no pickle magic); `binary`: it is not text either, so if no
 * format matches it is listed as skipped (never as clean).
 */
export async function analysePickle(
  state: ScanState,
  t: Target,
  probe: boolean,
  binary = false,
): Promise<Analysis> {
  const window = t.probeWindow;
  if (probe && window !== undefined && (t.content.size === undefined || t.content.size > window)) {
    // Large member of unknown type: decide on a window before reading it whole.
    const head = await t.content.head(window);
    const quick = await scanPickle(
      { location: t.location, open: () => bytesStream(head), context: t.context, probe: true },
      { policy: state.policy, limits: state.limits, nested: async () => [] },
    );
    // A window that parses cleanly to its end decides nothing (a protocol-0/1 pickle may pad its
    // payload past it): only a window that breaks early rules the content out.
    if (!quick.isPickle && !quick.undecided) return await notPickle(state, t, binary);
  }
  const outcome = await scanPickle(
    { location: t.location, open: (o) => t.content.open(o), context: t.context, probe },
    {
      policy: state.policy,
      limits: state.limits,
      nested: async (bytes, location) => {
        const sub: ScanState = { ...state, findings: [] };
        await state.analyse(sub, {
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
  if (!outcome.isPickle) return await notPickle(state, t, binary);
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

/** Formats this version recognises only by name and does not analyse: a hint for reporting, never for routing. */
const LATER_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.tflite': 'TFLite',
};

/** Content that is no pickle: an ONNX or TensorFlow graph, or plain data (unless its name promises an unanalysed format). */
async function notPickle(state: ScanState, t: Target, binary: boolean): Promise<Analysis> {
  if (t.content.size === 0) return { format: 'empty' };
  // Secrets are looked for in every text, which then goes on to its own analysis.
  if (!binary) await scanSecretsText(state, t);
  const dependencies = await scanDependencyFile(state, t);
  if (dependencies) return dependencies;
  const model = await detectProtobufModel(state, t);
  if (model) return model;
  // Chat templates are text: binary content (tensor storages, raw data) is never read whole for them.
  if (!binary) {
    const template = await scanChatTemplateText(state, t);
    if (template) return template;
  }
  const what = LATER_BY_EXTENSION[extensionOf(t.name)];
  if (what === undefined) {
    return binary
      ? {
          format: 'data',
          skipped: 'unrecognised binary content: no pickle, archive or model format found in it',
        }
      : { format: 'data' };
  }
  state.findings.push(
    makeFinding('VAC-FMT-003', {
      message: `content is not a pickle; named as ${what}, which this version does not analyse`,
      location: t.location,
      evidence: { details: { hint: what } },
    }),
  );
  return { format: 'data', skipped: `${what} is not analysed by this version` };
}

export function bytesContent(bytes: Uint8Array): Content {
  return sourceContent(new BufferSource(bytes));
}
