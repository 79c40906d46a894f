import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inventoryMarshalledCode, MARSHAL_LIMITS, readMarshal } from '../src/marshal/index.js';
import { applyMutations, fuzzParams, mutationsArb } from './helpers/mutate.js';

/**
 * marshal.dumps(f.__code__) from CPython 3.7–3.13 for
 * `y = 5; f = lambda x: __import__('os').system('echo canary') + y + len([i for i in x])`.
 */
const SAMPLES: Record<string, string> = {
  '3.7':
    '4wEAAAAAAAAAAQAAAAQAAABDAAAAcyQAAAB0AGQBgwGgAWQCoQF0AhcAdANkA2QEhAB8AEQAgwGDARcAUwApBU7aAm9z+gtlY2hvIGNhbmFyeWMBAAAAAAAAAAIAAAADAAAAUwAAAHMQAAAAZwB8AF0IfQF8AZECcQRTAKkAcgMAAAApAtoCLjDaAWlyAwAAAHIDAAAA2gg8c3RyaW5nPvoKPGxpc3Rjb21wPgQAAABzAgAAAAYAehw8bGFtYmRhPi48bG9jYWxzPi48bGlzdGNvbXA+KQTaCl9faW1wb3J0X1/aBnN5c3RlbdoBedoDbGVuKQHaAXhyAwAAAHIDAAAAcgYAAADaCDxsYW1iZGE+BAAAAPMAAAAA',
  '3.8':
    '4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMkAAAAdABkAYMBoAFkAqEBdAIXAHQDZANkBIQAfABEAIMBgwEXAFMAKQVO2gJvc/oLZWNobyBjYW5hcnljAQAAAAAAAAAAAAAAAgAAAAMAAABTAAAAcxAAAABnAHwAXQh9AXwBkQJxBFMAqQByAwAAACkC2gIuMNoBaXIDAAAAcgMAAADaCDxzdHJpbmc+2go8bGlzdGNvbXA+BAAAAHMEAAAABgACAHocPGxhbWJkYT4uPGxvY2Fscz4uPGxpc3Rjb21wPikE2gpfX2ltcG9ydF9f2gZzeXN0ZW3aAXnaA2xlbikB2gF4cgMAAAByAwAAAHIGAAAA2gg8bGFtYmRhPgQAAADzAAAAAA==',
  '3.9':
    '4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMkAAAAdABkAYMBoAFkAqEBdAIXAHQDZANkBIQAfABEAIMBgwEXAFMAKQVO2gJvc/oLZWNobyBjYW5hcnljAQAAAAAAAAAAAAAAAgAAAAMAAABTAAAAcxAAAABnAHwAXQh9AXwBkQJxBFMAqQByAwAAACkC2gIuMNoBaXIDAAAAcgMAAADaCDxzdHJpbmc+2go8bGlzdGNvbXA+BAAAAPMAAAAAehw8bGFtYmRhPi48bG9jYWxzPi48bGlzdGNvbXA+KQTaCl9faW1wb3J0X1/aBnN5c3RlbdoBedoDbGVuKQHaAXhyAwAAAHIDAAAAcgYAAADaCDxsYW1iZGE+BAAAAHIIAAAA',
  '3.10':
    '4wEAAAAAAAAAAAAAAAEAAAAEAAAAQwAAAHMkAAAAdABkAYMBoAFkAqEBdAIXAHQDZANkBIQAfABEAIMBgwEXAFMAKQVO2gJvc/oLZWNobyBjYW5hcnljAQAAAAAAAAAAAAAAAgAAAAMAAABTAAAAcxAAAABnAHwAXQR9AXwBkQJxAlMAqQByAwAAACkC2gIuMNoBaXIDAAAAcgMAAADaCDxzdHJpbmc+2go8bGlzdGNvbXA+BAAAAHMCAAAAEAB6HDxsYW1iZGE+Ljxsb2NhbHM+LjxsaXN0Y29tcD4pBNoKX19pbXBvcnRfX9oGc3lzdGVt2gF52gNsZW4pAdoBeHIDAAAAcgMAAAByBgAAANoIPGxhbWJkYT4EAAAAcwIAAAAkAA==',
  '3.11':
    '4wEAAAAAAAAAAAAAAAUAAAADAAAA84oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHQEAAAAAAAAAAAAAHoAAAB0BwAAAAAAAAAAAABkA4QAfABEAKYAAACrAAAAAAAAAAAApgEAAKsBAAAAAAAAAAB6AAAAUwApBE7aAm9z+gtlY2hvIGNhbmFyeWMBAAAAAAAAAAAAAAADAAAAEwAAAPMSAAAAlwBnAHwAXQR9AXwBkQKMBVMAqQByBQAAACkC2gIuMNoBaXMCAAAAICD6CDxzdHJpbmc++go8bGlzdGNvbXA+ehw8bGFtYmRhPi48bG9jYWxzPi48bGlzdGNvbXA+BAAAAHMSAAAAgAC4XrheuF7AQbhhuF64Xrhe8wAAAAApBNoKX19pbXBvcnRfX9oGc3lzdGVt2gF52gNsZW4pAdoBeHMBAAAAIHIIAAAA+gg8bGFtYmRhPnIQAAAABAAAAHM4AAAAgACNSpB00Qwc1Awc1wwj0gwjoE3RDDLUDDK1UdEMNr0TuF64XsgRuF65Xrxe0TlM1DlM0QxMgAByCgAAAA==',
  '3.12':
    '4wEAAAAAAAAAAAAAAAcAAAADAAAA84IAAACXAHQBAAAAAAAAAABkAasBAAAAAAAAagMAAAAAAAAAAAAAAAAAAAAAAABkAqsBAAAAAAAAdAQAAAAAAAAAAHoAAAB0BwAAAAAAAAAAfABEAI8BYwJnAGMCXQQAAH0BfAGRAowGBABjAn0BqwEAAAAAAAB6AAAAUwBjAgEAYwJ9AXcAKQNO2gJvc/oLZWNobyBjYW5hcnkpBNoKX19pbXBvcnRfX9oGc3lzdGVt2gF52gNsZW4pAtoBeNoBaXMCAAAAICD6CDxzdHJpbmc++gg8bGFtYmRhPnILAAAABAAAAHMwAAAAgACMSpB00wwc1wwj0QwjoE3TDDK0UdEMNrwTyBG+XsBBumG6XtM5TNEMTIAA+bpecwQAAACqCTwK',
  '3.13':
    '4wEAAAAAAAAAAAAAAAcAAAADAAAA84QAAACVAFsBAAAAAAAAAABTATUBAAAAAAAAUgMAAAAAAAAAAAAAAAAAAAAAAABTAjUBAAAAAAAAWwQAAAAAAAAAAC0AAABbBwAAAAAAAAAAVQATAFYBcwIvAHMCSAQAAG8RUAJNBgAACwAgAHMCbgE1AQAAAAAAAC0AAAAkAHMCIABzAm4BZgApA07aAm9z+gtlY2hvIGNhbmFyeSkE2gpfX2ltcG9ydF9f2gZzeXN0ZW3aAXnaA2xlbikC2gF42gFpcwIAAAAgINoIPHN0cmluZz7aCDxsYW1iZGE+cgsAAAAEAAAAczIAAACAAIxKkHTTDBzXDCPRDCOgTdMMMrRR0Qw2vBPJEbteyRHAQbphyRG5XtM5TNIMTPm6XnMEAAAAqgo9Cg==',
};
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const bytes = (...parts: Array<number | string | number[]>) =>
  new Uint8Array(
    parts.flatMap((p) =>
      typeof p === 'number' ? [p] : typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p,
    ),
  );
