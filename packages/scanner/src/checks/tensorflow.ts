/**
 * TensorFlow findings: operators that run Python, touch files or reach the network, wherever they sit
 * (graphs, the function library), with the constant paths they are fed; PrintV2 that writes files or
 * prints file contents.
 */
import type { TfGraphModel, TfNode } from '@vacsrp/formats';
import { type FindingLocation, makeFinding, SEVERITIES, type Severity } from '../findings.js';
import opsPolicy from '../policy/tf-ops-v1.json' with { type: 'json' };
import type { RuleId } from '../rules/registry.js';
import { anomalyFindings } from './graph-anomalies.js';
import type { ScanState, Target } from './types.js';

const CATEGORIES = [
  'python',
  'file-read',
  'file-write',
  'file-list',
  'network',
  'checkpoint',
  'print',
] as const;
type Category = (typeof CATEGORIES)[number];

export interface TfOpRule {
  readonly category: Category;
  readonly severity: Severity;
  readonly reason: string;
  readonly pathInputs?: readonly number[];
  readonly pathAttrs?: readonly string[];
  /** Report only when a path attribute names a file (DecodeProtoV2 with local://, Debug ops without URLs). */
  readonly onlyWithPath?: boolean;
}

/** Checks the policy file's shape once (it is data, edited by people). */
export function validateOpsPolicy(data: unknown): ReadonlyMap<string, TfOpRule> {
  const d = data as { ops?: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const extra = Object.keys(d).filter((k) => !['id', 'version', 'description', 'ops'].includes(k));
  if (extra.length > 0 || typeof d.ops !== 'object' || d.ops === null)
    throw new TypeError(`tf ops policy: needs ops and no other properties (${extra.join(', ')})`);
  const out = new Map<string, TfOpRule>();
  for (const [op, r] of Object.entries(d.ops)) {
    const keys = Object.keys(r).filter(
      (k) => !['category', 'severity', 'reason', 'pathInputs', 'pathAttrs', 'onlyWithPath'].includes(k),
    );
    const ints = (v: unknown) =>
      v === undefined || (Array.isArray(v) && v.every((i) => Number.isInteger(i) && i >= 0));
    const strs = (v: unknown) =>
      v === undefined || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
    if (
      keys.length > 0 ||
      !CATEGORIES.includes(r.category as Category) ||
      !SEVERITIES.includes(r.severity as Severity) ||
      typeof r.reason !== 'string' ||
      !ints(r.pathInputs) ||
      !strs(r.pathAttrs) ||
      !(r.onlyWithPath === undefined || typeof r.onlyWithPath === 'boolean')
    )
      throw new TypeError(`tf ops policy: invalid entry for ${op}`);
    out.set(op, r as unknown as TfOpRule);
  }
  return out;
}

const OPS = validateOpsPolicy(opsPolicy);

export type PathKind = 'remote' | 'absolute' | 'traversal' | 'relative';

/** TensorFlow file systems accept URLs (gs://, s3://, hdfs://, http://): those reach the network. */
export function classifyPath(p: string): PathKind {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(p)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') return 'remote';
  const rest = scheme === 'file' ? p.slice('file://'.length) : p;
  if (rest.split(/[\\/]/).includes('..')) return 'traversal';
  if (scheme === 'file' || rest.startsWith('/') || rest.startsWith('\\') || /^[A-Za-z]:/.test(rest))
    return 'absolute';
  return 'relative';
}

const RAISE: Readonly<Record<PathKind, number>> = { remote: 2, traversal: 1, absolute: 1, relative: 0 };
const raise = (s: Severity, by: number, cap: Severity = 'critical'): Severity => {
  const i = Math.max(SEVERITIES.indexOf(cap), SEVERITIES.indexOf(s) - by);
  return SEVERITIES[i]!;
};

/** Nodes of one scope by name; inputs resolve within their scope only. */
function scopes(nodes: readonly TfNode[]): Map<string, Map<string, TfNode>> {
  const out = new Map<string, Map<string, TfNode>>();
  for (const n of nodes) {
    const m = out.get(n.scope) ?? new Map<string, TfNode>();
    out.set(n.scope, m);
    if (!m.has(n.name)) m.set(n.name, n);
  }
  return out;
}

/** `^ctl` → none; `node:1` → node; `fn_node:output:0` → fn_node. */
const inputNode = (input: string): string | undefined =>
  input.startsWith('^') ? undefined : input.split(':')[0];

/** Nodes visited when tracing where a printed value comes from (CWE-400 on huge graphs). */
const MAX_FLOW_NODES = 10_000;

/** How far string expressions are followed back (Identity chains, nested StringJoin). */
const MAX_EXPRESSION_DEPTH = 16;

const dataInputs = (n: TfNode): string[] => n.inputs.filter((i) => !i.startsWith('^'));

/**
 * The constant strings input `index` evaluates to, through pass-throughs and string building
 * (StringJoin, ShardedFilename), or [] when any part is not a constant (a placeholder the loader
 * feeds, a function argument). Splitting a path into joined constants does not hide it.
 */
function constStrings(node: TfNode, index: number, byName: Map<string, TfNode>): string[] {
  const name = inputNode(dataInputs(node)[index] ?? '');
  return name === undefined ? [] : (evaluate(name, byName, 0) ?? []);
}

function evaluate(name: string, byName: Map<string, TfNode>, depth: number): string[] | undefined {
  const src = byName.get(name);
  if (!src || depth > MAX_EXPRESSION_DEPTH) return undefined;
  const input = (i: number): string[] | undefined => {
    const n = inputNode(dataInputs(src)[i] ?? '');
    return n === undefined ? undefined : evaluate(n, byName, depth + 1);
  };
  switch (src.op) {
    case 'Const':
    case 'HostConst': {
      const values = src.attrs.value?.strings ?? [];
      return values.length > 0 ? [...values] : undefined;
    }
    case 'Identity':
    case 'Snapshot':
    case 'StopGradient':
    case 'ShardedFilename':
      return input(0);
    case 'StringJoin': {
      const parts: string[] = [];
      for (let i = 0; i < dataInputs(src).length; i++) {
        const v = input(i);
        if (!v) return undefined;
        parts.push(v[0]!);
      }
      return [parts.join(src.attrs.separator?.strings[0] ?? '')];
    }
    default:
      return undefined;
  }
}

/** Does data from a file-reading op flow into this node? (Bounded breadth-first search over inputs.) */
function readsFile(node: TfNode, byName: Map<string, TfNode>): TfNode | undefined {
  const seen = new Set<string>([node.name]);
  const queue = [node];
  while (queue.length > 0 && seen.size < MAX_FLOW_NODES) {
    const n = queue.shift()!;
    for (const i of n.inputs) {
      const name = inputNode(i);
      if (name === undefined || seen.has(name)) continue;
      seen.add(name);
      const src = byName.get(name);
      if (!src) continue;
      if (OPS.get(src.op)?.category === 'file-read') return src;
      queue.push(src);
    }
  }
  return undefined;
}

interface Hit {
  rule: RuleId;
  severity: Severity;
  op: string;
  scope: string;
  what: string;
  nodes: number;
  first: TfNode;
  paths: Set<string>;
}

export function tensorflowFindings(state: ScanState, t: Target, model: TfGraphModel): void {
  anomalyFindings(state, t, model.anomalies, 'VAC-TF-005', 'VAC-TF-006');
  const byScope = scopes(model.nodes);
  // One finding per (rule, op, scope, severity, description): a graph repeating an op is one problem.
  const hits = new Map<string, Hit>();
  const hit = (rule: RuleId, severity: Severity, n: TfNode, what: string, paths: readonly string[]) => {
    const key = [rule, severity, n.op, n.scope, what].join('\u0000');
    const h = hits.get(key);
    if (h) {
      h.nodes++;
      for (const p of paths) if (h.paths.size < 5) h.paths.add(p);
    } else
      hits.set(key, {
        rule,
        severity,
        op: n.op,
        scope: n.scope,
        what,
        nodes: 1,
        first: n,
        paths: new Set(paths.slice(0, 5)),
      });
  };
  for (const n of model.nodes) {
    const rule = OPS.get(n.op);
    if (!rule) continue;
    const byName = byScope.get(n.scope)!;
    const inputPaths = (rule.pathInputs ?? []).flatMap((i) => constStrings(n, i, byName));
    const attrPaths = (rule.pathAttrs ?? []).flatMap((a) => [...(n.attrs[a]?.strings ?? [])]);
    const worst = Math.max(0, ...[...inputPaths, ...attrPaths].map((p) => RAISE[classifyPath(p)]));
    switch (rule.category) {
      case 'python':
        hit('VAC-TF-001', rule.severity, n, rule.reason, []);
        break;
      case 'file-read':
      case 'file-write':
      case 'file-list':
      case 'network': {
        const named = attrPaths.filter((p) => p !== '' && !p.startsWith('local://'));
        if (rule.onlyWithPath && named.length === 0) break;
        hit('VAC-TF-002', raise(rule.severity, worst), n, rule.reason, [...inputPaths, ...named]);
        break;
      }
      case 'checkpoint':
        // The saver graph of every SavedModel feeds these from a placeholder: only constants are findings.
        // A relative constant is how pre-1.0 savers wrote "model"; a path out of the working tree is an attack.
        if (inputPaths.length > 0)
          hit(
            'VAC-TF-003',
            raise(rule.severity, worst > 0 ? 2 : 0, 'high'),
            n,
            `${rule.reason} at a constant path`,
            inputPaths,
          );
        break;
      case 'print': {
        const stream = n.attrs.output_stream?.strings[0] ?? 'stderr';
        if (stream.startsWith('file://')) {
          // file:// is always absolute; only a remote or escaping target raises it further.
          const kind = classifyPath(stream);
          hit(
            'VAC-TF-004',
            raise(rule.severity, kind === 'absolute' ? 0 : RAISE[kind]),
            n,
            'prints to a file',
            [stream],
          );
          break;
        }
        const source = readsFile(n, byName);
        if (source) hit('VAC-TF-004', 'medium', n, `prints data read by ${source.op} to ${stream}`, []);
        break;
      }
    }
  }
  for (const h of [...hits.values()].sort((a, b) => a.first.offset - b.first.offset)) {
    const paths = [...h.paths];
    const loc: FindingLocation = { ...t.location, offset: h.first.offset };
    state.findings.push(
      makeFinding(h.rule, {
        message: `${h.op} ${h.what} (${h.nodes} node${h.nodes === 1 ? '' : 's'}, first ${JSON.stringify(h.first.name.slice(0, 120))} in ${h.scope})${paths.length > 0 ? `; path ${paths.map((p) => JSON.stringify(p.slice(0, 200))).join(', ')}` : ''}`,
        location: loc,
        severity: h.severity,
        evidence: {
          callable: h.op,
          ...(paths.length > 0 ? { excerpt: paths.map((p) => p.slice(0, 200)).join('\n') } : {}),
          details: { op: h.op, scope: h.scope, nodes: h.nodes, node: h.first.name.slice(0, 200) },
        },
      }),
    );
  }
}
