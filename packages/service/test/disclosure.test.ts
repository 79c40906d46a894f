import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CellInput,
  canDerive,
  cellStats,
  deriveAll,
  failedDominance,
  type PublishedView,
  protectTables,
  type ViewShape,
} from '../src/disclosure/index.js';

/** `n` organisations contributing 1 each (a count-of-organisations cell). */
const orgs = (prefix: string, n: number): CellInput => ({
  contributions: Array.from({ length: n }, (_, i) => ({ organisation: `${prefix}${i}`, value: 1 })),
});
const merge = (...cs: CellInput[]): CellInput => ({ contributions: cs.flatMap((c) => c.contributions) });

function ok(r: ReturnType<typeof protectTables>) {
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r;
}

describe('primary and dominance rules', () => {
  it('counts distinct organisations with positive contributions', () => {
    const s = cellStats({
      contributions: [
        { organisation: 'a', value: 2 },
        { organisation: 'a', value: 3 },
        { organisation: 'b', value: 0 },
      ],
    });
    expect(s).toEqual({ value: 5, count: 1, shares: [5] });
  });

  it('applies (1,60) and (2,85) strictly above k', () => {
    const rules = [
      { n: 1, k: 60 },
      { n: 2, k: 85 },
    ];
    expect(failedDominance({ value: 100, count: 3, shares: [60, 25, 15] }, rules)).toBeUndefined();
    expect(failedDominance({ value: 100, count: 3, shares: [61, 30, 9] }, rules)).toEqual({ n: 1, k: 60 });
    expect(failedDominance({ value: 100, count: 3, shares: [50, 36, 14] }, rules)).toEqual({ n: 2, k: 85 });
  });
});

