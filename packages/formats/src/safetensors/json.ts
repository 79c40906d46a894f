/**
 * A strict RFC 8259 JSON parser over bytes, for headers that two loaders must read the same way.
 * `JSON.parse` and Python's `json` silently keep the last of two equal keys, serde refuses some inputs
 * Python accepts (lone surrogates); this parser keeps every member in order and reports each such
 * disagreement instead of choosing a winner. Numbers keep their source text so u64 offsets stay exact.
 */
import type { Anomaly } from '../anomaly.js';

export type JsonAnomalyCode =
  | 'JSON_SYNTAX'
  | 'JSON_NOT_UTF8'
  | 'JSON_DUPLICATE_KEY'
  | 'JSON_LONE_SURROGATE'
  | 'JSON_DEPTH_LIMIT'
  | 'JSON_VALUE_LIMIT';

export type JsonValue =
  | { readonly kind: 'null'; readonly offset: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly offset: number }
  /** `integer` is set when the text is an integer (no fraction, no exponent). */
  | { readonly kind: 'number'; readonly text: string; readonly integer?: bigint; readonly offset: number }
  | { readonly kind: 'string'; readonly value: string; readonly offset: number }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[]; readonly offset: number }
  /** Members in source order, duplicates included. */
  | { readonly kind: 'object'; readonly members: readonly JsonMember[]; readonly offset: number };

export interface JsonMember {
  readonly key: string;
  readonly keyOffset: number;
  readonly value: JsonValue;
}

export interface JsonLimits {
  /** Nesting of arrays and objects (CWE-674: recursion exhaustion). */
  readonly maxDepth: number;
  /** Values kept in the tree (CWE-400: memory exhaustion from a huge flat document). */
  readonly maxValues: number;
}

export interface JsonParseResult {
  /** Absent when the text is not JSON, or a limit stopped the parse. */
  readonly value?: JsonValue;
  readonly anomalies: Anomaly<JsonAnomalyCode>[];
}

