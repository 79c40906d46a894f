/**
 * Static analysis of a Jinja chat template: which attributes, subscripts and names it reaches, with
 * names built from strings folded to what they evaluate to. The template is parsed with
 * @huggingface/jinja and never rendered. A template that does not parse is still analysed, from its
 * tokens or, failing that, its text, because Python's Jinja accepts syntax this parser refuses
 * (`()` is an empty tuple there), and an attacker would choose exactly that syntax.
 */
import { parse, tokenize } from '@huggingface/jinja';
import { emptyTuplesAsLists, textAnalysis, tokenAnalysis } from './fallback.js';
import { filterName, foldString, isBuilt, propertyName } from './fold.js';
import { childNodes, type JinjaNode } from './nodes.js';
import { JINJA_LIMITS, type JinjaLimits, type TemplateAccess, type TemplateAnalysis } from './types.js';

const DUNDER = /^__\w+__$/;

/** Names the renderer provides inside blocks; never globals an attacker can reach through. */
const BLOCK_NAMES = ['loop', 'caller', 'varargs', 'kwargs'];
const ATTRIBUTE_ARG_FILTERS = new Set(['selectattr', 'rejectattr', 'groupby']);

export function analyseTemplate(template: string, limits: JinjaLimits = JINJA_LIMITS): TemplateAnalysis {
  if (template.length > limits.maxTemplateChars)
    return { method: 'none', limit: 'maxTemplateChars', accesses: [], freeNames: [] };
  let tokens: ReturnType<typeof tokenize>;
  try {
    tokens = tokenize(template);
  } catch (e) {
    return { ...textAnalysis(template, limits), parseError: message(e) };
  }
  let program: JinjaNode;
  try {
    program = parse(tokens) as unknown as JinjaNode;
  } catch (e) {
    const parseError = message(e);
    // Python's Jinja reads `()` as an empty tuple; this parser does not. Read it as `[]` and retry,
    // so the usual `().__class__` chain still gets the full analysis.
    const repaired = emptyTuplesAsLists(tokens);
    if (repaired) {
      try {
        return { ...astAnalysis(parse(repaired) as unknown as JinjaNode, limits), parseError };
      } catch {
        // fall through to the token view
      }
    }
    // RangeError: nesting deep enough to exhaust the parser's recursion.
    return { ...tokenAnalysis(tokens, limits), parseError };
  }
  return astAnalysis(program, limits);
}

function message(e: unknown): string {
  const m =
    e instanceof RangeError ? 'nesting too deep to parse' : e instanceof Error ? e.message : String(e);
  return m.slice(0, 200);
}

function astAnalysis(program: JinjaNode, limits: JinjaLimits): TemplateAnalysis {
  const assigned = new Set<string>(BLOCK_NAMES);
  const reads: string[] = [];
  const accesses: TemplateAccess[] = [];
  let limit: keyof JinjaLimits | undefined;
  const record = (a: Omit<TemplateAccess, 'rootFree'>) => {
    if (accesses.length >= limits.maxAccesses) limit = 'maxAccesses';
    else accesses.push({ ...a, rootFree: false });
  };
  const stack: JinjaNode[] = [program];
  // Template text parses to StringLiteral statements; only literals inside expressions are names.
  const outputText = new WeakSet<JinjaNode>();
  let visited = 0;
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (++visited > limits.maxNodes) {
      limit = 'maxNodes';
      break;
    }
    for (const block of [
      n.body,
      (n as { alternate?: unknown }).alternate,
      (n as { defaultBlock?: unknown }).defaultBlock,
    ])
      if (Array.isArray(block))
        for (const x of block as JinjaNode[]) if (x.type === 'StringLiteral') outputText.add(x);
    if (n.type === 'StringLiteral' ? !outputText.has(n) : isBuilt(n)) {
      // A dunder name spelled or computed anywhere: however it is used later, it names Python internals.
      const value = foldString(n);
      if (value !== undefined && DUNDER.test(value))
        record({
          kind: 'string',
          name: value,
          built: n.type !== 'StringLiteral',
          direct: false,
          path: render(n),
        });
    }
    switch (n.type) {
      case 'Identifier':
        reads.push(n.value as string);
        continue;
      case 'MemberExpression': {
        const computed = n.computed === true;
        const property = n.property;
        const name = computed ? foldString(property) : propertyName(n);
        if (!(computed && property?.type === 'SliceExpression'))
          record({
            kind: computed ? 'subscript' : 'attribute',
            ...(name !== undefined ? { name } : {}),
            built: computed && property !== undefined && isBuilt(property),
            ...rootOf(n.object),
            path: render(n),
          });
        if (n.object) stack.push(n.object);
        if (computed && property) stack.push(property);
        continue;
      }
      case 'FilterExpression':
      case 'FilterStatement': {
        recordFilterAttributes(n, record);
        if (n.filter?.type === 'CallExpression') stack.push(...(n.filter.args ?? []));
        if (n.operand) stack.push(n.operand);
        if (n.body) stack.push(...n.body);
        continue;
      }
      case 'TestExpression':
        if (n.operand) stack.push(n.operand);
        continue;
      case 'KeywordArgumentExpression':
        if (isNodeValue(n.value)) stack.push(n.value);
        continue;
      case 'For':
        collectTargets(n.loopvar, assigned);
        stack.push(...childNodes(n).filter((c) => c !== n.loopvar));
        continue;
      case 'Set':
        if (n.assignee?.type === 'MemberExpression') stack.push(n.assignee);
        else collectTargets(n.assignee, assigned);
        stack.push(...childNodes(n).filter((c) => c !== n.assignee));
        continue;
      case 'Macro':
        collectTargets(n.name, assigned);
        for (const a of n.args ?? []) {
          if (a.type === 'KeywordArgumentExpression') {
            collectTargets(a.key, assigned);
            if (isNodeValue(a.value)) stack.push(a.value);
          } else collectTargets(a, assigned);
        }
        stack.push(...(n.body ?? []));
        continue;
      case 'CallStatement':
        for (const a of n.callerArgs ?? [])
          collectTargets(a.type === 'KeywordArgumentExpression' ? a.key : a, assigned);
        stack.push(...childNodes(n).filter((c) => !(n.callerArgs ?? []).includes(c)));
        continue;
      default:
        stack.push(...childNodes(n));
    }
  }
  const free = new Set(reads.filter((r) => !assigned.has(r)));
  return {
    method: 'ast',
    ...(limit ? { limit } : {}),
    accesses: accesses.map((a) => ({ ...a, rootFree: a.root !== undefined && free.has(a.root) })),
    freeNames: [...free].sort(),
  };
}