const i32 = (n: number) => [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255];

describe('marshal code objects across CPython layouts', () => {
  const expected: Record<string, [string, string]> = {
    '3.7': ['3.7', '3.7'],
    '3.8': ['3.8', '3.10'],
    '3.9': ['3.8', '3.10'],
    '3.10': ['3.8', '3.10'],
    '3.11': ['3.11', '3.11'],
    '3.12': ['3.11', '3.12'],
    '3.13': ['3.13', '3.13'],
  };
  for (const [version, data] of Object.entries(SAMPLES)) {
    it(`decodes ${version} and lists what the code references`, () => {
      const inv = inventoryMarshalledCode(b64(data));
      expect(inv.anomalies).toEqual([]);
      expect(inv.names).toEqual(['__import__', 'len', 'system', 'y']);
      expect(inv.strings).toEqual(expect.arrayContaining(['echo canary', 'os']));
      expect(inv.functions[0]).toBe('<lambda>');
      const [min, max] = expected[version]!;
      expect(inv.python).toEqual({ min, max });
    });
  }

  it('lists nested code objects (the list comprehension before 3.12 inlined it)', () => {
    expect(inventoryMarshalledCode(b64(SAMPLES['3.8']!)).codeObjects).toBe(2);
    expect(inventoryMarshalledCode(b64(SAMPLES['3.12']!)).codeObjects).toBe(1);
  });

  it('fixes the layout by field types: a 3.11 code object does not read as 3.7', () => {
    const r = readMarshal(b64(SAMPLES['3.11']!));
    expect(r.layout).toBe('py311-313');
    expect(readMarshal(b64(SAMPLES['3.7']!)).layout).toBe('py37');
  });
});

