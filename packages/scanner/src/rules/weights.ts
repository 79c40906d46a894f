/** Rules for safetensors and GGUF (header validation, chat templates). */
import type { RuleSpec } from './definition.js';

export const WEIGHTS_RULES = {} as const satisfies Record<string, RuleSpec>;
