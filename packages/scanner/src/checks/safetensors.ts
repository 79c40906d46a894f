/**
 * safetensors artifacts: strict header validation (never the tensor data), and the bytes no tensor
 * covers sniffed for hidden content.
 */
import { parseSafetensors, type SafetensorsAnomalyCode } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import type { Analysis, ScanState, Target } from './types.js';
import { contentSource, isPlainData, probeUncovered } from './uncovered.js';

const RULE_BY_CODE: Readonly<Record<SafetensorsAnomalyCode, RuleId>> = {
  ST_HEADER_TOO_LARGE: 'VAC-ST-001',
  ST_HEADER_OUT_OF_BOUNDS: 'VAC-ST-001',
  JSON_DUPLICATE_KEY: 'VAC-ST-002',
  JSON_LONE_SURROGATE: 'VAC-ST-002',
  ST_TRUNCATED: 'VAC-ST-003',
  JSON_SYNTAX: 'VAC-ST-003',
  JSON_NOT_UTF8: 'VAC-ST-003',
  JSON_DEPTH_LIMIT: 'VAC-ST-003',
  JSON_VALUE_LIMIT: 'VAC-ST-003',
  ST_HEADER_NOT_OBJECT: 'VAC-ST-003',
  ST_ANOMALY_LIMIT: 'VAC-ST-003',
  ST_OFFSET_OUT_OF_BOUNDS: 'VAC-ST-004',
  ST_SIZE_OVERFLOW: 'VAC-ST-004',
  ST_TENSOR_MALFORMED: 'VAC-ST-005',
  ST_UNKNOWN_DTYPE: 'VAC-ST-005',
  ST_SIZE_MISMATCH: 'VAC-ST-005',
  ST_OFFSETS_INVALID: 'VAC-ST-005',
  ST_OVERLAP: 'VAC-ST-006',
  ST_GAP: 'VAC-ST-007',
  ST_TRAILING_DATA: 'VAC-ST-007',
  ST_METADATA_INVALID: 'VAC-ST-008',
  ST_TENSOR_EXTRA_FIELD: 'VAC-ST-009',
};

export async function scanSafetensors(state: ScanState, t: Target): Promise<Analysis> {
  const source = await contentSource(t.content);
  const parsed = await parseSafetensors(source);
  const probed = await probeUncovered(state, t, source, parsed.uncovered);
  for (const a of parsed.anomalies) {
    const hidden = probed.find((p) => p.start === a.offset && !isPlainData(p.format));
    state.findings.push(
      makeFinding(RULE_BY_CODE[a.code], {
        message: hidden ? `${a.message}; they hold ${hidden.format} content` : a.message,
        location: { ...t.location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
        ...(hidden ? { severity: 'high' as const } : {}),
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
  return { format: 'safetensors' };
}
