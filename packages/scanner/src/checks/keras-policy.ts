/** The Keras allowlist (policy data) and the verdict on one serialised object reference. */
import type { KerasObjectRef } from '@vacsrp/formats';
import type { Severity } from '../findings.js';
import data from '../policy/keras-allowlist-v1.json' with { type: 'json' };
import type { Policy } from '../policy/policy.js';
import type { RuleId } from '../rules/registry.js';

export interface KerasAllowlist {
  readonly id: string;
  readonly version: string;
  readonly modules: readonly string[];
  readonly denyFunctions: ReadonlySet<string>;
  readonly denyNames: ReadonlySet<string>;
  readonly markers: ReadonlySet<string>;
  readonly pathKeys: ReadonlySet<string>;
}

/** Checked once: the file ships with the scanner, but a bad edit must fail loudly, not widen the list. */
function load(input: unknown): KerasAllowlist {
  const o = input as Record<string, unknown>;
  const strings = (k: string): string[] => {
    const v = o[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new TypeError(`keras-allowlist-v1.json: ${k} must be a list of strings`);
    return v;
  };
  const known = new Set([
    'id',
    'version',
    'description',
    'modules',
    'denyFunctions',
    'denyNames',
    'markers',
    'pathKeys',
  ]);
  for (const k of Object.keys(o))
    if (!known.has(k)) throw new TypeError(`keras-allowlist-v1.json: unknown property ${k}`);
  return {
    id: String(o.id),
    version: String(o.version),
    modules: strings('modules'),
    denyFunctions: new Set(strings('denyFunctions')),
    denyNames: new Set(strings('denyNames')),
    markers: new Set(strings('markers')),
    pathKeys: new Set(strings('pathKeys')),
  };
}

export const KERAS_ALLOWLIST: KerasAllowlist = load(data);

export interface KerasVerdict {
  readonly ruleId: RuleId;
  readonly callable: string;
  readonly severity?: Severity;
  readonly why: string;
}

const inModules = (module: string, list: readonly string[]) =>
  list.some((m) => module === m || module.startsWith(`${m}.`));

/** Undefined when the reference is one Keras resolves safely within its own packages. */
export function judgeReference(
  ref: KerasObjectRef,
  allow: KerasAllowlist,
  policy: Policy,
): KerasVerdict | undefined {
  const name = ref.kind === 'function' ? ref.functionName : ref.className;
  if (ref.module === undefined) {
    const reg = ref.registeredName;
    if (reg?.includes('>') && !inModules(reg.split('>')[0]!, allow.modules))
      return { ruleId: 'VAC-KERAS-009', callable: reg, why: 'registered custom object' };
    return undefined;
  }
  const callable = name !== undefined ? `${ref.module}.${name}` : ref.module;
  if (inModules(ref.module, allow.modules)) {
    if (name === undefined) return undefined;
    // Keras resolves class_name as any attribute of the module, so a gadget can hide as a "class".
    if (allow.denyFunctions.has(callable) || allow.denyNames.has(name))
      return {
        ruleId: 'VAC-KERAS-003',
        callable,
        why: 'Keras API that downloads, loads models or disables safe mode',
      };
    return undefined;
  }
  if (ref.module === '__main__')
    return { ruleId: 'VAC-KERAS-009', callable, why: 'object defined in the saving script (__main__)' };
  const denied = name !== undefined ? policy.denyMatch(ref.module, name) : policy.denyMatch(ref.module, '');
  return denied !== undefined
    ? { ruleId: 'VAC-KERAS-002', callable, severity: 'critical', why: `denylisted (${denied})` }
    : { ruleId: 'VAC-KERAS-002', callable, why: 'module outside the Keras allowlist' };
}
