/**
 * Symbolic values on the pickle machine's stack. Nothing is ever imported or called: a global is a
 * name, a call is a record of callee and arguments, an object remembers attributes BUILD planted.
 * Containers are shared by reference, as in Python, so memo aliasing and later mutation are seen.
 */

export type Value =
  | { readonly t: 'none' }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'float'; readonly v: number }
  | { readonly t: 'str'; readonly v: string; readonly len: number; readonly truncated: boolean }
  | {
      readonly t: 'bytes';
      readonly v: Uint8Array;
      readonly len: number;
      readonly truncated: boolean;
      readonly mutable: boolean;
    }
  | SeqValue
  | DictValue
  | GlobalValue
  | CallValue
  | { readonly t: 'persid'; readonly pid: Value }
  | { readonly t: 'ext'; readonly code: number }
  | { readonly t: 'buffer' };

export interface SeqValue {
  readonly t: 'tuple' | 'list' | 'set' | 'frozenset';
  readonly items: Value[];
  /** Items dropped past the retention limit. */
  more: number;
}

export interface DictValue {
  readonly t: 'dict';
  readonly entries: Array<[Value, Value]>;
  more: number;
}

export interface GlobalValue {
  readonly t: 'global';
  readonly module: string;
  readonly name: string;
  /** Attributes planted on the imported object by BUILD (shared program state). */
  attrs?: Map<string, Value>;
}

export interface CallValue {
  readonly t: 'call';
  readonly op: CallOpcode;
  readonly callee: Value;
  readonly args: Value;
  readonly kwargs?: Value;
  /** Attributes planted by BUILD (instance __dict__ or slot state). */
  attrs?: Map<string, Value>;
  /** BUILD states applied (bounded), e.g. numpy dtype or joblib wrapper state. */
  state?: Value;
}

export type CallOpcode = 'REDUCE' | 'NEWOBJ' | 'NEWOBJ_EX' | 'OBJ' | 'INST' | 'BUILD';

export const NONE: Value = { t: 'none' };

export const str = (v: string): Value => ({ t: 'str', v, len: v.length, truncated: false });

export function qualifiedName(v: Value): string | undefined {
  return v.t === 'global' ? `${v.module}.${v.name}` : undefined;
}

/** Short, bounded, human-readable rendering for evidence. Never includes more than `budget` chars. */
export function describeValue(v: Value, budget = 160): string {
  const out = render(v, 3);
  return out.length > budget ? `${out.slice(0, budget - 1)}…` : out;
}

function render(v: Value, depth: number): string {
  if (depth < 0) return '…';
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return v.v.toString();
    case 'float':
      return String(v.v);
    case 'str':
      return JSON.stringify(v.v.length > 80 ? `${v.v.slice(0, 80)}…` : v.v);
    case 'bytes':
      return `b<${v.len} bytes>`;
    case 'tuple':
    case 'list':
    case 'set':
    case 'frozenset': {
      if (depth <= 0) return v.t === 'list' ? '[…]' : '(…)';
      const parts = v.items.slice(0, 6).map((i) => render(i, depth - 1));
      if (v.items.length > 6 || v.more > 0) parts.push('…');
      const body = parts.join(', ');
      if (v.t === 'list') return `[${body}]`;
      if (v.t === 'tuple') return `(${body}${v.items.length === 1 ? ',' : ''})`;
      return `${v.t}({${body}})`;
    }
    case 'dict': {
      if (depth <= 0) return '{…}';
      const parts = v.entries.slice(0, 6).map(([k, x]) => `${render(k, depth - 1)}: ${render(x, depth - 1)}`);
      if (v.entries.length > 6 || v.more > 0) parts.push('…');
      return `{${parts.join(', ')}}`;
    }
    case 'global':
      return `${v.module}.${v.name}`;
    case 'call': {
      if (depth <= 0) return `${v.callee.t === 'global' ? `${v.callee.module}.${v.callee.name}` : '…'}(…)`;
      const args =
        v.args.t === 'tuple'
          ? v.args.items.map((a) => render(a, depth - 1)).join(', ')
          : render(v.args, depth - 1);
      return `${render(v.callee, depth - 1)}(${args})`;
    }
    case 'persid':
      return `persistent_load(${render(v.pid, depth - 1)})`;
    case 'ext':
      return `<extension ${v.code}>`;
    case 'buffer':
      return '<out-of-band buffer>';
  }
}