describe('marshal values', () => {
  it('decodes scalars, strings and containers', () => {
    const r = readMarshal(
      bytes('(', i32(6), 'N', 'T', 'i', i32(-2), 'z', 3, 'abc', 's', i32(2), 'hi', ')', 1, 'F'),
    );
    expect(r.anomalies).toEqual([]);
    expect(r.value).toEqual({
      kind: 'tuple',
      items: [
        { kind: 'none' },
        { kind: 'bool', value: true },
        { kind: 'int', value: -2n },
        { kind: 'str', value: 'abc' },
        { kind: 'bytes', value: new Uint8Array(Buffer.from('hi')) },
        { kind: 'tuple', items: [{ kind: 'bool', value: false }] },
      ],
    });
  });

  it('decodes 15-bit-digit longs and binary floats', () => {
    const r = readMarshal(
      bytes('[', i32(2), 'l', i32(-2), [1, 0, 1, 0], 'g', [0, 0, 0, 0, 0, 0, 0xf8, 0x3f]),
    );
    expect(r.value).toEqual({
      kind: 'list',
      items: [
        { kind: 'int', value: -(1n + (1n << 15n)) },
        { kind: 'float', value: 1.5 },
      ],
    });
  });

  it('resolves back-references in reservation order (FLAG_REF)', () => {
    const r = readMarshal(bytes(0x28 | 0x80, i32(2), 0x7a | 0x80, 1, 'a', 'r', i32(1)));
    expect(r.value).toEqual({
      kind: 'tuple',
      items: [
        { kind: 'str', value: 'a' },
        { kind: 'str', value: 'a' },
      ],
    });
  });

  it('reports a reference to an object not yet read', () => {
    expect(readMarshal(bytes('(', i32(1), 'r', i32(5))).anomalies[0]?.code).toBe('BAD_REFERENCE');
  });

  it('reports truncation, unknown types and trailing data', () => {
    expect(readMarshal(bytes('i', [1, 2])).anomalies[0]?.code).toBe('TRUNCATED');
    expect(readMarshal(bytes('s', i32(10), 'abc')).anomalies[0]?.code).toBe('BAD_LENGTH');
    expect(readMarshal(bytes('Q')).anomalies[0]?.code).toBe('UNKNOWN_TYPE');
    expect(readMarshal(bytes('N', 'N')).anomalies[0]?.code).toBe('TRAILING_DATA');
  });

  it('refuses counts the remaining bytes cannot hold, without allocating them', () => {
    const r = readMarshal(bytes('(', i32(0x7fffffff), 'N'));
    expect(r.anomalies[0]).toMatchObject({ code: 'BAD_LENGTH', actual: 0x7fffffff });
  });

  it('stops at the depth limit', () => {
    const deep = bytes(...Array.from({ length: MARSHAL_LIMITS.maxDepth + 5 }, () => [0x29, 1]), 'N');
    expect(readMarshal(deep).anomalies[0]).toMatchObject({
      code: 'DEPTH_LIMIT',
      limit: MARSHAL_LIMITS.maxDepth,
    });
  });

  it('stops at the object and integer-size limits', () => {
    expect(readMarshal(bytes('(', i32(3), 'N', 'N', 'N'), { maxObjects: 2 }).anomalies[0]?.code).toBe(
      'OBJECT_LIMIT',
    );
    expect(
      readMarshal(bytes('l', i32(20), new Array(40).fill(0)), { maxLongDigits: 10 }).anomalies[0]?.code,
    ).toBe('LONG_LIMIT');
  });

  it('reports a code object that fits no layout', () => {
    const r = readMarshal(bytes('c', i32(0), i32(0), i32(0), i32(0), i32(0), i32(0), 'N'));
    expect(r.value).toBeUndefined();
    expect(r.anomalies.map((a) => a.code)).toContain('CODE_LAYOUT_UNKNOWN');
  });
});

describe('marshal reader under mutation (fast-check, seed 42)', () => {
  for (const version of ['3.7', '3.10', '3.13']) {
    it(`${version}: mutated code never throws and finishes quickly`, () => {
      const seed = b64(SAMPLES[version]!);
      fc.assert(
        fc.property(mutationsArb, (m) => {
          const started = performance.now();
          inventoryMarshalledCode(applyMutations(seed, m));
          expect(performance.now() - started).toBeLessThan(2000);
        }),
        fuzzParams(1000),
      );
    });
  }

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (b) => {
        inventoryMarshalledCode(b);
      }),
      fuzzParams(1000),
    );
  });
});
