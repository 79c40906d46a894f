/**
 * Pickle policy: allowlist first. A callable a pickle imports or calls is accepted only if the
 * allowlist names it exactly (or a narrow pattern does); everything else is a finding, and the
 * denylist only decides how severe. The policy is versioned data (pickle-policy-v1.json); users extend
 * it with `--policy FILE`, checked here strictly at the trust boundary.
 */
import { readFile } from 'node:fs/promises';
import builtin from './pickle-policy-v1.json' with { type: 'json' };

export type PolicyContext = 'pickle' | 'torch' | 'torchscript' | 'joblib' | 'numpy';
const CONTEXTS: readonly PolicyContext[] = ['pickle', 'torch', 'torchscript', 'joblib', 'numpy'];

export interface AllowPattern {
  /** Module, or module prefix (covers submodules) unless exactModule. */
  readonly module: string;
  /** Regular expression the (undotted) name must match. */
  readonly name: string;
  readonly exactModule?: boolean;
  readonly contexts?: readonly PolicyContext[];
  readonly reason?: string;
}

export interface PolicyData {
  readonly id: string;
  readonly version: string;
  readonly description?: string;
  readonly allow: {
    readonly exact: readonly string[];
    readonly patterns: readonly AllowPattern[];
    readonly contextExact?: Partial<Record<PolicyContext, readonly string[]>>;
  };
  readonly safeGetattr?: { readonly callables: readonly string[]; readonly rule?: string };
  readonly deny: { readonly modules: readonly string[]; readonly dunderNames?: boolean };
  readonly nestedLoaders?: readonly string[];
}

export type PolicyErrorCode = 'POLICY_UNREADABLE' | 'POLICY_NOT_JSON' | 'POLICY_INVALID';

export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PolicyError';
  }
}

export type Verdict =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'denied'; readonly match: string }
  | { readonly kind: 'unlisted' };

export class Policy {
  private readonly exact: Set<string>;
  private readonly contextExact: Map<PolicyContext, Set<string>>;
  private readonly patterns: Array<AllowPattern & { re: RegExp }>;
  private readonly denyModules: Set<string>;
  readonly safeGetattr: ReadonlySet<string>;
  readonly nestedLoaders: ReadonlySet<string>;

  constructor(readonly data: PolicyData) {
    this.exact = new Set(data.allow.exact);
    this.contextExact = new Map(
      Object.entries(data.allow.contextExact ?? {}).map(([k, v]) => [k as PolicyContext, new Set(v)]),
    );
    this.patterns = data.allow.patterns.map((p) => ({ ...p, re: new RegExp(p.name, 'u') }));
    this.denyModules = new Set(data.deny.modules);
    this.safeGetattr = new Set(data.safeGetattr?.callables ?? []);
    this.nestedLoaders = new Set(data.nestedLoaders ?? []);
  }

  get id(): string {
    return this.data.id;
  }
  get version(): string {
    return this.data.version;
  }

  isAllowed(module: string, name: string, context: PolicyContext): boolean {
    const fq = `${module}.${name}`;
    if (this.exact.has(fq) || this.contextExact.get(context)?.has(fq)) return true;
    if (name.includes('.')) return false; // dotted qualnames walk attributes: only exact entries admit them
    // Patterns are broad (a package's classes): the denylist overrides them, exact entries override both.
    if (this.denyMatch(module, name) !== undefined) return false;
    return this.patterns.some(
      (p) =>
        (p.contexts === undefined || p.contexts.includes(context)) &&
        (p.exactModule ? module === p.module : module === p.module || module.startsWith(`${p.module}.`)) &&
        p.re.test(name),
    );
  }

