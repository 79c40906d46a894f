import { describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  SAFETENSORS_LIMITS,
  type SafetensorsAnomalyCode,
} from '../src/safetensors/header.js';
import { parseStrictJson } from '../src/safetensors/json.js';
import { BufferSource, type ByteSource } from '../src/source.js';
import { corpusFile, utf8 } from './helpers/bytes.js';

/** A safetensors file from a header object (or raw header text) and a data section. */
function st(header: unknown, data: Uint8Array | number = 0, declared?: bigint): Uint8Array {
  const text = typeof header === 'string' ? utf8(header) : utf8(JSON.stringify(header));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
}

const f32 = (name: string, shape: number[], begin: number, end: number) => ({
  [name]: { dtype: 'F32', shape, data_offsets: [begin, end] },
});

async function codes(bytes: Uint8Array): Promise<SafetensorsAnomalyCode[]> {
  return (await parseSafetensors(new BufferSource(bytes))).anomalies.map((a) => a.code);
}

describe('parseSafetensors', () => {
  it('accepts a canonical file and reads tensors and metadata', async () => {
    const r = await parseSafetensors(
      new BufferSource(
        st({ __metadata__: { format: 'pt' }, ...f32('a', [2, 2], 0, 16), ...f32('b', [2], 16, 24) }, 24),
      ),
    );
    expect(r.anomalies).toEqual([]);
    expect(r.uncovered).toEqual([]);
    expect(r.header?.tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect(r.header?.metadata).toEqual({ format: 'pt' });
  });

  it('accepts the benign corpus sample', async () => {
    expect(
      (await parseSafetensors(new BufferSource(corpusFile('benign/safetensors/mlp.safetensors')))).anomalies,
    ).toEqual([]);
  });

  it('rejects files shorter than the length field', async () => {
    expect(await codes(new Uint8Array(5))).toEqual(['ST_TRUNCATED']);
  });

  it('refuses a header length above the limit without reading it', async () => {
    expect(await codes(st({}, 0, 0x7fff_ffff_ffff_fff0n))).toEqual(['ST_HEADER_TOO_LARGE']);
  });

  it('refuses a header length that runs past the file', async () => {
    expect(await codes(st(f32('a', [1], 0, 4), 4, 4000n))).toEqual(['ST_HEADER_OUT_OF_BOUNDS']);
  });

  it('reports duplicate keys, which JSON.parse would silently resolve', async () => {
    const header =
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(await codes(st(header, 8))).toContain('JSON_DUPLICATE_KEY');
  });

  it('reports invalid JSON, non-UTF-8 text and a non-object root', async () => {
    expect(await codes(st('{"a":1,}'))).toEqual(['JSON_SYNTAX']);
    const bad = st('{"\u00e9":1}');
    bad[10] = 0xff;
    expect(await codes(bad)).toEqual(['JSON_NOT_UTF8']);
    expect(await codes(st('[1]'))).toEqual(['ST_HEADER_NOT_OBJECT']);
  });

  it('reports __metadata__ that is not a map of strings', async () => {
    expect(await codes(st({ __metadata__: { a: 1, b: 'x' } }))).toEqual(['ST_METADATA_INVALID']);
    expect(await codes(st({ __metadata__: ['x'] }))).toEqual(['ST_METADATA_INVALID']);
  });

  it('reports malformed entries, unknown dtypes and unknown fields', async () => {
    expect(await codes(st({ a: { dtype: 'F32', shape: [1] } }))).toEqual(['ST_TENSOR_MALFORMED']);
    expect(await codes(st({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }))).toEqual([
      'ST_TENSOR_MALFORMED',
    ]);
    expect(await codes(st({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }))).toEqual([
      'ST_TENSOR_MALFORMED',
    ]);
    expect(await codes(st({ a: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, 4))).toEqual([
      'ST_UNKNOWN_DTYPE',
    ]);
    expect(
      await codes(st({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 'payload' } }, 4)),
    ).toEqual(['ST_TENSOR_EXTRA_FIELD']);
  });

  it('checks shape × dtype against the byte range, including sub-byte dtypes', async () => {
    expect(await codes(st(f32('a', [3], 0, 8), 8))).toEqual(['ST_SIZE_MISMATCH']);
    expect(await codes(st({ a: { dtype: 'F4', shape: [3], data_offsets: [0, 2] } }, 2))).toEqual([
      'ST_SIZE_MISMATCH',
    ]);
    expect(await codes(st({ a: { dtype: 'F4', shape: [4], data_offsets: [0, 2] } }, 2))).toEqual([]);
  });

  it('keeps u64 offsets exact and reports overflowing shapes', async () => {
    const big =
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,18446744073709551616]}}';
    expect(await codes(st(big))).toEqual(['ST_TENSOR_MALFORMED']);
    const huge = '{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}';
    expect(await codes(st(huge, 8))).toEqual(['ST_SIZE_OVERFLOW']);
    const far = '{"a":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,9007199254740993]}}';
    const r = await parseSafetensors(new BufferSource(st(far, 4)));
    expect(r.anomalies.map((a) => a.code)).toEqual(['ST_OFFSET_OUT_OF_BOUNDS']);
    expect(r.header?.tensors[0]?.end).toBe(9007199254740993n);
  });

  it('reports offsets out of bounds, inverted offsets and overlaps', async () => {
    expect(await codes(st({ ...f32('a', [4], 0, 16), ...f32('b', [4], 16, 4096) }, 32))).toEqual(
      expect.arrayContaining(['ST_OFFSET_OUT_OF_BOUNDS']),
    );
    expect(await codes(st(f32('a', [1], 8, 4), 8))).toContain('ST_OFFSETS_INVALID');
    expect(await codes(st({ ...f32('a', [4], 0, 16), ...f32('b', [4], 8, 24) }, 24))).toEqual(['ST_OVERLAP']);
  });

  it('returns gaps and trailing bytes as uncovered ranges', async () => {
    const bytes = st({ ...f32('a', [1], 0, 4), ...f32('b', [1], 12, 16) }, 20);
    const r = await parseSafetensors(new BufferSource(bytes));
    expect(r.anomalies.map((a) => a.code)).toEqual(['ST_GAP', 'ST_TRAILING_DATA']);
    const start = r.header!.dataStart;
    expect(r.uncovered).toEqual([
      { start: start + 4, end: start + 12 },
      { start: start + 16, end: start + 20 },
    ]);
  });

  it('caps the anomalies it reports', async () => {
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) header[`t${i}`] = { dtype: 'X', shape: [1], data_offsets: [0, 1] };
    const r = await parseSafetensors(new BufferSource(st(header, 1)), {
      ...SAFETENSORS_LIMITS,
      maxAnomalies: 10,
    });
    expect(r.anomalies).toHaveLength(11);
    expect(r.anomalies.at(-1)?.code).toBe('ST_ANOMALY_LIMIT');
  });

  it('validates a 2 GB file from its header alone, quickly', async () => {
    const header = utf8(
      JSON.stringify({
        ...f32('a', [256, 1024, 1024], 0, 2 ** 30),
        ...f32('b', [256, 1024, 1024], 2 ** 30, 2 ** 31),
      }),
    );
    const head = st(new TextDecoder().decode(header));
    let bytesRead = 0;
    const source: ByteSource = {
      size: head.length + 2 ** 31,
      async read(offset, length) {
        if (offset >= head.length) throw new Error('tensor data must not be read');
        const out = head.subarray(offset, Math.min(head.length, offset + length));
        bytesRead += out.length;
        return out;
      },
    };
    const started = performance.now();
    const r = await parseSafetensors(source);
    expect(performance.now() - started).toBeLessThan(200);
    expect(r.anomalies).toEqual([]);
    expect(bytesRead).toBe(head.length);
  });
});

