/**
 * ONNX models and TensorFlow SavedModel / GraphDef files: protobuf, so they have no magic number.
 * Called for content that is not a pickle; decides from structure alone: the first field header must
 * be one these messages can start with, the top level must consume every byte, and a full parse must
 * find the required fields (ModelProto: ir_version and graph; SavedModel: a meta graph with a
 * graph_def; GraphDef: nodes with names and ops). Returns undefined when the bytes are neither.
 */
import {
  BufferSource,
  type ByteSource,
  collectStream,
  type OnnxModel,
  PROTOBUF_STRUCTURAL_CODES,
  ProtoReader,
  parseGraphDef,
  parseGraphDefText,
  parseOnnxModel,
  parseSavedModel,
  scanTopLevelStream,
  TF_LIMITS,
  TF_TEXT_TOP_LEVEL,
  type TfGraphModel,
} from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import { extensionOf } from './extension.js';
import { onnxFindings } from './onnx.js';
import { tensorflowFindings } from './tensorflow.js';
import type { Analysis, ScanState, Target } from './types.js';

/** (field number, wire type) pairs that may open each message; anything else fails on the first byte. */
const ONNX_TOP: ReadonlyMap<number, number> = new Map([
  [1, 0],
  [2, 2],
  [3, 2],
  [4, 2],
  [5, 0],
  [6, 2],
  [7, 2],
  [8, 2],
  [14, 2],
  [20, 2],
  [25, 2],
  [26, 2],
]);
const SAVED_MODEL_TOP: ReadonlyMap<number, number> = new Map([
  [1, 0],
  [2, 2],
]);
const GRAPH_DEF_TOP: ReadonlyMap<number, number> = new Map([
  [1, 2],
  [2, 2],
  [3, 0],
  [4, 2],
  [5, 2],
]);

/** Wire-format faults: after one, the bytes are not the message they started to look like. */
const STRUCTURAL: ReadonlySet<string> = PROTOBUF_STRUCTURAL_CODES;

/** Operator names as the runtimes register them; a name outside this shape is not an operator. */
const OP_NAME = /^[A-Za-z_][A-Za-z0-9_.>-]{0,127}$/;

type Kind = 'onnx' | 'saved-model' | 'graph-def';

/** Bytes of an oversized text parsed to decide whether it is a graph before reporting it unanalysed. */
const TEXT_PROBE_BYTES = 1 << 20;

export async function detectProtobufModel(state: ScanState, t: Target): Promise<Analysis | undefined> {
  const head = await t.content.head(1024);
  if (head.length === 0) return undefined;
  if (looksLikeTextGraph(head)) {
    const text = await detectTextGraph(state, t);
    if (text) return text;
  }
  const candidates = firstTagCandidates(head, t.content.size);
  if (candidates.length === 0) return hinted(state, t, { protobuf: false });
  // Top level first: cheap (headers only, payloads skipped) and decisive for most non-protobuf bytes.
  const top = t.content.source ? await topLevel(t.content.source) : await streamTopLevel(t);
  if ('fault' in top) return hinted(state, t, { protobuf: false, fault: top.fault });
  const kinds = candidates.filter((k) => fitsTop(k, top.fields));
  if (kinds.length === 0) return hinted(state, t, { protobuf: true });
  const source = await randomAccess(state, t, kinds[0]!);
  if ('format' in source) return source;
  for (const kind of kinds) {
    if (kind === 'onnx') {
      const model = await parseOnnxModel(source);
      if (!isOnnx(model)) continue;
      await onnxFindings(state, t, model);
      return { format: 'onnx' };
    }
    const model = kind === 'saved-model' ? await parseSavedModel(source) : await parseGraphDef(source);
    if (!isTfGraph(model)) continue;
    tensorflowFindings(state, t, model);
    return { format: kind === 'saved-model' ? 'tf-savedmodel' : 'tf-graphdef' };
  }
  return hinted(state, t, { protobuf: true });
}