  /**
   * Every prefix of the full path (`torch.load`, `keras.utils.get_file`, module wildcards), and every
   * run inside a dotted name: protocol-4 attribute walks reach modules through attributes, so
   * `pathlib` + `os.system` and `numpy` + `core._internal.sys.modules` hit `os` and `sys`.
   */
  denyMatch(module: string, name: string): string | undefined {
    const mparts = module.split('.');
    const parts = [...mparts, ...name.split('.')];
    // The first name part is the attribute imported; a dunder after it is an introspection walk.
    const walk = parts.slice(mparts.length + 1);
    if (
      this.data.deny.dunderNames &&
      walk.some((p) => p.length > 4 && p.startsWith('__') && p.endsWith('__'))
    ) {
      return 'dunder attribute traversal';
    }
    for (let j = 1; j <= parts.length; j++) {
      const candidate = parts.slice(0, j).join('.');
      if (this.denyModules.has(candidate)) return candidate;
    }
    for (let i = mparts.length; i < parts.length; i++) {
      for (let j = i + 1; j <= parts.length; j++) {
        const candidate = parts.slice(i, j).join('.');
        if (this.denyModules.has(candidate)) return candidate;
      }
    }
    return undefined;
  }

  verdict(module: string, name: string, context: PolicyContext): Verdict {
    if (this.isAllowed(module, name, context)) return { kind: 'allowed' };
    const match = this.denyMatch(module, name);
    return match !== undefined ? { kind: 'denied', match } : { kind: 'unlisted' };
  }
}

