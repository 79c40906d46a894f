/**
 * Shapes for statistical disclosure control. A cell is named by a global id, so views (tables)
 * that share a marginal or grand total share the cell itself; every additive relation between
 * cells is a "line": the parts sum to the total.
 */

/** One organisation's contribution to a cell (1 for a count of organisations, a magnitude otherwise). */
export interface Contribution {
  readonly organisation: string;
  readonly value: number;
}

export interface CellInput {
  readonly contributions: readonly Contribution[];
}

/**
 * A table of cell ids: `rows` are the interior cells (rectangular); optional row totals, column
 * totals and a grand total. A one-dimensional table is one row with one row total. Higher
 * dimensions are expressed as several views sharing their marginal cells.
 */
export interface ViewShape {
  readonly id: string;
  readonly rows: readonly (readonly string[])[];
  readonly rowTotals?: readonly string[];
  readonly columnTotals?: readonly string[];
  readonly grandTotal?: string;
}

export type SuppressionReason = 'primary' | 'dominance' | 'complementary';

export type PublishedCell =
  | { readonly id: string; readonly value: number }
  | { readonly id: string; readonly suppressed: SuppressionReason };

export interface PublishedView {
  readonly id: string;
  readonly rows: readonly (readonly PublishedCell[])[];
  readonly rowTotals?: readonly PublishedCell[];
  readonly columnTotals?: readonly PublishedCell[];
  readonly grandTotal?: PublishedCell;
}

/** An additive relation: the sum of `parts` equals `total`. `where` names it for the audit trail. */
export interface Line {
  readonly parts: readonly string[];
  readonly total: string;
  readonly where: string;
}

interface AnyShape {
  readonly id: string;
  readonly rows: readonly (readonly unknown[])[];
  readonly rowTotals?: readonly unknown[];
  readonly columnTotals?: readonly unknown[];
  readonly grandTotal?: unknown;
}

const idOf = (c: unknown): string => (typeof c === 'string' ? c : (c as { id: string }).id);

/** Every line a view implies: rows, columns, and the grand total over each margin. */
export function linesOf(view: AnyShape): Line[] {
  const lines: Line[] = [];
  const rows = view.rows.map((r) => r.map(idOf));
  const width = rows[0]?.length ?? 0;
  const rowTotals = view.rowTotals?.map(idOf);
  const columnTotals = view.columnTotals?.map(idOf);
  const grand = view.grandTotal === undefined ? undefined : idOf(view.grandTotal);
  if (rowTotals) {
    rows.forEach((r, i) => {
      const total = rowTotals[i];
      if (total !== undefined) lines.push({ parts: r, total, where: `${view.id} row ${i}` });
    });
  }
  if (columnTotals) {
    for (let j = 0; j < width; j++) {
      const total = columnTotals[j];
      if (total !== undefined) {
        lines.push({ parts: rows.map((r) => r[j] as string), total, where: `${view.id} column ${j}` });
      }
    }
  }
  if (grand !== undefined) {
    if (rowTotals) lines.push({ parts: rowTotals, total: grand, where: `${view.id} row totals` });
    if (columnTotals) lines.push({ parts: columnTotals, total: grand, where: `${view.id} column totals` });
    if (!rowTotals && !columnTotals)
      lines.push({ parts: rows.flat(), total: grand, where: `${view.id} all cells` });
  }
  return lines;
}

/** All cell ids a view mentions. */
export function cellIdsOf(view: AnyShape): string[] {
  const ids = view.rows.flatMap((r) => r.map(idOf));
  if (view.rowTotals) ids.push(...view.rowTotals.map(idOf));
  if (view.columnTotals) ids.push(...view.columnTotals.map(idOf));
  if (view.grandTotal !== undefined) ids.push(idOf(view.grandTotal));
  return ids;
}
