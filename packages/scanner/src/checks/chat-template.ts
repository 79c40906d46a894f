/**
 * Chat templates: the static analysis from @vacsrp/formats judged against the chat-template policy.
 * Jinja's sandbox blocks dunder and underscore attributes; a renderer without it (llama-cpp-python
 * before 0.2.72, CVE-2024-34359) lets a template walk from any object to os.popen. A template that
 * reaches for such names has no business in a chat template, whichever renderer loads it.
 */
import { analyseTemplate, type TemplateAccess } from '@vacsrp/formats';
import { type Finding, type FindingLocation, makeFinding, type Severity } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import policyData from './chat-template-policy-v1.json' with { type: 'json' };

interface TemplatePolicy {
  readonly templateGlobals: ReadonlySet<string>;
  readonly codeExecutionNames: ReadonlySet<string>;
}

let cached: TemplatePolicy | undefined;

/** The bundled policy, checked once on first use. */
function templatePolicy(): TemplatePolicy {
  if (cached) return cached;
  const list = (v: unknown, name: string): Set<string> => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new Error(`chat-template policy: ${name} must be an array of strings`);
    return new Set(v);
  };
  cached = {
    templateGlobals: list(policyData.templateGlobals, 'templateGlobals'),
    codeExecutionNames: list(policyData.codeExecutionNames, 'codeExecutionNames'),
  };
  return cached;
}

/** Findings reported per template; one per distinct name, the rest are counted (CWE-400). */
const MAX_FINDINGS_PER_TEMPLATE = 20;

const isDunder = (name: string): boolean => /^__\w+__$/.test(name);
const isPrivate = (name: string): boolean => name.startsWith('_') && !isDunder(name);

interface Verdict {
  readonly rule: RuleId;
  readonly severity?: Severity;
  readonly why: string;
}

function judgeAccess(a: TemplateAccess, policy: TemplatePolicy): Verdict | undefined {
  const name = a.name;
  if (name !== undefined && isDunder(name))
    return { rule: 'VAC-GGUF-001', why: `accesses ${name}${a.built ? ' (name built from strings)' : ''}` };
  // String literals from the fallback paths have no known use: only dunders count there.
  if (a.kind === 'string') return undefined;
  if (name !== undefined && isPrivate(name))
    return { rule: 'VAC-GGUF-002', why: `accesses private attribute ${name}` };
  if (name !== undefined && policy.codeExecutionNames.has(name))
    return { rule: 'VAC-GGUF-002', why: `accesses ${name}, a code-execution name` };
  if (a.root !== undefined && a.rootFree && a.direct && policy.templateGlobals.has(a.root))
    return { rule: 'VAC-GGUF-002', why: `reaches into the template global ${a.root}` };
  if (a.built && name === undefined)
    return { rule: 'VAC-GGUF-003', why: 'looks up an attribute whose name is computed at render time' };
  if (a.built)
    return {
      rule: 'VAC-GGUF-003',
      severity: 'low',
      why: `builds the attribute name ${JSON.stringify(name)} from strings`,
    };
  return undefined;
}

/**
 * Analyses one template. `where` names it in messages (a GGUF key, a file); `location` is where
 * findings point.
 */
export function chatTemplateFindings(template: string, where: string, location: FindingLocation): Finding[] {
  const policy = templatePolicy();
  const analysis = analyseTemplate(template);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  const add = (
    rule: RuleId,
    key: string,
    message: string,
    excerpt: string,
    severity?: Severity,
    details: Record<string, string> = {},
  ) => {
    if (seen.has(`${rule}\u0000${key}`)) return;
    seen.add(`${rule}\u0000${key}`);
    if (findings.length >= MAX_FINDINGS_PER_TEMPLATE) {
      dropped++;
      return;
    }
    findings.push(
      makeFinding(rule, {
        message,
        location,
        ...(severity ? { severity } : {}),
        evidence: {
          excerpt: excerpt.slice(0, 200),
          details: { template: where, analysis: analysis.method, ...details },
        },
      }),
    );
  };

  if (analysis.parseError !== undefined)
    add(
      'VAC-GGUF-004',
      'parse',
      `${where} does not parse (${analysis.parseError}); ${analysis.method === 'ast' ? 'analysed after reading Python-only syntax as Python does' : `analysed from its ${analysis.method}`}`,
      analysis.parseError,
    );
  if (analysis.limit !== undefined)
    add(
      'VAC-GGUF-004',
      'limit',
      `${where}: analysis limit ${analysis.limit} reached; the rest was not analysed`,
      analysis.limit,
      undefined,
      { limit: analysis.limit },
    );
  for (const a of analysis.accesses) {
    const v = judgeAccess(a, policy);
    if (v)
      add(v.rule, a.name ?? `${a.path}|${a.root ?? ''}`, `${where} ${v.why}: ${a.path}`, a.path, v.severity, {
        access: a.kind,
      });
  }
  for (const name of analysis.freeNames) {
    if (isDunder(name)) add('VAC-GGUF-001', name, `${where} reads the name ${name}`, name);
    else if (policy.codeExecutionNames.has(name))
      add('VAC-GGUF-002', name, `${where} reads the name ${name}, a code-execution name`, name);
  }
  if (dropped > 0)
    findings.push(
      makeFinding('VAC-GGUF-004', {
        message: `${where}: ${dropped} further template findings not listed`,
        location,
        severity: 'low',
        evidence: { details: { template: where, dropped } },
      }),
    );
  return findings;
}
