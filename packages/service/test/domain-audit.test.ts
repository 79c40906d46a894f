import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuditEntry,
  type AuditEvent,
  appendEntry,
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  verifyChain,
} from '../src/index.js';

const event = (n: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  who: `user-${n}`,
  role: 'administrator',
  what: 'submission.start-review',
  when: `2026-11-26T12:00:${String(n % 60).padStart(2, '0')}.000Z`,
  where: '203.0.113.7',
  object: { kind: 'submission', id: `sub-${n}` },
  detail: { from: 'submitted', to: 'in-review', n },
  ...over,
});

function chain(events: readonly AuditEvent[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const e of events) out.push(appendEntry(out[out.length - 1], e));
  return out;
}
const tipOf = (entries: readonly AuditEntry[]) => {
  const t = entries[entries.length - 1] as AuditEntry;
  return { seq: t.seq, hash: t.hash };
};

describe('canonicalJson', () => {
  it('sorts keys at every depth and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[true,null]},"b":1}',
    );
  });
  it('throws on values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson({ a: undefined } as never)).toThrow(TypeError);
  });
});

describe('audit chain', () => {
  const entries = chain([0, 1, 2, 3, 4].map((n) => event(n)));
  const anchor = tipOf(entries);

  it('links entries by hash and verifies', () => {
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    expect(entries[3]?.prevHash).toBe(entries[2]?.hash);
    expect(entries[2]?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyChain(entries, anchor)).toEqual({ ok: true, count: 5, tipHash: anchor.hash });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, tipHash: GENESIS_HASH });
  });

  it('key order of the event does not change the hash', () => {
    const e = event(1);
    const reordered = Object.fromEntries(Object.entries(e).reverse()) as unknown as AuditEvent;
    expect(entryHash(0, GENESIS_HASH, reordered)).toBe(entryHash(0, GENESIS_HASH, e));
  });

  it('catches an altered entry', () => {
    const altered = entries.map((e, i) => (i === 2 ? { ...e, event: { ...e.event, who: 'mallory' } } : e));
    expect(verifyChain(altered, anchor)).toEqual({ ok: false, index: 2, reason: 'ALTERED' });
  });

  it('catches an altered entry whose own hash was recomputed', () => {
    const altered = [...entries];
    const e = entries[2] as AuditEntry;
    altered[2] = {
      ...e,
      event: { ...e.event, where: '198.51.100.1' },
      hash: entryHash(e.seq, e.prevHash, { ...e.event, where: '198.51.100.1' }),
    };
    expect(verifyChain(altered, anchor)).toEqual({ ok: false, index: 3, reason: 'BROKEN_LINK' });
  });

  it('catches a removed entry, in the middle and at the end (with the anchor)', () => {
    expect(verifyChain([...entries.slice(0, 2), ...entries.slice(3)], anchor)).toEqual({
      ok: false,
      index: 2,
      reason: 'OUT_OF_SEQUENCE',
    });
    expect(verifyChain(entries.slice(0, 4), anchor)).toEqual({ ok: false, index: 4, reason: 'TRUNCATED' });
  });

  it('catches reordered entries', () => {
    const swapped = [entries[0], entries[2], entries[1], entries[3], entries[4]] as AuditEntry[];
    expect(verifyChain(swapped, anchor)).toEqual({ ok: false, index: 1, reason: 'OUT_OF_SEQUENCE' });
  });

  it('catches an inserted entry, even one forged to fit its place', () => {
    const forged = appendEntry(entries[1], event(99, { who: 'mallory' }));
    expect(verifyChain([...entries.slice(0, 2), forged, ...entries.slice(2)], anchor)).toEqual({
      ok: false,
      index: 3,
      reason: 'OUT_OF_SEQUENCE',
    });
  });

  it('a chain rewritten from the start is caught only by the anchor', () => {
    const rewritten = chain([0, 1, 2, 3, 4].map((n) => event(n, n === 1 ? { who: 'mallory' } : {})));
    expect(verifyChain(rewritten).ok).toBe(true);
    expect(verifyChain(rewritten, anchor)).toEqual({ ok: false, index: 4, reason: 'ALTERED' });
  });
});