function firstTagCandidates(head: Uint8Array, size: number | undefined): Kind[] {
  let tag = 0;
  let i = 0;
  for (let scale = 1; i < 5 && i < head.length; i++, scale *= 128) {
    tag += (head[i]! & 0x7f) * scale;
    if ((head[i]! & 0x80) === 0) break;
  }
  if (i >= head.length || i >= 5) return [];
  const field = Math.floor(tag / 8);
  const wire = tag % 8;
  // A length-delimited first field must declare a length that fits the content.
  if (wire === 2 && size !== undefined) {
    let len = 0;
    let j = i + 1;
    for (let scale = 1; j < head.length && j < i + 11; j++, scale *= 128) {
      len += (head[j]! & 0x7f) * scale;
      if ((head[j]! & 0x80) === 0) break;
    }
    if (j >= head.length || len > size - j - 1) return [];
  }
  const out: Kind[] = [];
  if (ONNX_TOP.get(field) === wire) out.push('onnx');
  if (SAVED_MODEL_TOP.get(field) === wire) out.push('saved-model');
  if (GRAPH_DEF_TOP.get(field) === wire) out.push('graph-def');
  return out;
}

type TopLevel = { fields: ReadonlyMap<number, ReadonlySet<number>> } | { fault: string };

/** Top-level (field, wire) pairs, or the first fault when the top level does not decode to the last byte. */
async function topLevel(source: ByteSource): Promise<TopLevel> {
  const r = new ProtoReader(source);
  const fields = new Map<number, Set<number>>();
  for await (const f of r.fields(0, source.size, 0, 'message')) {
    fields.set(f.number, (fields.get(f.number) ?? new Set()).add(f.wire));
  }
  const a = r.anomalies[0];
  if (!a) return { fields };
  return { fault: `${a.message} (${a.code})${a.offset === undefined ? '' : ` at offset ${a.offset}`}` };
}

async function streamTopLevel(t: Target): Promise<TopLevel> {
  const top = await scanTopLevelStream(t.content.open());
  return top ?? { fault: 'not a well-formed protobuf message' };
}

function fitsTop(kind: Kind, top: ReadonlyMap<number, ReadonlySet<number>>): boolean {
  const schema = kind === 'onnx' ? ONNX_TOP : kind === 'saved-model' ? SAVED_MODEL_TOP : GRAPH_DEF_TOP;
  const required = kind === 'onnx' ? [1, 7] : kind === 'saved-model' ? [2] : [1];
  if (!required.every((f) => top.get(f)?.has(schema.get(f)!))) return false;
  // Known fields must carry their own wire type; unknown field numbers are allowed only for ONNX,
  // whose schema grows with each IR version.
  for (const [field, wires] of top) {
    const want = schema.get(field);
    if (want === undefined ? kind !== 'onnx' : wires.size !== 1 || !wires.has(want)) return false;
  }
  return true;
}

function isOnnx(m: OnnxModel): boolean {
  const structural = m.anomalies.some((a) => STRUCTURAL.has(a.code));
  return (
    !structural &&
    m.irVersion !== undefined &&
    m.irVersion >= 1 &&
    m.irVersion <= 1000 &&
    m.hasGraph &&
    m.nodes.every((n) => OP_NAME.test(n.opType))
  );
}

function isTfGraph(m: TfGraphModel): boolean {
  const structural = m.anomalies.some((a) => STRUCTURAL.has(a.code));
  if (structural || m.graphDefs === 0) return false;
  if (m.kind === 'graph-def' && m.nodes.length === 0) return false;
  return m.nodes.every((n) => OP_NAME.test(n.op) && (m.kind !== 'graph-def' || n.name !== ''));
}

