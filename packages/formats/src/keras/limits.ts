/** Named limits for Keras configs. */
import type { KerasJsonLimits } from './json.js';

export const KERAS_LIMITS: Readonly<KerasJsonLimits & { maxLambdaCodeBytes: number }> = Object.freeze({
  /** Bytes of config.json or a model_config attribute (CWE-400: memory exhaustion). */
  maxBytes: 64 * 1024 * 1024,
  /** JSON nesting; nested sub-models stay far below (CWE-674: recursion bombs). */
  maxDepth: 256,
  /** Decoded bytes of one Lambda's marshalled code (CWE-400). */
  maxLambdaCodeBytes: 4 * 1024 * 1024,
});
