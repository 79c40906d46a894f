/** Parser anomalies of the graph formats (ONNX, TensorFlow) as findings: one per anomaly code. */
import type { Anomaly } from '@vacsrp/formats';
import { makeFinding } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import type { ScanState, Target } from './types.js';

/** Limits and cut strings go to `limitRule`, everything else to `malformedRule`. */
export function anomalyFindings(
  state: ScanState,
  t: Target,
  anomalies: readonly Anomaly[],
  malformedRule: RuleId,
  limitRule: RuleId,
): void {
  // A hostile file can repeat one fault thousands of times; the first of each code carries the evidence.
  const byCode = new Map<string, { first: Anomaly; count: number }>();
  for (const a of anomalies) {
    const seen = byCode.get(a.code);
    if (seen) seen.count++;
    else byCode.set(a.code, { first: a, count: 1 });
  }
  for (const { first: a, count } of byCode.values()) {
    const limit = a.code.startsWith('LIMIT_') || a.code === 'STRING_TRUNCATED';
    state.findings.push(
      makeFinding(limit ? limitRule : malformedRule, {
        message: `${a.message} (${a.code}${count > 1 ? `, ${count} times` : ''})`,
        location: a.offset === undefined ? t.location : { ...t.location, offset: a.offset },
        evidence: {
          details: {
            code: a.code,
            count,
            ...(a.field === undefined ? {} : { field: a.field }),
            ...(a.limit === undefined ? {} : { limit: a.limit }),
            ...(a.actual === undefined ? {} : { actual: a.actual }),
          },
        },
      }),
    );
  }
}