describe('complementary suppression, hand examples', () => {
  it('one small cell in a row forces a second cell in that row and in its column', () => {
    // 2×2 with margins; cell a has 3 organisations.
    const cells: Record<string, CellInput> = {
      a: orgs('a', 3),
      b: orgs('b', 20),
      c: orgs('c', 15),
      d: orgs('d', 30),
    };
    cells.r0 = merge(cells.a as CellInput, cells.b as CellInput);
    cells.r1 = merge(cells.c as CellInput, cells.d as CellInput);
    cells.c0 = merge(cells.a as CellInput, cells.c as CellInput);
    cells.c1 = merge(cells.b as CellInput, cells.d as CellInput);
    cells.t = merge(cells.r0 as CellInput, cells.r1 as CellInput);
    const view: ViewShape = {
      id: 'v',
      rows: [
        ['a', 'b'],
        ['c', 'd'],
      ],
      rowTotals: ['r0', 'r1'],
      columnTotals: ['c0', 'c1'],
      grandTotal: 't',
    };
    const r = ok(protectTables([view], cells));
    expect(r.cells.a).toEqual({ id: 'a', suppressed: 'primary' });
    // The cheapest complements are the interior cells: b (row), c (column), then d closes both.
    expect(r.cells.b).toEqual({ id: 'b', suppressed: 'complementary' });
    expect(r.cells.c).toEqual({ id: 'c', suppressed: 'complementary' });
    expect(r.cells.d).toEqual({ id: 'd', suppressed: 'complementary' });
    expect(r.cells.t).toEqual({ id: 't', value: 68 });
    expect(r.cells.r0).toEqual({ id: 'r0', value: 23 });
    expect(canDerive(r.views, 'a')).toEqual({ derivable: false });
    expect(r.audit.filter((e) => e.reason === 'complementary').map((e) => e.cell)).toEqual(['b', 'c', 'd']);
  });

  it('a one-dimensional table suppresses the smallest other cell', () => {
    const cells: Record<string, CellInput> = { x: orgs('x', 2), y: orgs('y', 40), z: orgs('z', 12) };
    cells.t = merge(cells.x as CellInput, cells.y as CellInput, cells.z as CellInput);
    const r = ok(protectTables([{ id: 'v', rows: [['x', 'y', 'z']], rowTotals: ['t'] }], cells));
    expect(r.cells.z).toEqual({ id: 'z', suppressed: 'complementary' });
    expect(r.cells.y).toEqual({ id: 'y', value: 40 });
  });

  it('protects across linked views when every line already has two suppressed cells', () => {
    // Three one-dimensional views over overlapping groups: x + y = T, y + z = U, x + z = W.
    // The line rule alone suppresses y and z and stops, yet x = (T − U + W) / 2.
    const cells: Record<string, CellInput> = { x: orgs('x', 3), y: orgs('y', 20), z: orgs('z', 15) };
    cells.T = merge(cells.x as CellInput, cells.y as CellInput);
    cells.U = merge(cells.y as CellInput, cells.z as CellInput);
    cells.W = merge(cells.x as CellInput, cells.z as CellInput);
    const views: ViewShape[] = [
      { id: 'A', rows: [['x', 'y']], rowTotals: ['T'] },
      { id: 'B', rows: [['y', 'z']], rowTotals: ['U'] },
      { id: 'C', rows: [['x', 'z']], rowTotals: ['W'] },
    ];
    const hide = (id: string) => ({ id, suppressed: 'complementary' as const });
    const lineRuleOnly: PublishedView[] = [
      { id: 'A', rows: [[hide('x'), hide('y')]], rowTotals: [{ id: 'T', value: 23 }] },
      { id: 'B', rows: [[hide('y'), hide('z')]], rowTotals: [{ id: 'U', value: 35 }] },
      { id: 'C', rows: [[hide('x'), hide('z')]], rowTotals: [{ id: 'W', value: 18 }] },
    ];
    expect(canDerive(lineRuleOnly, 'x')).toEqual({ derivable: true, value: '3', by: 'elimination' });

    const r = ok(protectTables(views, cells));
    expect(r.cells.x).toEqual({ id: 'x', suppressed: 'primary' });
    expect(r.cells.W).toEqual({ id: 'W', suppressed: 'complementary' });
    expect(r.audit).toContainEqual({ cell: 'W', reason: 'complementary', protects: 'x', line: 'C row 0' });
    for (const id of ['x', 'y', 'z', 'W']) expect(canDerive(r.views, id)).toEqual({ derivable: false });
  });

  it('suppresses a shared total in one view, which forces complements in the other', () => {
    // t is small (5 organisations): suppressed in both views; each view then needs a second cell.
    const cells: Record<string, CellInput> = { a: orgs('a', 2), b: orgs('b', 3) };
    cells.t = merge(cells.a as CellInput, cells.b as CellInput);
    cells.big = orgs('z', 30);
    cells.all = merge(cells.t as CellInput, cells.big as CellInput);
    const views: ViewShape[] = [
      { id: 'inner', rows: [['a', 'b']], rowTotals: ['t'] },
      { id: 'outer', rows: [['t', 'big']], rowTotals: ['all'] },
    ];
    const r = ok(protectTables(views, cells));
    expect(r.cells.t).toEqual({ id: 't', suppressed: 'primary' });
    expect(r.cells.big).toEqual({ id: 'big', suppressed: 'complementary' });
    for (const id of ['a', 'b', 't', 'big']) expect(canDerive(r.views, id)).toEqual({ derivable: false });
  });

  it('takes the threshold and dominance rules as options', () => {
    const cells: Record<string, CellInput> = { x: orgs('x', 3), y: orgs('y', 4) };
    cells.t = merge(cells.x as CellInput, cells.y as CellInput);
    const view: ViewShape = { id: 'v', rows: [['x', 'y']], rowTotals: ['t'] };
    expect(ok(protectTables([view], cells, { threshold: 3 })).cells.x).toEqual({ id: 'x', value: 3 });
    expect(ok(protectTables([view], cells)).cells.t).toEqual({ id: 't', suppressed: 'primary' });
    const r = protectTables([view], cells, { dominance: [{ n: 0, k: 50 }] });
    expect(r.ok ? [] : r.issues.map((i) => i.code)).toEqual(['BAD_OPTION']);
  });

  it('rejects totals that are not the sum of their parts', () => {
    const cells = { a: orgs('a', 20), b: orgs('b', 20), t: orgs('t', 30) };
    const r = protectTables([{ id: 'v', rows: [['a', 'b']], rowTotals: ['t'] }], cells);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.code)).toEqual(['TOTAL_MISMATCH']);
  });

  it('rejects unknown cells and ragged views', () => {
    const r = protectTables([{ id: 'v', rows: [['a', 'b'], ['c']] }], { a: orgs('a', 1) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(new Set(r.issues.map((i) => i.code))).toEqual(new Set(['RAGGED_VIEW', 'UNKNOWN_CELL']));
  });
});

