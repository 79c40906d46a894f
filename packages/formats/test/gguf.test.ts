import { describe, expect, it } from 'vitest';
import { GGUF_LIMITS, type GgufAnomalyCode } from '../src/gguf/limits.js';
import { parseGguf } from '../src/gguf/parse.js';
import { BufferSource, type ByteSource } from '../src/source.js';
import { buildGguf, type GgufSpec, s, type TensorSpec, u32, type Value } from './gguf-writer.js';
import { corpusFile } from './helpers/bytes.js';

const F32 = 0;
const Q4_0 = 2;
const t = (name: string, dims: number[], extra: Partial<TensorSpec> = {}): TensorSpec => ({
  name,
  dims,
  type: F32,
  size: dims.reduce((a, b) => a * b, 1) * 4,
  ...extra,
});

async function parse(spec: GgufSpec | Uint8Array) {
  return parseGguf(new BufferSource(spec instanceof Uint8Array ? spec : buildGguf(spec)));
}
async function codes(spec: GgufSpec | Uint8Array): Promise<GgufAnomalyCode[]> {
  return (await parse(spec)).anomalies.map((a) => a.code);
}

describe('parseGguf', () => {
  it('reads every value type, nested arrays and tensor infos', async () => {
    const all: [string, Value][] = [
      ['u8', { type: 'UINT8', value: 255 }],
      ['i8', { type: 'INT8', value: -1 }],
      ['u16', { type: 'UINT16', value: 65535 }],
      ['i16', { type: 'INT16', value: -2 }],
      ['u32', u32(7)],
      ['i32', { type: 'INT32', value: -3 }],
      ['f32', { type: 'FLOAT32', value: 0.5 }],
      ['b', { type: 'BOOL', value: true }],
      ['s', s('héllo')],
      ['u64', { type: 'UINT64', value: 2n ** 63n }],
      ['i64', { type: 'INT64', value: -4n }],
      ['f64', { type: 'FLOAT64', value: 0.25 }],
      ['tokens', { type: 'ARRAY', elementType: 'STRING', items: [s('a'), s(''), s('c')] }],
    ];
    const r = await parse({ kvs: all, tensors: [t('w', [4, 2]), t('b', [4])] });
    expect(r.anomalies).toEqual([]);
    expect(r.version).toBe(3);
    expect(r.metadata.map((m) => m.value ?? m.count)).toEqual([
      255,
      -1,
      65535,
      -2,
      7,
      -3,
      0.5,
      true,
      'héllo',
      2n ** 63n,
      -4n,
      0.25,
      3,
    ]);
    expect(r.metadata.at(-1)?.elementType).toBe('STRING');
    expect(r.tensors.map((x) => [x.name, x.dims, x.offset])).toEqual([
      ['w', [4n, 2n], 0n],
      ['b', [4n], 32n],
    ]);
    expect(r.dataStart! % 32).toBe(0);
    expect(r.uncovered).toEqual([]);
  });

  it('reports nested arrays (refused by llama.cpp) but walks them', async () => {
    const nested: Value = {
      type: 'ARRAY',
      elementType: 'ARRAY',
      items: [{ type: 'ARRAY', elementType: 'UINT8', items: [{ type: 'UINT8', value: 1 }] }],
    };
    const r = await parse({
      kvs: [
        ['n', nested],
        ['after', u32(1)],
      ],
    });
    expect(r.anomalies.map((a) => a.code)).toEqual(['GGUF_NESTED_ARRAY']);
    expect(r.metadata.map((m) => m.key)).toEqual(['n', 'after']);
  });

  it('reads the legacy v1 layout (32-bit lengths) and reports it', async () => {
    const r = await parse({ version: 1, kvs: [['k', s('v')]], tensors: [t('w', [2])] });
    expect(r.anomalies.map((a) => a.code)).toEqual(['GGUF_LEGACY_VERSION']);
    expect(r.metadata[0]?.value).toBe('v');
    expect(r.tensors[0]?.dims).toEqual([2n]);
  });

  it('walks a large vocabulary quickly and catches a string that overruns the file', async () => {
    const items = Array.from({ length: 200_000 }, (_, i) => s(`tok${i}`));
    const vocab: Value = { type: 'ARRAY', elementType: 'STRING', items };
    const bytes = buildGguf({ kvs: [['tokenizer.ggml.tokens', vocab]] });
    const started = performance.now();
    const r = await parse(bytes);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.anomalies).toEqual([]);
    expect(r.metadata[0]?.count).toBe(200_000);
    // Element 1's length field: header(24) key(8+21) type(4) element type(4) count(8) element 0 (8+4).
    new DataView(bytes.buffer).setBigUint64(81, 2n ** 50n, true);
    const bad = await parse(bytes);
    expect(bad.anomalies.map((a) => [a.code, a.offset])).toEqual([['GGUF_DECLARED_SIZE_EXCEEDS_DATA', 81]]);
  });

  it('rejects unknown and big-endian versions', async () => {
    const b = buildGguf({ kvs: [] });
    new DataView(b.buffer).setUint32(4, 7, true);
    expect(await codes(b)).toEqual(['GGUF_UNSUPPORTED_VERSION']);
    new DataView(b.buffer).setUint32(4, 3, false);
    expect(await codes(b)).toEqual(['GGUF_BIG_ENDIAN']);
  });

  it('checks declared counts against the bytes really there, before looping', async () => {
    expect(await codes({ kvs: [], kvCount: 2n ** 40n })).toEqual(['GGUF_LIMIT']);
    expect(await codes({ kvs: [], kvCount: 1000n })).toEqual(['GGUF_DECLARED_SIZE_EXCEEDS_DATA']);
    expect(await codes({ kvs: [], tensorCount: 500n })).toEqual(['GGUF_DECLARED_SIZE_EXCEEDS_DATA']);
  });

  it('checks string and array lengths without allocating them', async () => {
    const b = buildGguf({ kvs: [['k', s('abc')]] });
    // The value's length field sits after magic(4) version(4) counts(16) key(8+1) type(4).
    new DataView(b.buffer).setBigUint64(37, 2n ** 62n, true);
    expect(await codes(b)).toEqual(['GGUF_DECLARED_SIZE_EXCEEDS_DATA']);
    const arr = buildGguf({ kvs: [['a', { type: 'ARRAY', elementType: 'UINT32', items: [u32(1)] }]] });
    new DataView(arr.buffer).setBigUint64(41, 2n ** 60n, true);
    expect(await codes(arr)).toEqual(['GGUF_DECLARED_SIZE_EXCEEDS_DATA']);
  });

  it('stops at an unknown value type and at a truncated header', async () => {
    const b = buildGguf({ kvs: [['k', u32(1)]] });
    new DataView(b.buffer).setUint32(33, 99, true);
    expect(await codes(b)).toEqual(['GGUF_UNKNOWN_VALUE_TYPE']);
    // Cut inside the tensor info's dimensions: every count fitted, the record does not.
    expect(await codes(buildGguf({ kvs: [['k', u32(1)]], tensors: [t('w', [4])] }).subarray(0, 60))).toEqual([
      'GGUF_TRUNCATED',
    ]);
  });

  it('reports duplicate keys and tensor names', async () => {
    expect(
      await codes({
        kvs: [
          ['k', u32(1)],
          ['k', u32(2)],
        ],
      }),
    ).toEqual(['GGUF_DUPLICATE_KEY']);
    expect(await codes({ kvs: [], tensors: [t('w', [8]), t('w', [8])] })).toEqual(['GGUF_DUPLICATE_TENSOR']);
  });

  it('checks the well-known keys llama.cpp indexes with', async () => {
    const tokens: Value = { type: 'ARRAY', elementType: 'STRING', items: [s('a'), s('b')] };
    const scores: Value = { type: 'ARRAY', elementType: 'FLOAT32', items: [{ type: 'FLOAT32', value: 0 }] };
    const r = await parse({
      kvs: [
        ['tokenizer.ggml.tokens', tokens],
        ['tokenizer.ggml.scores', scores],
        ['tokenizer.ggml.bos_token_id', u32(1)],
        ['tokenizer.ggml.eos_token_id', u32(7)],
        ['tokenizer.ggml.pad_token_id', u32(0xffff_ffff)],
        ['llama.block_count', u32(100_000)],
        ['tokenizer.ggml.model', u32(1)],
      ],
    });
    expect(r.anomalies.map((a) => [a.code, a.field])).toEqual([
      ['GGUF_VALUE_OUT_OF_RANGE', 'llama.block_count'],
      ['GGUF_KEY_TYPE_MISMATCH', 'tokenizer.ggml.model'],
      ['GGUF_VALUE_OUT_OF_RANGE', 'tokenizer.ggml.scores'],
      ['GGUF_VALUE_OUT_OF_RANGE', 'tokenizer.ggml.eos_token_id'],
    ]);
  });

  it('validates general.alignment', async () => {
    expect(await codes({ kvs: [['general.alignment', u32(24)]] })).toEqual(['GGUF_BAD_ALIGNMENT']);
    expect(await codes({ kvs: [['general.alignment', s('32')]] })).toEqual(['GGUF_BAD_ALIGNMENT']);
    const r = await parse({
      kvs: [['general.alignment', u32(64)]],
      tensors: [t('a', [4]), t('b', [4])],
      alignment: 64,
    });
    expect(r.alignment).toBe(64);
    expect(r.anomalies).toEqual([]);
  });

  it('checks dims, types, block sizes and overflow', async () => {
    expect(await codes({ kvs: [], tensors: [t('w', [1, 1, 1, 1, 1])] })).toContain('GGUF_TOO_MANY_DIMS');
    expect(await codes({ kvs: [], tensors: [t('w', [4], { type: 4 })] })).toEqual([
      'GGUF_UNKNOWN_TENSOR_TYPE',
    ]);
    expect(await codes({ kvs: [], tensors: [t('w', [16], { type: Q4_0, size: 18 })] })).toEqual([
      'GGUF_BLOCK_MISALIGNED',
    ]);
    expect(await codes({ kvs: [], tensors: [t('w', [32], { type: Q4_0, size: 18 })] })).toEqual([]);
    const overflow = { name: 'w', dims: [2n ** 40n, 2n ** 40n], type: F32, size: 0 };
    expect(await codes({ kvs: [], tensors: [overflow] })).toEqual(['GGUF_SIZE_OVERFLOW']);
    const negative = { name: 'w', dims: [2n ** 63n], type: F32, size: 0 };
    expect(await codes({ kvs: [], tensors: [negative] })).toEqual(['GGUF_BAD_DIM']);
    expect(await codes({ kvs: [], tensors: [t('x'.repeat(65), [1])] })).toEqual([
      'GGUF_TENSOR_NAME_TOO_LONG',
    ]);
  });

  it('checks tensor offsets: bounds, alignment, overlaps', async () => {
    expect(await codes({ kvs: [], tensors: [t('w', [4], { offset: 2n ** 40n })] })).toEqual(
      expect.arrayContaining(['GGUF_TENSOR_OUT_OF_BOUNDS']),
    );
    expect(
      await codes({ kvs: [], tensors: [t('w', [4], { size: 4 }), t('b', [1], { offset: 4, size: 0 })] }),
    ).toContain('GGUF_OFFSET_MISALIGNED');
    expect(await codes({ kvs: [], tensors: [t('a', [16]), t('b', [16], { offset: 32 })] })).toContain(
      'GGUF_OVERLAP',
    );
  });

  it('returns bytes beyond alignment padding as uncovered', async () => {
    const r = await parse({
      kvs: [],
      tensors: [t('a', [4]), t('b', [4], { offset: 64 })],
      trailing: new Uint8Array(32),
    });
    expect(r.anomalies.map((a) => a.code)).toEqual(['GGUF_GAP']);
    expect(r.uncovered).toEqual([{ start: r.dataStart! + 32, end: r.dataStart! + 64 }]);
    const trailing = await parse({ kvs: [], tensors: [t('a', [4])], trailing: new Uint8Array(40) });
    expect(trailing.anomalies.map((a) => a.code)).toEqual(['GGUF_TRAILING_DATA']);
  });

  it('parses the corpus samples without anomalies and keeps the chat template', async () => {
    for (const f of [
      'benign/gguf/tiny_llama_chatml.gguf',
      'malicious/gguf/chat_template_cycler_globals.gguf',
    ]) {
      const r = await parseGguf(new BufferSource(corpusFile(f)));
      expect(r.anomalies).toEqual([]);
      expect(r.tensors).toHaveLength(12);
      expect(typeof r.metadata.find((m) => m.key === 'tokenizer.chat_template')?.value).toBe('string');
    }
  });

  it('reads only the header of a 2 GB file, in bounded windows', async () => {
    const head = buildGguf({
      kvs: [['k', s('v')]],
      tensors: [
        t('a', [256, 1024, 1024], { size: 0 }),
        t('b', [256, 1024, 1024], { offset: 2 ** 30, size: 0 }),
      ],
    });
    const headerEnd = head.length; // the writer pads the header; data would follow
    let largest = 0;
    const source: ByteSource = {
      size: headerEnd + 2 ** 31,
      async read(offset, length) {
        largest = Math.max(largest, Math.min(length, Math.max(0, headerEnd - offset)));
        if (offset >= headerEnd) throw new Error('tensor data must not be read');
        return head.subarray(offset, Math.min(headerEnd, offset + length));
      },
    };
    const started = performance.now();
    const r = await parseGguf(source);
    expect(performance.now() - started).toBeLessThan(200);
    expect(r.anomalies).toEqual([]);
    expect(largest).toBeLessThanOrEqual(headerEnd);
  });

  it('caps the anomalies it reports', async () => {
    const tensors = Array.from({ length: 30 }, (_, i) => t(`w${i}`, [4], { type: 5 }));
    const r = await parse({ kvs: [], tensors });
    expect(
      (
        await parseGguf(new BufferSource(buildGguf({ kvs: [], tensors })), {
          ...GGUF_LIMITS,
          maxAnomalies: 5,
        })
      ).anomalies,
    ).toHaveLength(6);
    expect(r.anomalies.filter((a) => a.code === 'GGUF_UNKNOWN_TENSOR_TYPE')).toHaveLength(30);
  });
});
