import type { CellInput } from './model.js';

/** (n, k) dominance: suppress when the n largest contributors hold more than k % of the cell. */
export interface DominanceRule {
  readonly n: number;
  readonly k: number;
}

export interface DisclosureOptions {
  /** A cell with 1..threshold-1 contributing organisations is suppressed. */
  readonly threshold: number;
  readonly dominance: readonly DominanceRule[];
  /** Publish cells with no contributor as 0 (CMS policy allows 0). */
  readonly publishZeroCells: boolean;
}

/**
 * Defaults: the CMS cell-size policy forbids showing 1–10 (so at least 11 organisations); the
 * dominance pair (1, 60 %) and (2, 85 %) is the usual choice for business statistics under FCSM
 * Statistical Policy Working Paper 22, which describes the (n, k) rule without fixing parameters.
 */
export const DEFAULT_DISCLOSURE_OPTIONS: DisclosureOptions = Object.freeze({
  threshold: 11,
  dominance: Object.freeze([Object.freeze({ n: 1, k: 60 }), Object.freeze({ n: 2, k: 85 })]),
  publishZeroCells: true,
});

export interface CellStats {
  readonly value: number;
  /** Distinct organisations with a positive contribution. */
  readonly count: number;
  /** Per-organisation totals, largest first. */
  readonly shares: readonly number[];
}

export function cellStats(cell: CellInput): CellStats {
  const byOrg = new Map<string, number>();
  for (const c of cell.contributions) byOrg.set(c.organisation, (byOrg.get(c.organisation) ?? 0) + c.value);
  const shares = [...byOrg.values()].filter((v) => v > 0).sort((a, b) => b - a);
  return { value: shares.reduce((s, v) => s + v, 0), count: shares.length, shares };
}

/** The first dominance rule the cell fails, if any. Integer comparison: 100·top > k·total. */
export function failedDominance(
  stats: CellStats,
  rules: readonly DominanceRule[],
): DominanceRule | undefined {
  if (stats.value <= 0) return undefined;
  return rules.find((r) => {
    const top = stats.shares.slice(0, r.n).reduce((s, v) => s + v, 0);
    return 100 * top > r.k * stats.value;
  });
}
