/**
 * What a marshalled code object references, for evidence: the names it loads (co_names), its string
 * constants, nested code objects, and the Python versions whose layout and bytecode it fits.
 */
import { readMarshal } from './reader.js';
import {
  LAYOUT_VERSIONS,
  type MarshalAnomaly,
  type MarshalCode,
  type MarshalLimits,
  type MarshalValue,
} from './types.js';

export interface CodeInventory {
  /** Present when the bytes hold at least one code object. */
  readonly python?: { readonly min: string; readonly max: string };
  /** co_names of every code object (globals, attributes, imports), sorted, unique. */
  readonly names: readonly string[];
  /** String constants of every code object, sorted, unique. */
  readonly strings: readonly string[];
  /** Qualified names of every code object, outermost first. */
  readonly functions: readonly string[];
  readonly codeObjects: number;
  readonly anomalies: readonly MarshalAnomaly[];
}

/** Opcodes that tell 3.11, 3.12 and 3.13 apart (Lib/opcode.py of each release). */
const RESUME_311_312 = 151;
const RESUME_313 = 149;
const PRECALL_311 = 166;

export function inventoryMarshalledCode(
  bytes: Uint8Array,
  limits: Partial<MarshalLimits> = {},
): CodeInventory {
  const r = readMarshal(bytes, limits);
  const names = new Set<string>();
  const strings = new Set<string>();
  const functions: string[] = [];
  const codes: MarshalCode[] = [];
  const stack: MarshalValue[] = r.value ? [r.value] : [];
  // Iterative walk: values may be nested as deep as the reader allowed.
  while (stack.length > 0) {
    const v = stack.pop()!;
    switch (v.kind) {
      case 'code':
        codes.push(v.code);
        functions.push(v.code.qualname ?? v.code.name);
        for (const n of v.code.names) names.add(n);
        for (let i = v.code.consts.length - 1; i >= 0; i--) stack.push(v.code.consts[i]!);
        break;
      case 'str':
        strings.add(v.value);
        break;
      case 'tuple':
      case 'list':
      case 'set':
      case 'frozenset':
      case 'slice':
        for (let i = v.items.length - 1; i >= 0; i--) stack.push(v.items[i]!);
        break;
      case 'dict':
        for (const [k, x] of v.entries) stack.push(x, k);
        break;
      case 'none':
      case 'ellipsis':
      case 'stopiteration':
      case 'bool':
      case 'int':
      case 'float':
      case 'complex':
      case 'bytes':
        break;
    }
  }
  const base = {
    names: [...names].sort(),
    strings: [...strings].sort(),
    functions,
    codeObjects: codes.length,
    anomalies: r.anomalies,
  };
  if (r.layout === undefined || codes.length === 0) return base;
  return { ...base, python: refineVersion(r.layout === 'py311-313', codes[0]!, LAYOUT_VERSIONS[r.layout]) };
}

/** Within the 3.11–3.13 layout, the opcode numbering narrows the release (a hint, not a proof). */
function refineVersion(
  modern: boolean,
  code: MarshalCode,
  range: { min: string; max: string },
): { min: string; max: string } {
  if (!modern) return range;
  const ops: number[] = [];
  for (let i = 0; i + 1 < code.bytecode.length; i += 2) ops.push(code.bytecode[i]!);
  if (ops.includes(RESUME_311_312))
    return ops.includes(PRECALL_311) ? { min: '3.11', max: '3.11' } : { min: '3.11', max: '3.12' };
  if (ops[0] === RESUME_313 && code.freevars.length === 0) return { min: '3.13', max: '3.13' };
  return range;
}