/** Stream-only content (a deflated member, a decompressed stream) is buffered up to the archive limit. */
async function randomAccess(state: ScanState, t: Target, kind: Kind): Promise<ByteSource | Analysis> {
  if (t.content.source) return t.content.source;
  const max = state.limits.maxBufferedArchiveBytes;
  const { bytes, truncated } = await collectStream(t.content.open(), max);
  if (!truncated) return new BufferSource(bytes);
  const onnx = kind === 'onnx';
  state.findings.push(
    makeFinding(onnx ? 'VAC-ONNX-008' : 'VAC-TF-006', {
      message: `${onnx ? 'ONNX model' : 'TensorFlow graph'} in a compressed stream larger than maxBufferedArchiveBytes (${max}); not analysed`,
      location: t.location,
      evidence: { details: { limit: max } },
    }),
  );
  const format = onnx ? 'onnx' : kind === 'saved-model' ? 'tf-savedmodel' : 'tf-graphdef';
  return { format, skipped: 'compressed model over the buffering limit' };
}

/** A text graph starts (after comments and blanks) with a GraphDef or SavedModel field name. */
function looksLikeTextGraph(head: Uint8Array): boolean {
  const s = new TextDecoder('latin1').decode(head);
  const m = /^(?:\s|#[^\n]*\n)*([A-Za-z_][A-Za-z0-9_]*)\s*[:{<]/.exec(s);
  return m !== null && TF_TEXT_TOP_LEVEL.has(m[1]!);
}

async function detectTextGraph(state: ScanState, t: Target): Promise<Analysis | undefined> {
  const max = TF_LIMITS.maxTextBytes;
  const { bytes, truncated } = await collectStream(t.content.open(), max);
  if (truncated) {
    // Decide from a prefix whether this is a graph at all: a large text that merely starts with
    // "version:" is not one, and must not be reported as an unanalysed graph.
    const prefix = parseGraphDefText(new TextDecoder('utf-8').decode(bytes.subarray(0, TEXT_PROBE_BYTES)));
    if (prefix.nodes.length === 0 || !prefix.nodes.every((n) => OP_NAME.test(n.op))) return undefined;
    state.findings.push(
      makeFinding('VAC-TF-006', {
        message: `text graph larger than ${max} bytes; not analysed`,
        location: t.location,
        evidence: { details: { limit: max } },
      }),
    );
    return { format: 'tf-graphdef-text', skipped: 'text graph over the size limit' };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const model = parseGraphDefText(text);
  if (model.nodes.length === 0 || !model.nodes.every((n) => OP_NAME.test(n.op))) return undefined;
  tensorflowFindings(state, t, model);
  return { format: 'tf-graphdef-text' };
}

const HINTS: Readonly<Record<string, { rule: 'VAC-ONNX-007' | 'VAC-TF-005'; what: string }>> = {
  '.onnx': { rule: 'VAC-ONNX-007', what: 'an ONNX ModelProto' },
  '.pb': { rule: 'VAC-TF-005', what: 'a TensorFlow SavedModel or GraphDef' },
  '.pbtxt': { rule: 'VAC-TF-005', what: 'a TensorFlow text graph' },
};

/**
 * Content that is no model. The name only shapes the message: a file named .onnx or .pbtxt that does
 * not parse, or a .pb that is not even well-formed protobuf, is reported as unanalysable (with the
 * first wire-format fault) rather than as plain data. SavedModel directories hold other protobufs
 * (fingerprint.pb, keras_metadata.pb): well-formed ones are plain data.
 */
function hinted(
  state: ScanState,
  t: Target,
  what: { protobuf: boolean; fault?: string },
): Analysis | undefined {
  const ext = extensionOf(t.name);
  const hint = HINTS[ext];
  if (!hint) return undefined;
  if (ext === '.pb' && what.protobuf) return { format: 'data' };
  state.findings.push(
    makeFinding(hint.rule, {
      message: `named ${ext} but the content is not ${hint.what}${what.fault ? `: ${what.fault}` : ''}`,
      location: t.location,
      evidence: { details: { extension: ext } },
    }),
  );
  return { format: 'data', skipped: `not ${hint.what}` };
}