/** Loads a user policy file and merges it over the built-in one (entries are added, never removed). */
export async function loadPolicyFile(path: string, base: Policy = BUILTIN_POLICY): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PolicyError(
      'POLICY_UNREADABLE',
      `cannot read policy file ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PolicyError(
      'POLICY_NOT_JSON',
      `policy file ${path} is not valid JSON: ${(cause as Error).message}`,
      { cause },
    );
  }
  return new Policy(mergePolicies(base.data, validatePolicy(json, path)));
}

export function mergePolicies(base: PolicyData, extra: PolicyData): PolicyData {
  const ctx: Partial<Record<PolicyContext, string[]>> = {};
  for (const c of CONTEXTS) {
    const merged = [...(base.allow.contextExact?.[c] ?? []), ...(extra.allow.contextExact?.[c] ?? [])];
    if (merged.length > 0) ctx[c] = merged;
  }
  return {
    id: `${base.id}+${extra.id}`,
    version: `${base.version}+${extra.version}`,
    description: base.description ?? '',
    allow: {
      exact: [...base.allow.exact, ...extra.allow.exact],
      patterns: [...base.allow.patterns, ...extra.allow.patterns],
      contextExact: ctx,
    },
    safeGetattr: {
      callables: [...(base.safeGetattr?.callables ?? []), ...(extra.safeGetattr?.callables ?? [])],
    },
    deny: {
      modules: [...base.deny.modules, ...extra.deny.modules],
      dunderNames: (base.deny.dunderNames ?? false) || (extra.deny.dunderNames ?? false),
    },
    nestedLoaders: [...(base.nestedLoaders ?? []), ...(extra.nestedLoaders ?? [])],
  };
}

// ---- validation at the trust boundary ------------------------------------------------------------

type Json = unknown;

function invalid(where: string, path: string, what: string): never {
  throw new PolicyError('POLICY_INVALID', `${where}: ${path} ${what}`);
}

function obj(
  v: Json,
  where: string,
  path: string,
  keys: { required: string[]; optional: string[] },
): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) invalid(where, path, 'must be an object');
  const rec = v as Record<string, Json>;
  for (const k of Object.keys(rec)) {
    if (!keys.required.includes(k) && !keys.optional.includes(k))
      invalid(where, `${path}.${k}`, 'is not a known property');
  }
  for (const k of keys.required) if (!(k in rec)) invalid(where, `${path}.${k}`, 'is required');
  return rec;
}

function strArray(v: Json, where: string, path: string, check?: (s: string) => boolean, hint = ''): string[] {
  if (!Array.isArray(v)) invalid(where, path, 'must be an array of strings');
  return v.map((s, i) => {
    if (typeof s !== 'string' || s.length === 0 || s.length > 512)
      invalid(where, `${path}[${i}]`, 'must be a non-empty string');
    if (check && !check(s)) invalid(where, `${path}[${i}]`, `(${JSON.stringify(s)}) ${hint}`);
    return s;
  });
}

function str(v: Json, where: string, path: string): string {
  if (typeof v !== 'string' || v.length === 0) invalid(where, path, 'must be a non-empty string');
  return v;
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const isDotted = (s: string) => DOTTED.test(s);
const isQualified = (s: string) => isDotted(s) && s.includes('.');

export function validatePolicy(input: Json, where: string): PolicyData {
  const root = obj(input, where, 'policy', {
    required: ['id', 'version', 'allow', 'deny'],
    optional: ['description', 'safeGetattr', 'nestedLoaders', '$schema'],
  });
  const allow = obj(root.allow, where, 'allow', {
    required: ['exact', 'patterns'],
    optional: ['contextExact'],
  });
  if (!Array.isArray(allow.patterns)) invalid(where, 'allow.patterns', 'must be an array');
  const patterns = (allow.patterns as Json[]).map((p, i) => {
    const at = `allow.patterns[${i}]`;
    const rec = obj(p, where, at, {
      required: ['module', 'name'],
      optional: ['exactModule', 'contexts', 'reason'],
    });
    const module = str(rec.module, where, `${at}.module`);
    if (!isDotted(module)) invalid(where, `${at}.module`, 'must be a dotted module name');
    const name = str(rec.name, where, `${at}.name`);
    try {
      new RegExp(name, 'u');
    } catch {
      invalid(where, `${at}.name`, 'must be a valid regular expression');
    }
    if (!name.startsWith('^') || !name.endsWith('$'))
      invalid(where, `${at}.name`, "must be anchored with '^' and '$'");
    if (rec.exactModule !== undefined && typeof rec.exactModule !== 'boolean')
      invalid(where, `${at}.exactModule`, 'must be a boolean');
    const contexts =
      rec.contexts === undefined
        ? undefined
        : (strArray(
            rec.contexts,
            where,
            `${at}.contexts`,
            (s) => (CONTEXTS as readonly string[]).includes(s),
            `is not one of ${CONTEXTS.join(', ')}`,
          ) as PolicyContext[]);
    return {
      module,
      name,
      ...(rec.exactModule !== undefined ? { exactModule: rec.exactModule as boolean } : {}),
      ...(contexts ? { contexts } : {}),
      ...(rec.reason !== undefined ? { reason: str(rec.reason, where, `${at}.reason`) } : {}),
    };
  });
  let contextExact: Partial<Record<PolicyContext, string[]>> | undefined;
  if (allow.contextExact !== undefined) {
    const rec = obj(allow.contextExact, where, 'allow.contextExact', {
      required: [],
      optional: [...CONTEXTS],
    });
    contextExact = {};
    for (const [k, v] of Object.entries(rec)) {
      contextExact[k as PolicyContext] = strArray(
        v,
        where,
        `allow.contextExact.${k}`,
        isQualified,
        'must be module.name',
      );
    }
  }
  const deny = obj(root.deny, where, 'deny', { required: ['modules'], optional: ['dunderNames'] });
  if (deny.dunderNames !== undefined && typeof deny.dunderNames !== 'boolean')
    invalid(where, 'deny.dunderNames', 'must be a boolean');
  let safeGetattr: PolicyData['safeGetattr'];
  if (root.safeGetattr !== undefined) {
    const rec = obj(root.safeGetattr, where, 'safeGetattr', { required: ['callables'], optional: ['rule'] });
    safeGetattr = {
      callables: strArray(rec.callables, where, 'safeGetattr.callables', isQualified, 'must be module.name'),
    };
  }
  return {
    id: str(root.id, where, 'id'),
    version: str(root.version, where, 'version'),
    ...(root.description !== undefined ? { description: str(root.description, where, 'description') } : {}),
    allow: {
      exact: strArray(allow.exact, where, 'allow.exact', isQualified, 'must be module.name'),
      patterns,
      ...(contextExact ? { contextExact } : {}),
    },
    ...(safeGetattr ? { safeGetattr } : {}),
    deny: {
      modules: strArray(deny.modules, where, 'deny.modules', isDotted, 'must be a dotted name'),
      ...(deny.dunderNames !== undefined ? { dunderNames: deny.dunderNames as boolean } : {}),
    },
    ...(root.nestedLoaders !== undefined
      ? {
          nestedLoaders: strArray(
            root.nestedLoaders,
            where,
            'nestedLoaders',
            isQualified,
            'must be module.name',
          ),
        }
      : {}),
  };
}

/** The built-in policy (pickle-policy-v1.json), validated like any user file. */
export const BUILTIN_POLICY = new Policy(validatePolicy(builtin, 'built-in policy'));
