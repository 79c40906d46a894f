import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyPathString, KERAS_LIMITS, parseKerasJson, walkKerasConfig } from '../src/keras/index.js';
import { fuzzParams } from './helpers/mutate.js';

const enc = (s: string) => new TextEncoder().encode(s);
const parse = (s: string, limits = KERAS_LIMITS) => parseKerasJson(enc(s), limits);
const PATH_KEYS = new Set(['filepath', 'vocabulary']);
const walk = (v: unknown) => walkKerasConfig(parse(JSON.stringify(v)).value!, { pathKeys: PATH_KEYS });

describe('strict Keras JSON', () => {
  it('reads what Python json writes, including NaN and Infinity', () => {
    const r = parse(
      '{"a": [1, -2.5e3, NaN, Infinity, -Infinity, "\\u00e9\\n"], "b": {"c": null, "d": true}}',
    );
    expect(r.anomalies).toEqual([]);
    expect(JSON.stringify(r.value)).toBe('{"a":[1,-2500,null,null,null,"é\\n"],"b":{"c":null,"d":true}}');
  });

  it('reports duplicate keys and keeps the last value, as Python does', () => {
    const r = parse('{"class_name": "Dense", "class_name": "Lambda"}');
    expect(r.anomalies.map((a) => a.code)).toEqual(['JSON_DUPLICATE_KEY']);
    expect((r.value as Record<string, unknown>).class_name).toBe('Lambda');
  });

  it('treats __proto__ as a plain key', () => {
    const r = parse('{"__proto__": {"polluted": 1}}');
    expect(Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops at the depth and size limits', () => {
    expect(parse('['.repeat(300) + ']'.repeat(300)).anomalies[0]).toMatchObject({
      code: 'JSON_DEPTH_LIMIT',
      limit: 256,
    });
    expect(parse('"abcdef"', { ...KERAS_LIMITS, maxBytes: 4 }).anomalies[0]?.code).toBe('JSON_SIZE_LIMIT');
  });

  it('reports invalid JSON and trailing data', () => {
    expect(parse('{"a": }').value).toBeUndefined();
    expect(parse('{"a": }').anomalies[0]?.code).toBe('JSON_INVALID');
    expect(parse('{} x').anomalies[0]?.code).toBe('JSON_TRAILING_DATA');
  });

  it('never throws on random text (fast-check, seed 42)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        parse(s);
      }),
      fuzzParams(2000),
    );
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (s) => {
        const r = parse(s);
        expect(r.anomalies).toEqual([]);
        expect(JSON.stringify(r.value)).toBe(JSON.stringify(JSON.parse(s)));
      }),
      fuzzParams(500),
    );
  });
});

describe('Keras config walk', () => {
  it('finds object references at every depth, with JSON pointers', () => {
    const inv = walk({
      class_name: 'Sequential',
      config: {
        layers: [
          {
            class_name: 'Bidirectional',
            config: { forward_layer: { module: 'x.y', class_name: 'Z', config: {} } },
          },
          {
            class_name: 'Lambda',
            config: { function: { module: 'os', class_name: 'function', config: 'system' } },
          },
        ],
      },
    });
    expect(inv.objects.map((o) => [o.pointer, o.module, o.className, o.functionName])).toEqual([
      ['', undefined, 'Sequential', undefined],
      ['/config/layers/0', undefined, 'Bidirectional', undefined],
      ['/config/layers/0/config/forward_layer', 'x.y', 'Z', undefined],
      ['/config/layers/1', undefined, 'Lambda', undefined],
      ['/config/layers/1/config/function', 'os', 'function', 'system'],
    ]);
  });

  it('finds Keras 3 and legacy lambdas, and legacy named functions', () => {
    const inv = walk({
      layers: [
        {
          class_name: 'Lambda',
          config: { function: { class_name: '__lambda__', config: { code: 'AAA=' } } },
        },
        {
          class_name: 'Lambda',
          config: {
            function: ['BBB=', null, null],
            function_type: 'lambda',
            output_shape: 'CCC=',
            output_shape_type: 'lambda',
          },
        },
        {
          class_name: 'Lambda',
          config: { function: 'run', function_type: 'function', module: 'subprocess' },
        },
      ],
    });
    expect(inv.lambdas.map((l) => [l.form, l.base64, l.pointer])).toEqual([
      ['keras3', 'AAA=', '/layers/0/config/function/config/code'],
      ['legacy', 'BBB=', '/layers/1/config/function/0'],
      ['legacy', 'CCC=', '/layers/1/config/output_shape'],
    ]);
    expect(inv.objects.find((o) => o.functionName === 'run')?.module).toBe('subprocess');
  });

  it('extracts TorchModuleWrapper payloads in both encodings', () => {
    const inv = walk({
      layers: [
        { class_name: 'TorchModuleWrapper', config: { module: 'UEsD' } },
        {
          class_name: 'TorchModuleWrapper',
          config: { module: { class_name: '__bytes__', config: { value: 'PK' } } },
        },
      ],
    });
    expect(inv.torchModules.map((m) => m.encoding)).toEqual(['base64', 'latin1']);
  });

  it('lists strings under path keys and file: URLs anywhere', () => {
    const inv = walk({ a: { filepath: '/etc/x', other: 'file:///y', vocabulary: ['not', 'a path'] } });
    expect(inv.paths.map((p) => p.value)).toEqual(['/etc/x', 'file:///y', 'not', 'a path']);
  });

  it('classifies how a path reaches outside', () => {
    expect(classifyPathString('file:///etc/passwd')).toBe('file-url');
    expect(classifyPathString('https://example.invalid/v.txt')).toBe('remote-url');
    expect(classifyPathString('/etc/passwd')).toBe('absolute');
    expect(classifyPathString('C:\\x')).toBe('absolute');
    expect(classifyPathString('~/.ssh/authorized_keys')).toBe('absolute');
    expect(classifyPathString('assets/../../x')).toBe('parent-traversal');
    expect(classifyPathString('assets/vocab.txt')).toBeUndefined();
  });
});
