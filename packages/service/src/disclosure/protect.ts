import { deriveAll } from './derive.js';
import {
  type CellInput,
  cellIdsOf,
  type Line,
  linesOf,
  type PublishedCell,
  type PublishedView,
  type SuppressionReason,
  type ViewShape,
} from './model.js';
import {
  type CellStats,
  cellStats,
  DEFAULT_DISCLOSURE_OPTIONS,
  type DisclosureOptions,
  failedDominance,
} from './rules.js';

export type AuditEntry =
  | { readonly cell: string; readonly reason: 'primary'; readonly count: number; readonly threshold: number }
  | { readonly cell: string; readonly reason: 'dominance'; readonly n: number; readonly k: number }
  | {
      readonly cell: string;
      readonly reason: 'complementary';
      readonly protects: string;
      readonly line: string;
    }
  /** A suppressed cell the structure itself gives away (e.g. a structural zero); reviewers must collapse the table. */
  | { readonly cell: string; readonly reason: 'unprotectable'; readonly line: string };

export type DisclosureErrorCode =
  | 'UNKNOWN_CELL'
  | 'RAGGED_VIEW'
  | 'MARGIN_LENGTH'
  | 'BAD_CONTRIBUTION'
  | 'TOTAL_MISMATCH'
  | 'BAD_OPTION';

export interface DisclosureIssue {
  readonly code: DisclosureErrorCode;
  readonly where: string;
}

export type ProtectResult =
  | {
      readonly ok: true;
      readonly views: readonly PublishedView[];
      readonly cells: Readonly<Record<string, PublishedCell>>;
      readonly audit: readonly AuditEntry[];
    }
  | { readonly ok: false; readonly issues: readonly DisclosureIssue[] };