const jsonLeaf = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));
const arbEvent: fc.Arbitrary<AuditEvent> = fc.record({
  who: fc.string({ minLength: 1, maxLength: 10 }),
  role: fc.constantFrom('submitter', 'reviewer', 'administrator', 'procurement-officer', 'public'),
  what: fc.string({ minLength: 1, maxLength: 20 }),
  when: fc.integer({ min: 0, max: 4_102_444_800_000 }).map((t) => new Date(t).toISOString()),
  where: fc.string({ maxLength: 15 }),
  object: fc.record({
    kind: fc.constantFrom('submission', 'finding', 'assignment', 'decision'),
    id: fc.string({ minLength: 1, maxLength: 8 }),
  }),
  detail: fc.dictionary(fc.string({ maxLength: 6 }), jsonLeaf, { maxKeys: 4 }),
});

type Mutation =
  | { kind: 'alter'; index: number; who: string }
  | { kind: 'alter-rehash'; index: number; who: string }
  | { kind: 'remove'; index: number }
  | { kind: 'swap'; index: number; other: number }
  | { kind: 'insert'; index: number; event: AuditEvent };

function mutate(entries: readonly AuditEntry[], m: Mutation): AuditEntry[] {
  const out = [...entries];
  const at = (i: number) => out[i] as AuditEntry;
  switch (m.kind) {
    case 'alter': {
      out[m.index] = { ...at(m.index), event: { ...at(m.index).event, who: m.who } };
      return out;
    }
    case 'alter-rehash': {
      const e = at(m.index);
      const ev = { ...e.event, who: m.who };
      out[m.index] = { ...e, event: ev, hash: entryHash(e.seq, e.prevHash, ev) };
      return out;
    }
    case 'remove':
      out.splice(m.index, 1);
      return out;
    case 'swap': {
      const a = at(m.index);
      out[m.index] = at(m.other);
      out[m.other] = a;
      return out;
    }
    case 'insert':
      out.splice(m.index, 0, appendEntry(m.index === 0 ? undefined : at(m.index - 1), m.event));
      return out;
    default: {
      const never: never = m;
      throw new Error(String(never));
    }
  }
}

describe('audit chain properties', () => {
  it('any sequence of events verifies', () => {
    fc.assert(
      fc.property(fc.array(arbEvent, { maxLength: 20 }), (events) => {
        const entries = chain(events);
        const r = verifyChain(entries, entries.length === 0 ? undefined : tipOf(entries));
        expect(r).toEqual({
          ok: true,
          count: events.length,
          tipHash: entries.length === 0 ? GENESIS_HASH : tipOf(entries).hash,
        });
      }),
      { seed: 20261126, numRuns: 200 },
    );
  });

  it('any single mutation fails verification against the anchor', () => {
    const scenario = fc.array(arbEvent, { minLength: 2, maxLength: 15 }).chain((events) => {
      const n = events.length;
      const index = fc.integer({ min: 0, max: n - 1 });
      const mutation: fc.Arbitrary<Mutation> = fc.oneof(
        fc.record({ kind: fc.constant('alter' as const), index, who: fc.string({ maxLength: 10 }) }),
        fc.record({ kind: fc.constant('alter-rehash' as const), index, who: fc.string({ maxLength: 10 }) }),
        fc.record({ kind: fc.constant('remove' as const), index }),
        fc
          .tuple(index, index)
          .filter(([a, b]) => a !== b)
          .map(([a, b]) => ({ kind: 'swap' as const, index: Math.min(a, b), other: Math.max(a, b) })),
        // Before an existing entry: adding after the anchored tip is the chain's legitimate growth.
        fc.record({ kind: fc.constant('insert' as const), index, event: arbEvent }),
      );
      return fc.tuple(fc.constant(events), mutation);
    });
    fc.assert(
      fc.property(scenario, ([events, m]) => {
        const entries = chain(events);
        const mutated = mutate(entries, m);
        // An "alteration" to an identical value or a swap of identical entries is no mutation at all.
        fc.pre(JSON.stringify(mutated) !== JSON.stringify(entries));
        const r = verifyChain(mutated, tipOf(entries));
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.index).toBeGreaterThanOrEqual(Math.min(m.index, entries.length - 1));
        }
      }),
      { seed: 20261127, numRuns: 500 },
    );
  });
});