class Stop extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `base` is added to every reported offset (the header's position in its file). */
export function parseStrictJson(bytes: Uint8Array, limits: JsonLimits, base = 0): JsonParseResult {
  const anomalies: Anomaly<JsonAnomalyCode>[] = [];
  let pos = 0;
  let values = 0;
  const fail = (code: JsonAnomalyCode, message: string, extra: { limit?: number } = {}): never => {
    anomalies.push({ code, message, offset: base + pos, ...extra });
    throw new Stop();
  };
  const ws = () => {
    while (pos < bytes.length) {
      const c = bytes[pos]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      pos++;
    }
  };
  const count = () => {
    if (++values > limits.maxValues)
      fail('JSON_VALUE_LIMIT', `more than ${limits.maxValues} values`, { limit: limits.maxValues });
  };

  const literal = (word: string): void => {
    for (let i = 0; i < word.length; i++)
      if (bytes[pos + i] !== word.charCodeAt(i)) fail('JSON_SYNTAX', `invalid literal, expected ${word}`);
    pos += word.length;
  };

  const string = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let runStart = pos;
    const flush = () => {
      if (pos > runStart) {
        try {
          out += utf8.decode(bytes.subarray(runStart, pos));
        } catch {
          pos = runStart;
          fail('JSON_NOT_UTF8', 'string is not valid UTF-8');
        }
      }
    };
    for (;;) {
      if (pos >= bytes.length) {
        pos = start;
        fail('JSON_SYNTAX', 'unterminated string');
      }
      const c = bytes[pos]!;
      if (c === 0x22) {
        flush();
        pos++;
        return out;
      }
      if (c < 0x20) fail('JSON_SYNTAX', 'unescaped control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      flush();
      const e = bytes[pos + 1];
      pos += 2;
      switch (e) {
        case 0x22:
          out += '"';
          break;
        case 0x5c:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const unit = hex4();
          if (unit >= 0xd800 && unit <= 0xdbff && bytes[pos] === 0x5c && bytes[pos + 1] === 0x75) {
            const save = pos;
            pos += 2;
            const low = hex4();
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              break;
            }
            pos = save;
          }
          if (unit >= 0xd800 && unit <= 0xdfff)
            // serde_json rejects this; Python accepts it: the two loaders disagree.
            fail('JSON_LONE_SURROGATE', 'lone UTF-16 surrogate in \\u escape');
          out += String.fromCharCode(unit);
          break;
        }
        default:
          pos -= 2;
          fail('JSON_SYNTAX', 'invalid escape in string');
      }
      runStart = pos;
    }
  };

  const hex4 = (): number => {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = bytes[pos + i];
      const d =
        c === undefined
          ? -1
          : c >= 0x30 && c <= 0x39
            ? c - 0x30
            : c >= 0x61 && c <= 0x66
              ? c - 0x57
              : c >= 0x41 && c <= 0x46
                ? c - 0x37
                : -1;
      if (d < 0) fail('JSON_SYNTAX', 'invalid \\u escape');
      v = v * 16 + d;
    }
    pos += 4;
    return v;
  };

  const digits = (): number => {
    const s = pos;
    while (pos < bytes.length && bytes[pos]! >= 0x30 && bytes[pos]! <= 0x39) pos++;
    return pos - s;
  };

  const number = (): JsonValue => {
    const start = pos;
    if (bytes[pos] === 0x2d) pos++;
    const intStart = pos;
    const n = digits();
    if (n === 0) fail('JSON_SYNTAX', 'invalid number');
    if (n > 1 && bytes[intStart] === 0x30) {
      pos = intStart;
      fail('JSON_SYNTAX', 'leading zero in number');
    }
    let integer = true;
    if (bytes[pos] === 0x2e) {
      pos++;
      integer = false;
      if (digits() === 0) fail('JSON_SYNTAX', 'invalid fraction');
    }
    if (bytes[pos] === 0x65 || bytes[pos] === 0x45) {
      pos++;
      integer = false;
      if (bytes[pos] === 0x2b || bytes[pos] === 0x2d) pos++;
      if (digits() === 0) fail('JSON_SYNTAX', 'invalid exponent');
    }
    const text = String.fromCharCode(...bytes.subarray(start, Math.min(pos, start + 64)));
    const whole = pos - start <= 64 ? text : `${text}…`;
    return integer && pos - start <= 64
      ? { kind: 'number', text: whole, integer: BigInt(text), offset: base + start }
      : { kind: 'number', text: whole, offset: base + start };
  };

  const value = (depth: number): JsonValue => {
    ws();
    count();
    const offset = base + pos;
    const c = bytes[pos];
    if (c === 0x7b || c === 0x5b) {
      if (depth >= limits.maxDepth)
        fail('JSON_DEPTH_LIMIT', `nesting deeper than ${limits.maxDepth}`, { limit: limits.maxDepth });
    }
    switch (c) {
      case 0x7b: {
        pos++;
        const members: JsonMember[] = [];
        const seen = new Set<string>();
        ws();
        if (bytes[pos] === 0x7d) {
          pos++;
          return { kind: 'object', members, offset };
        }
        for (;;) {
          ws();
          if (bytes[pos] !== 0x22) fail('JSON_SYNTAX', 'expected a string key');
          const keyOffset = base + pos;
          const key = string();
          if (seen.has(key))
            anomalies.push({
              code: 'JSON_DUPLICATE_KEY',
              message: `key ${JSON.stringify(key.slice(0, 200))} appears more than once; loaders disagree about which value counts`,
              offset: keyOffset,
              field: key.slice(0, 200),
            });
          seen.add(key);
          ws();
          if (bytes[pos] !== 0x3a) fail('JSON_SYNTAX', "expected ':' after key");
          pos++;
          members.push({ key, keyOffset, value: value(depth + 1) });
          ws();
          if (bytes[pos] === 0x2c) {
            pos++;
            continue;
          }
          if (bytes[pos] === 0x7d) {
            pos++;
            return { kind: 'object', members, offset };
          }
          fail('JSON_SYNTAX', "expected ',' or '}' in object");
        }
      }
      case 0x5b: {
        pos++;
        const items: JsonValue[] = [];
        ws();
        if (bytes[pos] === 0x5d) {
          pos++;
          return { kind: 'array', items, offset };
        }
        for (;;) {
          items.push(value(depth + 1));
          ws();
          if (bytes[pos] === 0x2c) {
            pos++;
            continue;
          }
          if (bytes[pos] === 0x5d) {
            pos++;
            return { kind: 'array', items, offset };
          }
          fail('JSON_SYNTAX', "expected ',' or ']' in array");
        }
      }
      case 0x22:
        return { kind: 'string', value: string(), offset };
      case 0x74:
        literal('true');
        return { kind: 'boolean', value: true, offset };
      case 0x66:
        literal('false');
        return { kind: 'boolean', value: false, offset };
      case 0x6e:
        literal('null');
        return { kind: 'null', offset };
      default:
        if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
        return fail('JSON_SYNTAX', c === undefined ? 'unexpected end of JSON' : 'unexpected character');
    }
  };

  try {
    const v = value(0);
    ws();
    if (pos < bytes.length) fail('JSON_SYNTAX', 'data after the JSON value');
    return { value: v, anomalies };
  } catch (e) {
    if (e instanceof Stop) return { anomalies };
    throw e;
  }
}