describe('canDerive, the checker', () => {
  it('recovers a lone suppressed cell by subtraction', () => {
    const v: PublishedView = {
      id: 'v',
      rows: [
        [
          { id: 'a', suppressed: 'primary' },
          { id: 'b', value: 7 },
        ],
      ],
      rowTotals: [{ id: 't', value: 10 }],
    };
    expect(canDerive([v], 'a')).toEqual({ derivable: true, value: '3', by: 'elimination' });
  });

  it('recovers a cell through a combination of rows and columns', () => {
    // 2×2 with a, b, c suppressed and d published: a = r0 - b, b = c1 - d, so a is derivable.
    const s = (id: string) => ({ id, suppressed: 'primary' as const });
    const v: PublishedView = {
      id: 'v',
      rows: [
        [s('a'), s('b')],
        [s('c'), { id: 'd', value: 9 }],
      ],
      rowTotals: [
        { id: 'r0', value: 5 },
        { id: 'r1', value: 12 },
      ],
      columnTotals: [
        { id: 'c0', value: 6 },
        { id: 'c1', value: 11 },
      ],
    };
    expect(canDerive([v], 'a')).toEqual({ derivable: true, value: '3', by: 'elimination' });
    expect(canDerive([v], 'b')).toEqual({ derivable: true, value: '2', by: 'elimination' });
  });

  it('recovers cells forced to zero by non-negativity', () => {
    const v: PublishedView = {
      id: 'v',
      rows: [
        [
          { id: 'a', suppressed: 'primary' },
          { id: 'b', suppressed: 'complementary' },
          { id: 'c', value: 4 },
        ],
      ],
      rowTotals: [{ id: 't', value: 4 }],
    };
    expect(canDerive([v], 'a')).toEqual({ derivable: true, value: '0', by: 'bounds' });
  });

  it('does not claim a cell that two unknowns share', () => {
    const v: PublishedView = {
      id: 'v',
      rows: [
        [
          { id: 'a', suppressed: 'primary' },
          { id: 'b', suppressed: 'complementary' },
          { id: 'c', value: 4 },
        ],
      ],
      rowTotals: [{ id: 't', value: 10 }],
    };
    expect(canDerive([v], 'a')).toEqual({ derivable: false });
  });
});

// Random microdata → cross-tabulations over pairs of dimensions, sharing margins and the grand total.
interface Org {
  readonly id: string;
  readonly dims: readonly number[];
  readonly value: number;
}
const DIMS = ['sector', 'size', 'type'] as const;

