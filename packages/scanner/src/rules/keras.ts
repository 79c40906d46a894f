/** Rules for Keras v3 archives and HDF5 files (layer configs, Lambda bytecode, links). */
import type { RuleSpec } from './definition.js';

export const KERAS_RULES = {} as const satisfies Record<string, RuleSpec>;
