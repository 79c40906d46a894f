/**
 * A strict JSON reader for Keras configs. It accepts what Python's `json` module writes and reads
 * (including NaN and ±Infinity) and reports what JSON.parse hides: duplicate keys (Python and
 * JavaScript keep the last, other readers the first), excessive depth, trailing data.
 */
import type { Anomaly } from '../anomaly.js';

export const KERAS_JSON_ANOMALY_CODES = {
  JSON_INVALID: 'not valid JSON',
  JSON_DUPLICATE_KEY: 'an object repeats a key; readers disagree about which value wins',
  JSON_DEPTH_LIMIT: 'arrays and objects nest deeper than the limit',
  JSON_SIZE_LIMIT: 'the document is larger than the limit',
  JSON_TRAILING_DATA: 'data follows the top-level value',
} as const;

export type KerasJsonAnomalyCode = keyof typeof KERAS_JSON_ANOMALY_CODES;
export type KerasJsonAnomaly = Anomaly<KerasJsonAnomalyCode>;

export type KerasJsonValue = null | boolean | number | string | KerasJsonValue[] | KerasJsonObject;
/** Objects have no prototype, so keys such as `__proto__` are plain data. */
export interface KerasJsonObject {
  [key: string]: KerasJsonValue;
}

export interface KerasJsonLimits {
  /** Bytes of one document (CWE-400: memory exhaustion). */
  readonly maxBytes: number;
  /** Nesting of arrays and objects (CWE-674: recursion bombs; Python's json stops near 1000). */
  readonly maxDepth: number;
}

export interface KerasJsonResult {
  readonly value?: KerasJsonValue;
  readonly anomalies: readonly KerasJsonAnomaly[];
}

class Stop extends Error {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

export function parseKerasJson(bytes: Uint8Array, limits: KerasJsonLimits): KerasJsonResult {
  if (bytes.length > limits.maxBytes)
    return {
      anomalies: [
        {
          code: 'JSON_SIZE_LIMIT',
          message: KERAS_JSON_ANOMALY_CODES.JSON_SIZE_LIMIT,
          limit: limits.maxBytes,
          actual: bytes.length,
        },
      ],
    };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const anomalies: KerasJsonAnomaly[] = [];
  let pos = 0;

  const fail = (code: KerasJsonAnomalyCode, field: string, extra: Partial<KerasJsonAnomaly> = {}): never => {
    anomalies.push({
      code,
      message: `${KERAS_JSON_ANOMALY_CODES[code]} (${field})`,
      offset: pos,
      field,
      ...extra,
    });
    throw new Stop();
  };
  const skipWs = () => {
    while (pos < text.length && WS.has(text.charCodeAt(pos))) pos++;
  };
  const literal = (word: string, value: KerasJsonValue): KerasJsonValue => {
    if (text.startsWith(word, pos)) {
      pos += word.length;
      return value;
    }
    return fail('JSON_INVALID', 'literal');
  };

  const str = (): string => {
    pos++; // opening quote
    let out = '';
    let run = pos;
    for (;;) {
      if (pos >= text.length) fail('JSON_INVALID', 'unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(run, pos++);
        return out;
      }
      if (c < 0x20) fail('JSON_INVALID', 'control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(run, pos);
      const e = text[pos + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
        out += String.fromCharCode(Number.parseInt(text.slice(pos + 2, pos + 6), 16));
        pos += 6;
      } else fail('JSON_INVALID', 'string escape');
      run = pos;
    }
  };

  const num = (): number => {
    const m = /^-?(?:Infinity|(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(pos, pos + 400));
    if (!m) return fail('JSON_INVALID', 'number');
    pos += m[0].length;
    return Number(m[0]);
  };

  const value = (depth: number): KerasJsonValue => {
    skipWs();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= limits.maxDepth) fail('JSON_DEPTH_LIMIT', 'nesting', { limit: limits.maxDepth });
      pos++;
      return c === '{' ? object(depth + 1) : array(depth + 1);
    }
    if (c === '"') return str();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === 'N') return literal('NaN', Number.NaN);
    if (c === 'I') return literal('Infinity', Number.POSITIVE_INFINITY);
    return num();
  };

  const array = (depth: number): KerasJsonValue[] => {
    const out: KerasJsonValue[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return out;
    }
    for (;;) {
      out.push(value(depth));
      skipWs();
      const c = text[pos++];
      if (c === ']') return out;
      if (c !== ',') fail('JSON_INVALID', 'array separator');
    }
  };

  const object = (depth: number): KerasJsonObject => {
    const out: KerasJsonObject = Object.create(null);
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return out;
    }
    for (;;) {
      skipWs();
      if (text[pos] !== '"') fail('JSON_INVALID', 'object key');
      const keyAt = pos;
      const key = str();
      skipWs();
      if (text[pos++] !== ':') fail('JSON_INVALID', 'object colon');
      const v = value(depth);
      if (Object.hasOwn(out, key))
        anomalies.push({
          code: 'JSON_DUPLICATE_KEY',
          message: `${KERAS_JSON_ANOMALY_CODES.JSON_DUPLICATE_KEY} (${JSON.stringify(key.slice(0, 80))})`,
          offset: keyAt,
          field: key.slice(0, 80),
        });
      out[key] = v; // last wins, as in Python's json and Keras
      skipWs();
      const c = text[pos++];
      if (c === '}') return out;
      if (c !== ',') fail('JSON_INVALID', 'object separator');
    }
  };

  try {
    const v = value(0);
    skipWs();
    if (pos < text.length) {
      anomalies.push({
        code: 'JSON_TRAILING_DATA',
        message: KERAS_JSON_ANOMALY_CODES.JSON_TRAILING_DATA,
        offset: pos,
        field: 'end',
      });
    }
    return { value: v, anomalies };
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { anomalies };
  }
}
