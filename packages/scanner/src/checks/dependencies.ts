/**
 * Dependency files (requirements*.txt, pyproject.toml, lock files, conda environments): the inventory
 * of components, pinning and hashing, package-source options, and known vulnerabilities from the
 * offline advisory database (state.advisories). Routed by file NAME: these are text formats defined
 * by their names, and nothing else claims them.
 */
import { collectStream } from '@vacsrp/formats';
import { type Finding, type FindingInput, makeFinding, type Reference } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import type { SUPPLY_RULES } from '../rules/supply.js';
import type { AdvisoryDatabase } from '../supply/database.js';
import { parseDependencyFile } from '../supply/inventory.js';
import { SUPPLY_LIMITS } from '../supply/limits.js';
import { type AdvisoryMatch, matchComponents, matchSeverity } from '../supply/match.js';
import { dependencyFileKind } from '../supply/names.js';
import { clip } from '../supply/pep508.js';
import type { Component, DependencyInventory, DependencyProblem, Position } from '../supply/types.js';
import type { Analysis, ScanState, Target } from './types.js';

export type SupplyRuleId = keyof typeof SUPPLY_RULES;

/** ScanState as this check reads it: `advisories` is set when the scan was given a database. */
type SupplyScanState = ScanState & { readonly advisories?: AdvisoryDatabase };

/** Per-component findings of one kind (unpinned, unhashed) listed per file before one summary. */
const MAX_COMPONENT_FINDINGS = 100;

/** Scans a dependency file; undefined when the target's name is not one. */
export async function scanDependencyFile(state: ScanState, t: Target): Promise<Analysis | undefined> {
  const nested = (t.location.members?.length ?? 0) > 0;
  const kind = dependencyFileKind(t.name) ?? (nested ? undefined : dependencyFileKind(t.location.artifact));
  if (kind === undefined) return undefined;
  const limit = SUPPLY_LIMITS.maxDependencyFileBytes;
  const { bytes, truncated } = await collectStream(t.content.open(), limit);
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = undefined;
  }
  const inputs: SupplyFindingInput[] = [];
  if (truncated) {
    inputs.push({
      ruleId: 'VAC-DEP-008',
      message: `${kind} file larger than ${limit} bytes (maxDependencyFileBytes): not read`,
      location: t.location,
    });
  } else if (text === undefined) {
    inputs.push({
      ruleId: 'VAC-DEP-008',
      message: `${kind} file is not UTF-8 text: not read`,
      location: t.location,
    });
  } else {
    const inventory = parseDependencyFile(kind, text, t.name);
    const db = (state as SupplyScanState).advisories;
    const matches = db === undefined ? undefined : await matchComponents(inventory.components, db);
    inputs.push(...dependencyFindings(inventory, matches, t.location));
  }
  for (const { ruleId, ...input } of inputs) state.findings.push(supplyFinding(ruleId, input));
  return { format: kind };
}

/** makeFinding for this area's rules, typed by SUPPLY_RULES until the registry lists them. */
function supplyFinding(ruleId: SupplyRuleId, input: FindingInput): Finding {
  return makeFinding(ruleId as string as RuleId, input);
}

export interface SupplyFindingInput extends FindingInput {
  readonly ruleId: SupplyRuleId;
}