const isNodeValue = (v: unknown): v is JinjaNode =>
  typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';

/** Attribute names handed to filters that look attributes up: `attr`, `map(attribute=…)`, `selectattr`. */
function recordFilterAttributes(n: JinjaNode, record: (a: Omit<TemplateAccess, 'rootFree'>) => void): void {
  const name = filterName(n);
  const args = n.filter?.type === 'CallExpression' ? (n.filter.args ?? []) : [];
  const named: JinjaNode[] = [];
  if ((name === 'attr' || (name !== undefined && ATTRIBUTE_ARG_FILTERS.has(name))) && args[0]) {
    if (args[0].type !== 'KeywordArgumentExpression') named.push(args[0]);
  }
  for (const a of args)
    if (a.type === 'KeywordArgumentExpression' && a.key?.value === 'attribute' && isNodeValue(a.value))
      named.push(a.value);
  if (name === 'attr' && args.length === 0)
    record({ kind: 'attr-filter', built: false, ...rootOf(n.operand), path: `${render(n.operand)}|attr` });
  for (const arg of named) {
    const folded = foldString(arg);
    record({
      kind: 'attr-filter',
      ...(folded !== undefined ? { name: folded } : {}),
      // A name that is not a literal is computed at render time, whatever builds it.
      built: arg.type !== 'StringLiteral',
      ...rootOf(n.operand),
      path: `${render(n.operand)}|${name}(${render(arg)})`,
    });
  }
}

/** The identifier an access chain starts from (through calls, members and filters). */
function rootOf(n: JinjaNode | undefined): { root?: string; direct: boolean } {
  let cur = n;
  let direct = true;
  for (let i = 0; cur && i < 100_000; i++) {
    if (cur.type === 'Identifier') return { root: cur.value as string, direct };
    direct = false;
    cur =
      cur.type === 'MemberExpression'
        ? cur.object
        : cur.type === 'CallExpression'
          ? cur.callee
          : cur.type === 'FilterExpression'
            ? cur.operand
            : undefined;
  }
  return { direct: false };
}

function collectTargets(n: JinjaNode | undefined, into: Set<string>): void {
  if (!n) return;
  if (n.type === 'Identifier') into.add(n.value as string);
  else if (n.type === 'TupleLiteral' || n.type === 'ArrayLiteral')
    for (const x of n.value as JinjaNode[]) collectTargets(x, into);
}

const MAX_PATH = 160;

/** Source-like text of an expression, bounded in length and depth. */
export function render(n: JinjaNode | undefined, budget = { left: 40 }): string {
  if (!n) return '';
  if (--budget.left < 0) return '…';
  let s: string;
  switch (n.type) {
    case 'Identifier':
      s = String(n.value);
      break;
    case 'StringLiteral':
      s = JSON.stringify(String(n.value).slice(0, 40));
      break;
    case 'IntegerLiteral':
    case 'FloatLiteral':
      s = String(n.value);
      break;
    case 'MemberExpression':
      s = n.computed
        ? `${render(n.object, budget)}[${n.property?.type === 'SliceExpression' ? '::' : render(n.property, budget)}]`
        : `${render(n.object, budget)}.${render(n.property, budget)}`;
      break;
    case 'CallExpression':
      s = `${render(n.callee, budget)}(${(n.args ?? []).map((a) => render(a, budget)).join(', ')})`;
      break;
    case 'FilterExpression':
      s = `${render(n.operand, budget)}|${render(n.filter, budget)}`;
      break;
    case 'BinaryExpression':
      s = `${render(n.left, budget)} ${n.operator?.value ?? '?'} ${render(n.right, budget)}`;
      break;
    case 'KeywordArgumentExpression':
      s = `${render(n.key, budget)}=${isNodeValue(n.value) ? render(n.value, budget) : ''}`;
      break;
    case 'TupleLiteral':
    case 'ArrayLiteral':
      s = `[${(n.value as JinjaNode[]).map((a) => render(a, budget)).join(', ')}]`;
      break;
    default:
      s = `<${n.type}>`;
  }
  return s.length > MAX_PATH ? `${s.slice(0, MAX_PATH)}…` : s;
}
