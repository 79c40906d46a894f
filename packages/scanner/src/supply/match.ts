/** Matching inventoried components against an advisory database. Pure apart from the database lookup. */
import type { Severity } from '../findings.js';
import type { AdvisoryDatabase } from './database.js';
import type { AdvisoryRecord } from './osv.js';
import type { Component } from './types.js';
import { fixedFor, fixedVersions, isAffected, mayBeAffected } from './versions.js';

export interface AdvisoryMatch {
  readonly component: Component;
  readonly advisory: AdvisoryRecord;
  /** `affected`: the pinned version is affected; `possible`: the range admits an affected version. */
  readonly certainty: 'affected' | 'possible';
  /** The first fixed version above the pinned one, or every fixed version for a range. */
  readonly fixed: readonly string[];
}

export async function matchComponents(
  components: readonly Component[],
  db: AdvisoryDatabase,
): Promise<AdvisoryMatch[]> {
  const out: AdvisoryMatch[] = [];
  for (const c of components) {
    // Direct (URL/VCS) components have no index version; conda has no OSV ecosystem.
    if (c.direct !== undefined || c.ecosystem === 'conda') continue;
    for (const advisory of await db.lookup(c.ecosystem, c.name)) {
      if (advisory.withdrawn !== undefined) continue;
      if (c.pinned) {
        if (isAffected(c.version, advisory)) {
          const f = fixedFor(c.version, advisory);
          out.push({ component: c, advisory, certainty: 'affected', fixed: f === undefined ? [] : [f] });
        }
      } else if (mayBeAffected(c.version, advisory)) {
        out.push({ component: c, advisory, certainty: 'possible', fixed: fixedVersions(advisory) });
      }
    }
  }
  return out;
}

const DB_SEVERITY: Readonly<Record<string, Severity>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MODERATE: 'medium',
  MEDIUM: 'medium',
  LOW: 'low',
};
const LOWER: Readonly<Record<Severity, Severity>> = {
  critical: 'high',
  high: 'medium',
  medium: 'low',
  low: 'info',
  info: 'info',
};

/** The advisory's severity (database_specific.severity); one level lower for a possible match. */
export function matchSeverity(m: AdvisoryMatch): Severity | undefined {
  const s = DB_SEVERITY[(m.advisory.databaseSeverity ?? '').toUpperCase()];
  if (s === undefined) return undefined;
  return m.certainty === 'affected' ? s : LOWER[s];
}
