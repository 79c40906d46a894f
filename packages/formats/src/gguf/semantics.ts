/**
 * Checks of well-known metadata keys that llama.cpp indexes with: their value types, tokenizer arrays
 * of one length, token IDs inside the vocabulary, layer counts within its fixed-size tables. Each of
 * these has been an out-of-bounds read or write in llama.cpp when a file lied about it.
 */
import type { GgufAnomaly } from './limits.js';
import type { GgufKv } from './metadata.js';
import type { GgufValueType } from './types.js';

/** Expected types: a scalar type, or `ARRAY:<element type>`. */
const KNOWN_TYPES: Readonly<Record<string, string>> = {
  'general.architecture': 'STRING',
  'general.alignment': 'UINT32',
  'tokenizer.ggml.model': 'STRING',
  'tokenizer.ggml.tokens': 'ARRAY:STRING',
  'tokenizer.ggml.scores': 'ARRAY:FLOAT32',
  'tokenizer.ggml.token_type': 'ARRAY:INT32',
  'tokenizer.ggml.merges': 'ARRAY:STRING',
};

/** llama.cpp's LLAMA_MAX_LAYERS: per-layer tables have this many slots. */
export const GGUF_MAX_LAYERS = 512;

const typeOf = (kv: GgufKv): string => (kv.type === 'ARRAY' ? `ARRAY:${kv.elementType}` : kv.type);
const INTEGER_TYPES = new Set<GgufValueType>([
  'UINT8',
  'INT8',
  'UINT16',
  'INT16',
  'UINT32',
  'INT32',
  'UINT64',
  'INT64',
]);

export function checkKnownKeys(metadata: readonly GgufKv[], report: (a: GgufAnomaly) => void): void {
  const byKey = new Map(metadata.map((kv) => [kv.key, kv]));
  for (const kv of metadata) {
    const expected = KNOWN_TYPES[kv.key];
    if (expected !== undefined && typeOf(kv) !== expected && kv.key !== 'general.alignment')
      report({
        code: 'GGUF_KEY_TYPE_MISMATCH',
        message: `${kv.key} is ${typeOf(kv)}, readers expect ${expected}`,
        offset: kv.offset,
        field: kv.key,
        actual: typeOf(kv),
      });
    if (
      /\.block_count$/.test(kv.key) &&
      INTEGER_TYPES.has(kv.type) &&
      BigInt(kv.value as number | bigint) > GGUF_MAX_LAYERS
    )
      report({
        code: 'GGUF_VALUE_OUT_OF_RANGE',
        message: `${kv.key} = ${kv.value} exceeds llama.cpp's ${GGUF_MAX_LAYERS} layer slots`,
        offset: kv.offset,
        field: kv.key,
        limit: GGUF_MAX_LAYERS,
        actual: String(kv.value),
      });
  }

  const tokens = byKey.get('tokenizer.ggml.tokens');
  const vocab = tokens?.type === 'ARRAY' ? tokens.count : undefined;
  if (vocab === undefined) return;
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const kv = byKey.get(key);
    if (kv?.type === 'ARRAY' && kv.count !== vocab)
      report({
        code: 'GGUF_VALUE_OUT_OF_RANGE',
        message: `${key} has ${kv.count} entries for a vocabulary of ${vocab}`,
        offset: kv.offset,
        field: key,
        limit: vocab,
        actual: kv.count ?? 0,
      });
  }
  for (const kv of metadata) {
    if (!/^tokenizer\.ggml\.\w+_token_id$/.test(kv.key) || !INTEGER_TYPES.has(kv.type)) continue;
    const id = BigInt(kv.value as number | bigint);
    // -1, or its u32 spelling, is how writers say "no such token".
    if (id === -1n || id === 0xffff_ffffn) continue;
    if (id < 0n || id >= BigInt(vocab))
      report({
        code: 'GGUF_VALUE_OUT_OF_RANGE',
        message: `${kv.key} = ${id} is outside the ${vocab}-token vocabulary`,
        offset: kv.offset,
        field: kv.key,
        limit: vocab,
        actual: id.toString(),
      });
  }
}