const at = (p: Position): string =>
  p.line === undefined ? '' : `:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
const where = (p: Position & { file: string }) => `${p.file}${at(p)}`;
const details = (p: Position) => ({
  ...(p.line !== undefined && { line: p.line }),
  ...(p.column !== undefined && { column: p.column }),
});
const label = (c: Component) => `${c.ecosystem} ${c.name}${c.version === '' ? '' : ` ${c.version}`}`;

/**
 * The findings for one parsed file: pure, so the rules are testable without a scan.
 * `matches` is undefined when no advisory database was available.
 */
export function dependencyFindings(
  inv: DependencyInventory,
  matches: readonly AdvisoryMatch[] | undefined,
  location: Target['location'],
): SupplyFindingInput[] {
  const out: SupplyFindingInput[] = [];
  for (const p of inv.problems) out.push(problemFinding(p, location));
  const components = inv.components;

  const unpinned = components.filter((c) => !c.pinned && c.direct === undefined);
  for (const c of unpinned.slice(0, MAX_COMPONENT_FINDINGS)) {
    out.push({
      ruleId: 'VAC-DEP-003',
      message: `${where(c)}: ${c.name} is not pinned (${c.version === '' ? 'no version' : c.version})`,
      location,
      evidence: {
        excerpt: clip(label(c)),
        details: { ...details(c), ecosystem: c.ecosystem, package: c.name },
      },
      // A pyproject.toml lists what a library accepts; the lock file is where pins belong.
      ...(inv.kind === 'pyproject' && { severity: 'info' as const }),
    });
  }
  if (unpinned.length > MAX_COMPONENT_FINDINGS) {
    out.push({
      ruleId: 'VAC-DEP-003',
      message: `${unpinned.length - MAX_COMPONENT_FINDINGS} further unpinned dependencies not listed`,
      location,
    });
  }

  for (const c of components.filter((x) => x.direct !== undefined).slice(0, MAX_COMPONENT_FINDINGS)) {
    out.push({
      ruleId: 'VAC-DEP-005',
      message: `${where(c)}: ${c.name} is installed from ${clip(c.direct ?? '', 120)}`,
      location,
      evidence: {
        excerpt: clip(c.direct ?? '', 200),
        details: { ...details(c), ecosystem: c.ecosystem, package: c.name },
      },
    });
  }

  if (inv.canHash && components.length > 0) {
    const unhashed = components.filter((c) => !c.hashed);
    if (unhashed.length === components.length) {
      out.push({
        ruleId: 'VAC-DEP-004',
        message: `${inv.components[0]!.file}: none of the ${components.length} dependencies has an artifact hash`,
        location,
        evidence: {
          excerpt: clip(unhashed.map((c) => c.name).join(', '), 200),
          details: { count: unhashed.length },
        },
      });
    } else {
      for (const c of unhashed.slice(0, MAX_COMPONENT_FINDINGS)) {
        out.push({
          ruleId: 'VAC-DEP-004',
          message: `${where(c)}: ${c.name} has no artifact hash while others in the file do (pip's hash-checking mode rejects the file)`,
          location,
          evidence: {
            excerpt: clip(label(c)),
            details: { ...details(c), ecosystem: c.ecosystem, package: c.name },
          },
        });
      }
    }
  }

  if (matches === undefined) {
    if (components.length > 0) {
      out.push({
        ruleId: 'VAC-DEP-009',
        message: `${inv.components[0]!.file}: ${components.length} dependencies not checked: no advisory database (vacsrp advisories import, then scan --data DIR)`,
        location,
      });
    }
  } else {
    for (const m of matches) out.push(matchFinding(m, location));
  }
  return out;
}

function problemFinding(p: DependencyProblem, location: Target['location']): SupplyFindingInput {
  const evidence = { details: { ...details(p), code: p.code } };
  switch (p.code) {
    case 'INCLUDE':
      return { ruleId: 'VAC-DEP-007', message: `${where(p)}: ${p.message}`, location, evidence };
    case 'OPTION':
      return { ruleId: 'VAC-DEP-006', message: `${where(p)}: ${p.message}`, location, evidence };
    case 'SYNTAX':
    case 'STRUCTURE':
    case 'UNSUPPORTED_VERSION':
    case 'LIMIT':
      return { ruleId: 'VAC-DEP-008', message: `${where(p)}: ${p.message}`, location, evidence };
  }
}

function matchFinding(m: AdvisoryMatch, location: Target['location']): SupplyFindingInput {
  const a = m.advisory;
  const c = m.component;
  const cves = a.aliases.filter((x) => /^CVE-\d{4}-\d+$/.test(x));
  const references: Reference[] = [
    ...(a.id.startsWith('GHSA-') ? [{ type: 'ghsa' as const, id: a.id }] : []),
    ...cves.map((id) => ({ type: 'cve' as const, id })),
    ...a.cwes.filter((x) => /^CWE-\d+$/.test(x)).map((id) => ({ type: 'cwe' as const, id })),
  ];
  const ids = [a.id, ...a.aliases].join(', ');
  const fix = m.fixed.length === 0 ? 'no fixed version published' : `fixed in ${m.fixed.join(', ')}`;
  const cvss = a.cvss[0];
  const severity = matchSeverity(m);
  const message =
    m.certainty === 'affected'
      ? `${where(c)}: ${c.name} ${c.version} is affected by ${ids}: ${clip(a.summary, 160)} (${fix})`
      : `${where(c)}: ${c.name} ${c.version === '' ? '(any version)' : c.version} may be affected by ${ids}: ${clip(a.summary, 160)} (${fix})`;
  return {
    ruleId: m.certainty === 'affected' ? 'VAC-DEP-001' : 'VAC-DEP-002',
    message,
    location,
    ...(severity !== undefined && { severity }),
    references,
    evidence: {
      excerpt: clip(label(c)),
      details: {
        ...details(c),
        ecosystem: c.ecosystem,
        package: c.name,
        version: c.version,
        advisory: a.id,
        ...(cves.length > 0 && { cve: cves.join(', ') }),
        ...(m.fixed.length > 0 && { fixed: m.fixed.join(', ') }),
        ...(cvss !== undefined && { cvss: cvss.score }),
        ...(a.databaseSeverity !== undefined && { advisorySeverity: a.databaseSeverity }),
      },
    },
  };
}
