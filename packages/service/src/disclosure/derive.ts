import { type Line, linesOf, type PublishedCell, type PublishedView } from './model.js';

/**
 * The independent checker: what an attacker can recover from the published views alone. It sees
 * no contributions and no suppression reasons, only published values and the additive structure.
 *
 * Exact derivation: the published lines form a linear system over the suppressed cells; a cell is
 * derivable when its unit vector lies in the row space (Gaussian elimination over the integers with
 * BigInt, so no rounding). Bounds: cells are non-negative, so a reduced equation whose coefficients
 * all have one sign and whose right-hand side is 0 forces every cell in it to 0.
 */
export type Derivation =
  | { readonly derivable: false }
  | { readonly derivable: true; readonly value: string; readonly by: 'elimination' | 'bounds' };

export interface DerivationReport {
  /** Suppressed cell id → derivation, for every suppressed cell. */
  readonly cells: ReadonlyMap<string, Derivation>;
  /** True when the published numbers contradict the structure (a total that is not the sum). */
  readonly inconsistent: boolean;
}

interface Equation {
  coef: bigint[];
  rhs: bigint;
}

const abs = (a: bigint): bigint => (a < 0n ? -a : a);
function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function normalise(e: Equation): void {
  let g = abs(e.rhs);
  for (const c of e.coef) g = gcd(g, c);
  if (g > 1n) {
    e.coef = e.coef.map((c) => c / g);
    e.rhs /= g;
  }
}

function fraction(num: bigint, den: bigint): string {
  const sign = num < 0n !== den < 0n && num !== 0n ? '-' : '';
  const g = gcd(num, den);
  const n = abs(num) / (g || 1n);
  const d = abs(den) / (g || 1n);
  return d === 1n ? `${sign}${n}` : `${sign}${n}/${d}`;
}

function collect(views: readonly PublishedView[]): { lines: Line[]; cells: Map<string, PublishedCell> } {
  const cells = new Map<string, PublishedCell>();
  const lines: Line[] = [];
  for (const v of views) {
    const all: PublishedCell[] = [...v.rows.flat(), ...(v.rowTotals ?? []), ...(v.columnTotals ?? [])];
    if (v.grandTotal) all.push(v.grandTotal);
    for (const c of all) cells.set(c.id, c);
    lines.push(...linesOf(v));
  }
  return { lines, cells };
}

/** Derive every suppressed cell the published views give away. */
export function deriveAll(views: readonly PublishedView[]): DerivationReport {
  const { lines, cells } = collect(views);
  const unknowns = [...cells.values()]
    .filter((c) => 'suppressed' in c)
    .map((c) => c.id)
    .sort();
  const index = new Map(unknowns.map((id, i) => [id, i]));
  const eqs: Equation[] = [];
  for (const line of lines) {
    const e: Equation = { coef: unknowns.map(() => 0n), rhs: 0n };
    const add = (id: string, sign: bigint): void => {
      const i = index.get(id);
      const cell = cells.get(id);
      if (i !== undefined) e.coef[i] = (e.coef[i] as bigint) + sign;
      else if (cell && 'value' in cell) e.rhs -= sign * BigInt(cell.value);
    };
    for (const p of line.parts) add(p, 1n);
    add(line.total, -1n);
    eqs.push(e);
  }
  const result = new Map<string, Derivation>(unknowns.map((id) => [id, { derivable: false }]));
  const zeroBySign = (e: Equation): void => {
    const nz = e.coef.filter((c) => c !== 0n);
    if (nz.length === 0 || e.rhs !== 0n) return;
    if (nz.every((c) => c > 0n) || nz.every((c) => c < 0n)) {
      e.coef.forEach((c, i) => {
        const id = unknowns[i] as string;
        if (c !== 0n && !result.get(id)?.derivable)
          result.set(id, { derivable: true, value: '0', by: 'bounds' });
      });
    }
  };
  for (const e of eqs) zeroBySign(e);

  // Reduced row echelon form, fraction-free.
  let inconsistent = false;
  let row = 0;
  for (let col = 0; col < unknowns.length && row < eqs.length; col++) {
    const p = eqs.findIndex((e, i) => i >= row && e.coef[col] !== 0n);
    if (p < 0) continue;
    [eqs[row], eqs[p]] = [eqs[p] as Equation, eqs[row] as Equation];
    const pivot = eqs[row] as Equation;
    const a = pivot.coef[col] as bigint;
    for (let i = 0; i < eqs.length; i++) {
      const e = eqs[i] as Equation;
      const b = e.coef[col] as bigint;
      if (i === row || b === 0n) continue;
      e.coef = e.coef.map((c, k) => c * a - (pivot.coef[k] as bigint) * b);
      e.rhs = e.rhs * a - pivot.rhs * b;
      normalise(e);
    }
    row++;
  }
  for (const e of eqs) {
    const nz = e.coef.flatMap((c, i) => (c === 0n ? [] : [i]));
    if (nz.length === 0) {
      if (e.rhs !== 0n) inconsistent = true;
      continue;
    }
    if (nz.length === 1) {
      const i = nz[0] as number;
      result.set(unknowns[i] as string, {
        derivable: true,
        value: fraction(e.rhs, e.coef[i] as bigint),
        by: 'elimination',
      });
    }
    zeroBySign(e);
  }
  return { cells: result, inconsistent };
}

/** Can `cellId` be recovered exactly from the published views? */
export function canDerive(views: readonly PublishedView[], cellId: string): Derivation {
  return deriveAll(views).cells.get(cellId) ?? { derivable: false };
}