describe('parseStrictJson', () => {
  const limits = { maxDepth: 8, maxValues: 1000 };
  const parse = (s: string) => parseStrictJson(utf8(s), limits);

  it('keeps duplicate members in order and reports each repeat', () => {
    const r = parse('{"a":1,"a":2,"a":3}');
    expect(r.value?.kind === 'object' && r.value.members.map((m) => m.key)).toEqual(['a', 'a', 'a']);
    expect(r.anomalies.map((a) => a.code)).toEqual(['JSON_DUPLICATE_KEY', 'JSON_DUPLICATE_KEY']);
  });

  it('detects duplicates that differ only in escaping', () => {
    expect(parse('{"ab":1,"a\\u0062":2}').anomalies.map((a) => a.code)).toEqual(['JSON_DUPLICATE_KEY']);
  });

  it.each([
    ['leading zero', '[01]'],
    ['trailing comma', '[1,]'],
    ['NaN', '[NaN]'],
    ['single quotes', "{'a':1}"],
    ['control character', '["a\u0001"]'],
    ['bad escape', '["\\q"]'],
    ['trailing data', '{} x'],
    ['empty', ''],
    ['bare minus', '[-]'],
  ])('rejects %s', (_, text) => {
    expect(parse(text).anomalies.map((a) => a.code)).toEqual(['JSON_SYNTAX']);
    expect(parse(text).value).toBeUndefined();
  });

  it('reports lone surrogates, which serde refuses and Python accepts', () => {
    expect(parse('["\\ud800"]').anomalies.map((a) => a.code)).toEqual(['JSON_LONE_SURROGATE']);
    expect(parse('["\\ud83d\\ude00"]').anomalies).toEqual([]);
  });

  it('bounds depth and value count without recursing further', () => {
    expect(parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`).anomalies.map((a) => a.code)).toEqual([
      'JSON_DEPTH_LIMIT',
    ]);
    expect(parse(`[${'1,'.repeat(2000)}1]`).anomalies.map((a) => a.code)).toEqual(['JSON_VALUE_LIMIT']);
  });

  it('keeps integers exact beyond 2^53 and reports byte offsets', () => {
    const r = parseStrictJson(utf8('{"n": 18446744073709551615}'), limits, 8);
    const n = r.value?.kind === 'object' ? r.value.members[0] : undefined;
    expect(n?.value.kind === 'number' && n.value.integer).toBe(18446744073709551615n);
    expect(n?.keyOffset).toBe(9);
  });
});
