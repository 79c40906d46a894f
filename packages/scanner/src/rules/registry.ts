/**
 * The rule registry. Rule IDs are quoted by reports, SARIF results and attestations: once published an
 * ID is never reused or renumbered. Retire a rule by marking it `retired`, never by deleting it.
 * Each area declares its rules in its own file; docs/rules.md is generated from this table and a test
 * keeps the two, and the criteria catalog's automated lists, in step.
 */
import { CORE_RULES } from './core.js';
import type { RuleDefinition } from './definition.js';
import { GRAPH_RULES } from './graphs.js';
import { HYGIENE_RULES } from './hygiene.js';
import { KERAS_RULES } from './keras.js';
import { MANIFEST_RULES } from './manifest.js';
import { SIGNING_RULES } from './signing.js';
import { SUPPLY_RULES } from './supply.js';
import { WEIGHTS_RULES } from './weights.js';

export type { RuleDefinition, RuleSpec } from './definition.js';

const defs = {
  ...CORE_RULES,
  ...WEIGHTS_RULES,
  ...GRAPH_RULES,
  ...KERAS_RULES,
  ...SIGNING_RULES,
  ...SUPPLY_RULES,
  ...MANIFEST_RULES,
  ...HYGIENE_RULES,
};

export type RuleId = keyof typeof defs;

export const RULES: Readonly<Record<RuleId, RuleDefinition>> = Object.fromEntries(
  Object.entries(defs).map(([id, d]) => [id, { id, ...d }]),
) as unknown as Record<RuleId, RuleDefinition>;

export const RULE_IDS = Object.keys(RULES).sort() as RuleId[];
