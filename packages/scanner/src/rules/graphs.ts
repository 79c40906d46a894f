/** Rules for ONNX and TensorFlow graphs (operators, external data). */
import type { RuleSpec } from './definition.js';

export const GRAPH_RULES = {} as const satisfies Record<string, RuleSpec>;