function tabulate(records: readonly Org[], pairs: readonly (readonly [number, number])[], levels: number[]) {
  const cells: Record<string, CellInput> = {};
  const add = (id: string, o: Org): void => {
    const c = cells[id] ?? { contributions: [] };
    cells[id] = { contributions: [...c.contributions, { organisation: o.id, value: o.value }] };
  };
  const key = (d: number, l: number): string => `${DIMS[d]}=${l}`;
  const ids = (a: number, la: number, b: number, lb: number): string =>
    [key(a, la), key(b, lb)].sort().join('&');
  for (const [a, b] of pairs) {
    for (let la = 0; la < (levels[a] as number); la++) {
      for (let lb = 0; lb < (levels[b] as number); lb++) cells[ids(a, la, b, lb)] ??= { contributions: [] };
      cells[key(a, la)] ??= { contributions: [] };
    }
    for (let lb = 0; lb < (levels[b] as number); lb++) cells[key(b, lb)] ??= { contributions: [] };
  }
  cells['*'] = { contributions: [] };
  const seen = new Set<string>();
  for (const o of records) {
    for (const [a, b] of pairs) {
      const id = ids(a, o.dims[a] as number, b, o.dims[b] as number);
      if (!seen.has(`${id}/${o.id}`)) add(id, o);
      seen.add(`${id}/${o.id}`);
    }
    for (let d = 0; d < DIMS.length; d++) add(key(d, o.dims[d] as number), o);
    add('*', o);
  }
  const views: ViewShape[] = pairs.map(([a, b]) => ({
    id: `${DIMS[a]}×${DIMS[b]}`,
    rows: Array.from({ length: levels[a] as number }, (_, la) =>
      Array.from({ length: levels[b] as number }, (_, lb) => ids(a, la, b, lb)),
    ),
    rowTotals: Array.from({ length: levels[a] as number }, (_, la) => key(a, la)),
    columnTotals: Array.from({ length: levels[b] as number }, (_, lb) => key(b, lb)),
    grandTotal: '*',
  }));
  return { cells, views };
}

const scenario = fc
  .record({
    levels: fc.tuple(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 2, max: 3 }),
    ),
    pairs: fc.subarray(
      [
        [0, 1],
        [2, 1],
        [0, 2],
      ] as const,
      { minLength: 1 },
    ),
    orgs: fc.array(
      fc.record({
        d: fc.tuple(fc.nat(3), fc.nat(2), fc.nat(2)),
        value: fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 1, max: 20 }) },
          { weight: 1, arbitrary: fc.integer({ min: 100, max: 2000 }) },
        ),
      }),
      { minLength: 20, maxLength: 220, size: 'max' },
    ),
  })
  .map(({ levels, pairs, orgs }) => {
    const records: Org[] = orgs.map((o, i) => ({
      id: `org${i}`,
      dims: o.d.map((l, k) => l % (levels[k] as number)),
      value: o.value,
    }));
    return tabulate(records, pairs, levels);
  });

describe('protectTables, properties', () => {
  it('publishes no small or dominated cell and leaves no suppressed cell derivable', () => {
    const seen: Record<string, number> = {};
    let published = 0;
    fc.assert(
      fc.property(scenario, ({ cells, views }) => {
        const r = ok(protectTables(views, cells));
        const report = deriveAll(r.views);
        expect(report.inconsistent).toBe(false);
        const unprotectable = new Set(r.audit.filter((e) => e.reason === 'unprotectable').map((e) => e.cell));
        for (const [id, d] of report.cells)
          if (!unprotectable.has(id)) expect([id, d.derivable]).toEqual([id, false]);
        for (const c of Object.values(r.cells)) {
          if (!('value' in c)) continue;
          const s = cellStats(cells[c.id] as CellInput);
          expect(c.value).toBe(s.value);
          expect(s.count === 0 || s.count >= 11).toBe(true);
          expect(
            failedDominance(s, [
              { n: 1, k: 60 },
              { n: 2, k: 85 },
            ]),
          ).toBeUndefined();
        }
        for (const e of r.audit) seen[e.reason] = (seen[e.reason] ?? 0) + 1;
        published += Object.values(r.cells).filter((c) => 'value' in c && c.value > 0).length;
        // Unprotectable cells are only structural zeros (the structure alone fixes them).
        for (const id of unprotectable)
          expect(report.cells.get(id)).toMatchObject({ derivable: true, value: '0' });
      }),
      { seed: 20261126, numRuns: 150 },
    );
    // The generator must exercise every rule, or the property could not fail.
    expect(seen.primary).toBeGreaterThan(50);
    expect(seen.dominance).toBeGreaterThan(10);
    expect(seen.complementary).toBeGreaterThan(50);
    expect(published).toBeGreaterThan(100);
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(scenario, ({ cells, views }) => {
        expect(protectTables(views, cells)).toEqual(protectTables(views, cells));
      }),
      { seed: 7, numRuns: 30 },
    );
  });
});