function validate(
  views: readonly ViewShape[],
  cells: Readonly<Record<string, CellInput>>,
  options: DisclosureOptions,
): DisclosureIssue[] {
  const issues: DisclosureIssue[] = [];
  if (!Number.isInteger(options.threshold) || options.threshold < 1)
    issues.push({ code: 'BAD_OPTION', where: 'threshold' });
  for (const r of options.dominance) {
    if (!Number.isInteger(r.n) || r.n < 1 || !(r.k > 0 && r.k <= 100))
      issues.push({ code: 'BAD_OPTION', where: 'dominance' });
  }
  for (const [id, cell] of Object.entries(cells)) {
    for (const c of cell.contributions) {
      if (!Number.isSafeInteger(c.value) || c.value < 0) issues.push({ code: 'BAD_CONTRIBUTION', where: id });
    }
  }
  for (const v of views) {
    const width = v.rows[0]?.length ?? 0;
    if (v.rows.some((r) => r.length !== width)) issues.push({ code: 'RAGGED_VIEW', where: v.id });
    if (v.rowTotals && v.rowTotals.length !== v.rows.length)
      issues.push({ code: 'MARGIN_LENGTH', where: `${v.id} rowTotals` });
    if (v.columnTotals && v.columnTotals.length !== width)
      issues.push({ code: 'MARGIN_LENGTH', where: `${v.id} columnTotals` });
    for (const id of cellIdsOf(v))
      if (!Object.hasOwn(cells, id)) issues.push({ code: 'UNKNOWN_CELL', where: `${v.id} ${id}` });
  }
  return issues;
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Primary suppression (threshold), dominance, then complementary suppression until the published
 * views no longer give any suppressed cell away. Deterministic: ties break on cell id.
 */
export function protectTables(
  views: readonly ViewShape[],
  cells: Readonly<Record<string, CellInput>>,
  options: Partial<DisclosureOptions> = {},
): ProtectResult {
  const opts: DisclosureOptions = { ...DEFAULT_DISCLOSURE_OPTIONS, ...options };
  const issues = validate(views, cells, opts);
  if (issues.length > 0) return { ok: false, issues };

  const stats = new Map<string, CellStats>(Object.entries(cells).map(([id, c]) => [id, cellStats(c)]));
  const value = (id: string): number => stats.get(id)?.value ?? 0;
  const lines: Line[] = views.flatMap(linesOf);
  for (const l of lines) {
    if (l.parts.reduce((s, p) => s + value(p), 0) !== value(l.total))
      issues.push({ code: 'TOTAL_MISMATCH', where: l.where });
  }
  if (issues.length > 0) return { ok: false, issues };

  const used = [...new Set(views.flatMap(cellIdsOf))].sort(byId);
  const suppressed = new Map<string, SuppressionReason>();
  const audit: AuditEntry[] = [];
  for (const id of used) {
    const s = stats.get(id) as CellStats;
    if ((s.count > 0 || !opts.publishZeroCells) && s.count < opts.threshold) {
      suppressed.set(id, 'primary');
      audit.push({ cell: id, reason: 'primary', count: s.count, threshold: opts.threshold });
      continue;
    }
    const rule = failedDominance(s, opts.dominance);
    if (rule) {
      suppressed.set(id, 'dominance');
      audit.push({ cell: id, reason: 'dominance', n: rule.n, k: rule.k });
    }
  }

  const totals = new Set(lines.map((l) => l.total));
  // Smallest information loss first: interior before totals, non-zero before zero (a zero
  // complement hides nothing), then the smallest value, then id.
  const cost = (id: string): [number, number, number] => [
    totals.has(id) ? 1 : 0,
    value(id) === 0 ? 1 : 0,
    value(id),
  ];
  const cheaper = (a: string, b: string): boolean => {
    const ca = cost(a);
    const cb = cost(b);
    for (let i = 0; i < 3; i++) if (ca[i] !== cb[i]) return (ca[i] as number) < (cb[i] as number);
    return a < b;
  };
  const lineCells = (l: Line): string[] => [...l.parts, l.total];
  const cheapestIn = (ls: readonly Line[], except: string): { id: string; line: Line } | undefined => {
    let best: { id: string; line: Line } | undefined;
    for (const l of ls) {
      for (const id of lineCells(l)) {
        if (id === except || suppressed.has(id)) continue;
        if (!best || cheaper(id, best.id)) best = { id, line: l };
      }
    }
    return best;
  };
  const complement = (id: string, protects: string, line: Line): void => {
    suppressed.set(id, 'complementary');
    audit.push({ cell: id, reason: 'complementary', protects, line: line.where });
  };

  const given = new Set<string>();
  for (let guard = 0; guard <= 2 * used.length + 1; guard++) {
    // Pass 1, the classic rule: no line may hold exactly one suppressed cell.
    let changed = true;
    while (changed) {
      changed = false;
      for (const l of lines) {
        const hidden = lineCells(l).filter((id) => suppressed.has(id));
        if (hidden.length !== 1) continue;
        const pick = cheapestIn([l], hidden[0] as string);
        if (pick) {
          complement(pick.id, hidden[0] as string, l);
          changed = true;
        }
      }
    }
    // Pass 2: the checker, for what combinations of lines and linked views give away.
    const report = deriveAll(publish(views, stats, suppressed));
    const leaked = [...report.cells].filter(([id, d]) => d.derivable && !given.has(id)).map(([id]) => id);
    if (leaked.length === 0) break;
    const target = leaked.sort(byId)[0] as string;
    const pick = cheapestIn(
      lines.filter((l) => lineCells(l).includes(target)),
      target,
    );
    if (pick) complement(pick.id, target, pick.line);
    else {
      given.add(target);
      const where = lines.find((l) => lineCells(l).includes(target))?.where ?? 'no line';
      audit.push({ cell: target, reason: 'unprotectable', line: where });
    }
  }

  const published = publish(views, stats, suppressed);
  const out: Record<string, PublishedCell> = {};
  for (const v of published) {
    for (const c of [...v.rows.flat(), ...(v.rowTotals ?? []), ...(v.columnTotals ?? [])]) out[c.id] = c;
    if (v.grandTotal) out[v.grandTotal.id] = v.grandTotal;
  }
  return { ok: true, views: published, cells: out, audit };
}

function publish(
  views: readonly ViewShape[],
  stats: ReadonlyMap<string, CellStats>,
  suppressed: ReadonlyMap<string, SuppressionReason>,
): PublishedView[] {
  const cell = (id: string): PublishedCell => {
    const reason = suppressed.get(id);
    return reason ? { id, suppressed: reason } : { id, value: stats.get(id)?.value ?? 0 };
  };
  return views.map((v) => ({
    id: v.id,
    rows: v.rows.map((r) => r.map(cell)),
    ...(v.rowTotals ? { rowTotals: v.rowTotals.map(cell) } : {}),
    ...(v.columnTotals ? { columnTotals: v.columnTotals.map(cell) } : {}),
    ...(v.grandTotal !== undefined ? { grandTotal: cell(v.grandTotal) } : {}),
  }));
}
