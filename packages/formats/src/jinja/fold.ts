/**
 * Constant folding of string-valued template expressions, so a name spelled as `'__cla' ~ 'ss__'`,
 * `'%s%s'|format('__cla', 'ss__')`, `['__', 'class', '__']|join` or `'__ssalc__'|reverse` is seen as
 * the name it evaluates to. Only pure string operations are folded; anything else is "unknown".
 */
import type { JinjaNode } from './nodes.js';

/** Operations that build a string from parts: what an obfuscated attribute name is made of. */
const BUILDING_FILTERS = new Set([
  'join',
  'format',
  'reverse',
  'replace',
  'lower',
  'upper',
  'string',
  'trim',
  'title',
  'capitalize',
  'first',
  'last',
  'list',
]);
const BUILDING_METHODS = new Set([
  'join',
  'format',
  'replace',
  'lower',
  'upper',
  'strip',
  'lstrip',
  'rstrip',
  'title',
  'capitalize',
  'swapcase',
]);

const MAX_FOLDED = 4096;
const MAX_FOLD_DEPTH = 32;

/** True when the expression builds a string at render time (concatenation, a string filter or method). */
export function isBuilt(n: JinjaNode): boolean {
  switch (n.type) {
    case 'BinaryExpression':
      return ['~', '+', '%', '*'].includes(n.operator?.value ?? '');
    case 'FilterExpression':
      return BUILDING_FILTERS.has(filterName(n) ?? '');
    case 'CallExpression':
      return n.callee?.type === 'MemberExpression' && BUILDING_METHODS.has(propertyName(n.callee) ?? '');
    case 'MemberExpression':
      return n.property?.type === 'SliceExpression';
    default:
      return false;
  }
}

export function filterName(n: JinjaNode): string | undefined {
  const f = n.filter;
  if (f?.type === 'Identifier') return f.value as string;
  if (f?.type === 'CallExpression' && f.callee?.type === 'Identifier') return f.callee.value as string;
  return undefined;
}

export function propertyName(m: JinjaNode): string | undefined {
  return !m.computed && m.property?.type === 'Identifier' ? (m.property.value as string) : undefined;
}

/** The string the expression evaluates to, when that is knowable without rendering. */
export function foldString(n: JinjaNode | undefined, depth = 0): string | undefined {
  const v = fold(n, depth);
  return typeof v === 'string' ? v : undefined;
}

type Folded = string | number | Folded[] | undefined;

function fold(n: JinjaNode | undefined, depth: number): Folded {
  if (!n || depth > MAX_FOLD_DEPTH) return undefined;
  const d = depth + 1;
  const cap = (s: string | undefined) => (s !== undefined && s.length <= MAX_FOLDED ? s : undefined);
  switch (n.type) {
    case 'StringLiteral':
      return cap(n.value as string);
    case 'IntegerLiteral':
    case 'FloatLiteral':
      return n.value as number;
    case 'ArrayLiteral':
    case 'TupleLiteral': {
      const items = (n.value as JinjaNode[]).map((x) => fold(x, d));
      return items.every((x) => x !== undefined) ? items : undefined;
    }
    case 'BinaryExpression': {
      const op = n.operator?.value;
      const l = fold(n.left, d);
      const r = fold(n.right, d);
      if (l === undefined || r === undefined) return undefined;
      if (op === '~') return cap(text(l) + text(r));
      if (op === '+' && typeof l === 'string' && typeof r === 'string') return cap(l + r);
      if (op === '%' && typeof l === 'string') return cap(percent(l, Array.isArray(r) ? r : [r]));
      if (op === '*' && typeof l === 'string' && typeof r === 'number' && l.length * r <= MAX_FOLDED)
        return l.repeat(Math.max(0, r));
      return undefined;
    }
    case 'FilterExpression': {
      const operand = fold(n.operand, d);
      const args = n.filter?.type === 'CallExpression' ? (n.filter.args ?? []).map((a) => fold(a, d)) : [];
      return applyNamed(filterName(n), operand, args);
    }
    case 'CallExpression': {
      const callee = n.callee;
      // dict(__cla=1, ss__=2) iterates as its keys: `dict(...)|join` spells a name.
      if (callee?.type === 'Identifier' && callee.value === 'dict') {
        const keys = (n.args ?? []).map((a) =>
          a.type === 'KeywordArgumentExpression' ? a.key?.value : undefined,
        );
        return keys.every((k) => typeof k === 'string') ? (keys as string[]) : undefined;
      }
      if (callee?.type !== 'MemberExpression') return undefined;
      const self = fold(callee.object, d);
      const args = (n.args ?? []).map((a) => fold(a, d));
      const method = propertyName(callee);
      if (method === 'join' && typeof self === 'string' && Array.isArray(args[0]))
        return cap(args[0].map(text).join(self));
      if (method === 'format' && typeof self === 'string') return cap(braces(self, args));
      return applyNamed(method, self, args);
    }
    case 'MemberExpression': {
      const obj = fold(n.object, d);
      const p = n.property;
      if (typeof obj !== 'string' || p?.type !== 'SliceExpression') return undefined;
      const step = fold(p.step, d);
      if (step === -1 && p.start === undefined && p.stop === undefined) return [...obj].reverse().join('');
      return undefined;
    }
    default:
      return undefined;
  }
}

function applyNamed(name: string | undefined, operand: Folded, args: Folded[]): Folded {
  if (operand === undefined || args.some((a) => a === undefined)) return undefined;
  const s = typeof operand === 'string' ? operand : undefined;
  switch (name) {
    case 'join':
      return Array.isArray(operand)
        ? operand.map(text).join(typeof args[0] === 'string' ? args[0] : '')
        : undefined;
    case 'reverse':
      return s !== undefined
        ? [...s].reverse().join('')
        : Array.isArray(operand)
          ? [...operand].reverse()
          : undefined;
    case 'format':
      return s !== undefined ? percent(s, args) : undefined;
    case 'replace':
      return s !== undefined && typeof args[0] === 'string' && typeof args[1] === 'string'
        ? s.split(args[0]).join(args[1])
        : undefined;
    case 'lower':
      return s?.toLowerCase();
    case 'upper':
      return s?.toUpperCase();
    case 'string':
      return text(operand);
    case 'trim':
    case 'strip':
      return s?.trim();
    case 'list':
      return Array.isArray(operand) ? operand : s !== undefined ? [...s] : undefined;
    case 'first':
      return Array.isArray(operand) ? operand[0] : s?.[0];
    case 'last':
      return Array.isArray(operand) ? operand.at(-1) : s?.at(-1);
    default:
      return undefined;
  }
}

function text(v: Folded): string {
  return Array.isArray(v) ? `[${v.map(text).join(', ')}]` : String(v);
}

/** Python `%` formatting, for the conversions a name builder would use. */
function percent(fmt: string, args: Folded[]): string | undefined {
  let i = 0;
  let ok = true;
  const out = fmt.replace(/%([%sdrc])/g, (_, c: string) => {
    if (c === '%') return '%';
    const a = args[i++];
    if (a === undefined) ok = false;
    if (c === 'c') return typeof a === 'number' ? String.fromCharCode(a) : text(a);
    return text(a);
  });
  return ok ? out : undefined;
}

/** str.format with positional `{}` / `{0}` fields. */
function braces(fmt: string, args: Folded[]): string | undefined {
  let i = 0;
  let ok = true;
  const out = fmt.replace(/\{(\d*)\}/g, (_, idx: string) => {
    const a = args[idx === '' ? i++ : Number(idx)];
    if (a === undefined) ok = false;
    return text(a);
  });
  return ok ? out : undefined;
}
