/**
 * Mutations for property tests: byte overwrites (biased towards the first and last few hundred
 * bytes, where container headers and end records live), insertions, deletions and truncation.
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'set'; at: number; fromEnd: boolean; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; keep: number };

const position = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.nat());

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      at: position,
      fromEnd: fc.boolean(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 64 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }) },
);

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 6 });

export function applyMutations(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = input.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    switch (m.kind) {
      case 'set': {
        const at = m.at % bytes.length;
        bytes[m.fromEnd ? bytes.length - 1 - at : at] = m.value;
        break;
      }
      case 'insert': {
        const at = m.at % (bytes.length + 1);
        const next = new Uint8Array(bytes.length + m.bytes.length);
        next.set(bytes.subarray(0, at));
        next.set(m.bytes, at);
        next.set(bytes.subarray(at), at + m.bytes.length);
        bytes = next;
        break;
      }
      case 'delete': {
        const at = m.at % bytes.length;
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, m.keep % (bytes.length + 1));
        break;
    }
  }
  return bytes;
}

/** The fast-check settings every fuzz property uses: fixed seed, a per-case time bound. */
export const fuzzParams = (numRuns: number) => ({ seed: 42, numRuns, plugins: [fc.timeout(2000)] });
