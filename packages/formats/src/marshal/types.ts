/** Values, code objects, anomalies and limits of the static CPython `marshal` reader. */
import type { Anomaly } from '../anomaly.js';

export const MARSHAL_ANOMALY_CODES = {
  TRUNCATED: 'the data ends inside a value',
  UNKNOWN_TYPE: 'a type code CPython does not define',
  BAD_REFERENCE: 'a back-reference to an object not (yet) read',
  BAD_LENGTH: 'a negative length or a count larger than the remaining bytes allow',
  DEPTH_LIMIT: 'values nest deeper than the limit',
  OBJECT_LIMIT: 'more objects than the limit',
  LONG_LIMIT: 'an integer with more digits than the limit',
  BAD_CODE_FIELD: 'a code-object field of the wrong type for the layout',
  CODE_LAYOUT_UNKNOWN: 'no CPython 3.7–3.13 code-object layout fits the bytes',
  TRAILING_DATA: 'bytes follow the top-level value',
  NULL_VALUE: 'a NULL marker where a value is required',
} as const;

export type MarshalAnomalyCode = keyof typeof MARSHAL_ANOMALY_CODES;
export type MarshalAnomaly = Anomaly<MarshalAnomalyCode>;

export interface MarshalLimits {
  /** Nesting of containers and code objects (CWE-674: recursion bombs; CPython stops at 2000). */
  readonly maxDepth: number;
  /** Objects decoded in one stream (CWE-400: object-count bombs). */
  readonly maxObjects: number;
  /** 15-bit digits of one integer (CWE-400: quadratic bigint conversion). */
  readonly maxLongDigits: number;
}

export const MARSHAL_LIMITS: Readonly<MarshalLimits> = Object.freeze({
  maxDepth: 200,
  maxObjects: 1_000_000,
  maxLongDigits: 10_000,
});

/**
 * Code-object field layouts: 3.7 (5 ints, varnames/freevars/cellvars), 3.8–3.10 (6 ints, adds
 * co_posonlyargcount), 3.11–3.13 (5 ints, localsplusnames/kinds, qualname, exception table).
 */
export type CodeLayout = 'py37' | 'py38-310' | 'py311-313';

export const LAYOUT_VERSIONS: Readonly<Record<CodeLayout, { min: string; max: string }>> = {
  py37: { min: '3.7', max: '3.7' },
  'py38-310': { min: '3.8', max: '3.10' },
  'py311-313': { min: '3.11', max: '3.13' },
};

export interface MarshalCode {
  readonly argcount: number;
  readonly flags: number;
  readonly bytecode: Uint8Array;
  readonly consts: readonly MarshalValue[];
  readonly names: readonly string[];
  /** co_varnames (≤3.10) or co_localsplusnames (3.11+). */
  readonly localNames: readonly string[];
  readonly freevars: readonly string[];
  readonly filename: string;
  readonly name: string;
  readonly qualname?: string;
  readonly firstlineno: number;
}

export type MarshalValue =
  | { readonly kind: 'none' | 'ellipsis' | 'stopiteration' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'complex'; readonly re: number; readonly im: number }
  | { readonly kind: 'str'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  | { readonly kind: 'tuple' | 'list' | 'set' | 'frozenset'; readonly items: readonly MarshalValue[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyArray<readonly [MarshalValue, MarshalValue]> }
  | { readonly kind: 'slice'; readonly items: readonly MarshalValue[] }
  | { readonly kind: 'code'; readonly code: MarshalCode };

export interface MarshalResult {
  /** Absent when the stream is unreadable. */
  readonly value?: MarshalValue;
  /** The code layout that fits (absent when the value holds no code object). */
  readonly layout?: CodeLayout;
  readonly anomalies: readonly MarshalAnomaly[];
}
