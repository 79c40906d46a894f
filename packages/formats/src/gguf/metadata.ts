/**
 * GGUF key/value metadata: every value type, arrays (nested ones too) walked element by element.
 * Nothing is allocated from a declared count: a count or length is first checked against the bytes
 * that remain, and array elements are walked, not kept.
 */
import type { Cursor } from './cursor.js';
import type { GgufAnomaly, GgufLimits } from './limits.js';
import { GGUF_SCALAR_BYTES, GGUF_VALUE_TYPES, type GgufValueType } from './types.js';

export interface GgufKv {
  readonly key: string;
  /** File offset of the key's length field. */
  readonly offset: number;
  readonly type: GgufValueType;
  /** Scalars; strings up to the retention limit (absent when longer or not UTF-8). */
  readonly value?: number | bigint | boolean | string;
  /** Byte length of a STRING value. */
  readonly length?: number;
  /** ARRAY: element type and count (elements are walked, not kept). */
  readonly elementType?: GgufValueType;
  readonly count?: number;
}

/** Raised for a fault that stops the walk; the anomaly is already recorded. */
export class Fatal extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class MetadataReader {
  elementsWalked = 0;

  constructor(
    readonly cursor: Cursor,
    /** 8 for GGUF v2/v3, 4 for v1 (u32 lengths and counts). */
    readonly lengthBytes: 4 | 8,
    private readonly limits: GgufLimits,
    readonly report: (a: GgufAnomaly) => void,
  ) {}

  fatal(a: GgufAnomaly): never {
    this.report(a);
    throw new Fatal(a.message);
  }

