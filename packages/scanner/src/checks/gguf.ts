/**
 * GGUF artifacts: header, metadata and tensor-info validation (never the tensor data), every chat
 * template analysed statically, and bytes no tensor covers sniffed for hidden content.
 */
import { type GgufAnomalyCode, type GgufKv, parseGguf } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import { chatTemplateFindings } from './chat-template.js';
import type { Analysis, ScanState, Target } from './types.js';
import { contentSource, isPlainData, probeUncovered } from './uncovered.js';

const RULE_BY_CODE: Readonly<Record<GgufAnomalyCode, RuleId>> = {
  GGUF_DECLARED_SIZE_EXCEEDS_DATA: 'VAC-GGUF-005',
  GGUF_TENSOR_OUT_OF_BOUNDS: 'VAC-GGUF-005',
  GGUF_SIZE_OVERFLOW: 'VAC-GGUF-005',
  GGUF_BAD_DIM: 'VAC-GGUF-005',
  GGUF_TOO_MANY_DIMS: 'VAC-GGUF-005',
  GGUF_VALUE_OUT_OF_RANGE: 'VAC-GGUF-005',
  GGUF_KEY_TYPE_MISMATCH: 'VAC-GGUF-006',
  GGUF_DUPLICATE_KEY: 'VAC-GGUF-006',
  GGUF_DUPLICATE_TENSOR: 'VAC-GGUF-006',
  GGUF_NESTED_ARRAY: 'VAC-GGUF-006',
  GGUF_BAD_BOOL: 'VAC-GGUF-006',
  GGUF_BAD_UTF8: 'VAC-GGUF-006',
  GGUF_BAD_ALIGNMENT: 'VAC-GGUF-006',
  GGUF_TENSOR_NAME_TOO_LONG: 'VAC-GGUF-006',
  GGUF_UNKNOWN_TENSOR_TYPE: 'VAC-GGUF-006',
  GGUF_BLOCK_MISALIGNED: 'VAC-GGUF-006',
  GGUF_OFFSET_MISALIGNED: 'VAC-GGUF-006',
  GGUF_OVERLAP: 'VAC-GGUF-006',
  GGUF_LEGACY_VERSION: 'VAC-GGUF-006',
  GGUF_GAP: 'VAC-GGUF-007',
  GGUF_TRAILING_DATA: 'VAC-GGUF-007',
  GGUF_BAD_MAGIC: 'VAC-GGUF-008',
  GGUF_TRUNCATED: 'VAC-GGUF-008',
  GGUF_UNSUPPORTED_VERSION: 'VAC-GGUF-008',
  GGUF_BIG_ENDIAN: 'VAC-GGUF-008',
  GGUF_UNKNOWN_VALUE_TYPE: 'VAC-GGUF-008',
  GGUF_LIMIT: 'VAC-GGUF-008',
  GGUF_ANOMALY_LIMIT: 'VAC-GGUF-008',
};

/** `tokenizer.chat_template` and its named variants (`tokenizer.chat_template.tool_use`, …). */
const isChatTemplateKey = (key: string): boolean =>
  key === 'tokenizer.chat_template' || key.startsWith('tokenizer.chat_template.');

export async function scanGguf(state: ScanState, t: Target): Promise<Analysis> {
  const source = await contentSource(t.content);
  const parsed = await parseGguf(source);
  const probed = await probeUncovered(state, t, source, parsed.uncovered);
  for (const a of parsed.anomalies) {
    const hidden = probed.find((p) => p.start === a.offset && !isPlainData(p.format));
    const legacy = a.code === 'GGUF_LEGACY_VERSION';
    state.findings.push(
      makeFinding(RULE_BY_CODE[a.code], {
        message: hidden ? `${a.message}; they hold ${hidden.format} content` : a.message,
        location: { ...t.location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
        ...(hidden ? { severity: 'high' as const } : legacy ? { severity: 'low' as const } : {}),
        evidence: {
          details: {
            code: a.code,
            ...(a.field !== undefined ? { field: a.field } : {}),
            ...(a.limit !== undefined ? { limit: a.limit } : {}),
            ...(a.actual !== undefined ? { actual: a.actual } : {}),
          },
        },
      }),
    );
  }
  for (const kv of parsed.metadata) if (isChatTemplateKey(kv.key)) analyseTemplateKv(state, t, kv);
  return { format: 'gguf' };
}

function analyseTemplateKv(state: ScanState, t: Target, kv: GgufKv): void {
  const location = { ...t.location, offset: kv.offset };
  if (typeof kv.value === 'string') {
    state.findings.push(...chatTemplateFindings(kv.value, kv.key, location));
    return;
  }
  const why =
    kv.type !== 'STRING'
      ? `is a ${kv.type}, not a STRING`
      : `is ${kv.length} bytes, over the retention limit or not UTF-8`;
  state.findings.push(
    makeFinding('VAC-GGUF-004', {
      message: `${kv.key} ${why}; it was not analysed`,
      location,
      evidence: { details: { template: kv.key, type: kv.type } },
    }),
  );
}