  async length(): Promise<number> {
    const v = this.lengthBytes === 8 ? await this.cursor.u64() : BigInt(await this.cursor.u32());
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  /** A string whose declared length must fit the file; kept only up to `keep` bytes. */
  async string(field: string, keep: number): Promise<{ value?: string; length: number }> {
    const at = this.cursor.pos;
    const length = await this.length();
    if (length > this.cursor.remaining)
      this.fatal({
        code: 'GGUF_DECLARED_SIZE_EXCEEDS_DATA',
        message: `${field}: declared string length ${length} runs past the end of the file (${this.cursor.remaining} bytes left)`,
        offset: at,
        field,
        limit: this.cursor.remaining,
        actual: length,
      });
    if (length > keep) {
      await this.cursor.skip(length);
      return { length };
    }
    const bytes = await this.cursor.take(length);
    try {
      return { value: utf8.decode(bytes), length };
    } catch {
      this.report({
        code: 'GGUF_BAD_UTF8',
        message: `${field}: string is not valid UTF-8`,
        offset: at,
        field,
      });
      return { length };
    }
  }

  async valueType(field: string): Promise<GgufValueType> {
    const at = this.cursor.pos;
    const id = await this.cursor.u32();
    const type = GGUF_VALUE_TYPES[id];
    if (type === undefined)
      this.fatal({
        code: 'GGUF_UNKNOWN_VALUE_TYPE',
        message: `${field}: unknown value type ${id}; the rest of the metadata cannot be located`,
        offset: at,
        field,
        actual: id,
      });
    return type;
  }

  async kv(): Promise<GgufKv> {
    const offset = this.cursor.pos;
    const { value: key = '', length } = await this.string('metadata key', this.limits.maxRetainedStringBytes);
    const name = key === '' && length > 0 ? `<key of ${length} bytes>` : key;
    const type = await this.valueType(name);
    if (type === 'ARRAY') {
      const { elementType, count } = await this.array(name, 1);
      return { key: name, offset, type, elementType, count };
    }
    if (type === 'STRING') {
      const s = await this.string(name, this.limits.maxRetainedStringBytes);
      return {
        key: name,
        offset,
        type,
        length: s.length,
        ...(s.value !== undefined ? { value: s.value } : {}),
      };
    }
    return { key: name, offset, type, value: await this.scalar(type, name) };
  }

  private async scalar(type: GgufValueType, field: string): Promise<number | bigint | boolean> {
    const at = this.cursor.pos;
    const v = await this.cursor.view(GGUF_SCALAR_BYTES[type] ?? 0);
    switch (type) {
      case 'UINT8':
        return v.getUint8(0);
      case 'INT8':
        return v.getInt8(0);
      case 'UINT16':
        return v.getUint16(0, true);
      case 'INT16':
        return v.getInt16(0, true);
      case 'UINT32':
        return v.getUint32(0, true);
      case 'INT32':
        return v.getInt32(0, true);
      case 'FLOAT32':
        return v.getFloat32(0, true);
      case 'UINT64':
        return v.getBigUint64(0, true);
      case 'INT64':
        return v.getBigInt64(0, true);
      case 'FLOAT64':
        return v.getFloat64(0, true);
      case 'BOOL': {
        const b = v.getUint8(0);
        if (b > 1)
          this.report({
            code: 'GGUF_BAD_BOOL',
            message: `${field}: BOOL byte is ${b}, not 0 or 1`,
            offset: at,
            field,
          });
        return b !== 0;
      }
      case 'STRING':
      case 'ARRAY':
        throw new Error(`scalar() called for ${type}`);
    }
  }

  /** Walks an array's elements; returns its element type and count. */
  private async array(field: string, depth: number): Promise<{ elementType: GgufValueType; count: number }> {
    const at = this.cursor.pos;
    const elementType = await this.valueType(`${field}[]`);
    const count = await this.length();
    if (depth > this.limits.maxArrayDepth)
      this.fatal({
        code: 'GGUF_LIMIT',
        message: `${field}: arrays nested deeper than ${this.limits.maxArrayDepth}`,
        offset: at,
        field: 'maxArrayDepth',
        limit: this.limits.maxArrayDepth,
        actual: depth,
      });
    if (elementType === 'ARRAY')
      this.report({
        code: 'GGUF_NESTED_ARRAY',
        message: `${field}: array of arrays, which llama.cpp refuses while other readers accept it`,
        offset: at,
        field,
      });
    const scalar = GGUF_SCALAR_BYTES[elementType];
    // Smallest encoding of one element: a scalar's width, or an empty string's / array's header.
    const minimum = scalar ?? (elementType === 'STRING' ? this.lengthBytes : 4 + this.lengthBytes);
    if (count * minimum > this.cursor.remaining)
      this.fatal({
        code: 'GGUF_DECLARED_SIZE_EXCEEDS_DATA',
        message: `${field}: ${count} elements of ${elementType} need at least ${count * minimum} bytes, only ${this.cursor.remaining} remain`,
        offset: at,
        field,
        limit: this.cursor.remaining,
        actual: count,
      });
    this.elementsWalked += count;
    if (this.elementsWalked > this.limits.maxArrayElements)
      this.fatal({
        code: 'GGUF_LIMIT',
        message: `more than ${this.limits.maxArrayElements} array elements in the metadata`,
        offset: at,
        field: 'maxArrayElements',
        limit: this.limits.maxArrayElements,
        actual: this.elementsWalked,
      });
    if (scalar !== undefined && elementType !== 'BOOL') {
      await this.cursor.skip(count * scalar);
      return { elementType, count };
    }
    if (elementType === 'STRING') {
      const overrun = await this.cursor.skipStrings(count, this.lengthBytes);
      if (overrun)
        this.fatal({
          code: 'GGUF_DECLARED_SIZE_EXCEEDS_DATA',
          message: `${field}[${overrun.index}]: declared string length ${overrun.length} runs past the end of the file`,
          offset: overrun.at,
          field,
          limit: this.cursor.remaining,
          actual: overrun.length,
        });
      return { elementType, count };
    }
    for (let i = 0; i < count; i++) {
      if (elementType === 'ARRAY') await this.array(field, depth + 1);
      else await this.scalar(elementType, field);
    }
    return { elementType, count };
  }
}
