/**
 * A lazy, bounded protobuf wire-format reader over a ByteSource. It reads field headers through a
 * small window and skips payloads nobody asked for, so a multi-gigabyte ONNX initializer or constant
 * tensor costs a seek, not an allocation. Declared lengths must fit inside the enclosing message and
 * the bytes really there.
 */
import type { ByteSource } from '../source.js';
import {
  PROTOBUF_LIMITS,
  type ProtobufAnomaly,
  type ProtobufAnomalyCode,
  type ProtobufLimits,
  type ProtoField,
  type WireType,
} from './types.js';

/** Bytes read per window; headers are small, so one window serves many of them. */
const WINDOW = 64 * 1024;
/** A tag plus a length prefix never exceed 20 bytes (two 10-byte varints). */
const HEADER_MAX = 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lossy = new TextDecoder('utf-8');

export class ProtoReader {
  readonly anomalies: ProtobufAnomaly[] = [];
  /** Set once a limit stops the decode; callers stop walking. */
  stopped = false;
  private fieldsSeen = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;

  constructor(
    readonly source: ByteSource,
    readonly limits: ProtobufLimits = PROTOBUF_LIMITS,
  ) {}

  get size(): number {
    return this.source.size;
  }

  report(
    code: ProtobufAnomalyCode,
    message: string,
    extra: Omit<ProtobufAnomaly, 'code' | 'message'> = {},
  ): void {
    if (this.anomalies.length >= this.limits.maxAnomalies) return;
    this.anomalies.push({ code, message, ...extra });
  }

  /**
   * The fields of the message in [start, end). Stops (with an anomaly) at the first malformed header:
   * after one, field boundaries can no longer be trusted.
   */
  async *fields(start: number, end: number, depth: number, message: string): AsyncGenerator<ProtoField> {
    if (depth > this.limits.maxDepth) {
      this.report('LIMIT_DEPTH', `${message} nested ${depth} messages deep`, {
        offset: start,
        field: message,
        limit: this.limits.maxDepth,
        actual: depth,
      });
      return;
    }
    let pos = start;
    while (pos < end && !this.stopped) {
      if (++this.fieldsSeen > this.limits.maxFields) {
        this.report('LIMIT_FIELDS', 'too many fields to decode', {
          offset: pos,
          limit: this.limits.maxFields,
        });
        this.stopped = true;
        return;
      }
      await this.ensure(pos, HEADER_MAX);
      const tag = this.varintAt(pos, end, `${message} tag`);
      if (!tag) return;
      const number = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      if (number === 0 || number > 0x1fffffff) {
        this.report('INVALID_TAG', `${message}: field number ${number} is not valid`, {
          offset: pos,
          field: message,
          actual: number,
        });
        return;
      }
      const offset = pos;
      pos = tag.next;
      let varint = 0;
      let payloadStart = pos;
      switch (wire) {
        case 0: {
          const v = this.varintAt(pos, end, `${message} field ${number}`);
          if (!v) return;
          varint = v.value;
          payloadStart = pos;
          pos = v.next;
          break;
        }
        case 1:
        case 5:
          pos += wire === 1 ? 8 : 4;
          break;
        case 2: {
          const v = this.varintAt(pos, end, `${message} field ${number} length`);
          if (!v) return;
          varint = v.value;
          payloadStart = v.next;
          pos = v.next + v.value;
          break;
        }
        case 3:
        case 4:
          // Groups are deprecated and used by no model format; libprotobuf would still skip them, so
          // a group is a place where this reader and the real one could disagree.
          this.report('GROUP_WIRE_TYPE', `${message}: field ${number} uses the deprecated group encoding`, {
            offset,
            field: message,
            actual: number,
          });
          return;
        default:
          this.report('INVALID_WIRE_TYPE', `${message}: field ${number} has wire type ${wire}`, {
            offset,
            field: message,
            actual: wire,
          });
          return;
      }
      if (pos > end) {
        this.report('TRUNCATED', `${message}: field ${number} runs past the end of its message`, {
          offset,
          field: message,
          limit: end,
          actual: pos,
        });
        return;
      }
      yield {
        number,
        wire: wire as WireType,
        offset,
        varint,
        start: payloadStart,
        end: wire === 0 ? pos : pos,
      };
    }
  }

  /** True when the field has the wire type its schema gives it; otherwise records the mismatch. */
  expect(f: ProtoField, wire: WireType, field: string): boolean {
    if (f.wire === wire) return true;
    // libprotobuf keeps such a field as unknown while another decoder may coerce it: a differential.
    this.report('WRONG_WIRE_TYPE', `${field} (field ${f.number}) has wire type ${f.wire}, expected ${wire}`, {
      offset: f.offset,
      field,
      actual: f.wire,
    });
    return false;
  }

  /** The payload of a length-delimited field, at most `max` bytes of it. */
  async bytes(f: ProtoField, max: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
    const n = Math.min(f.end - f.start, max);
    const bytes = n === 0 ? new Uint8Array(0) : (await this.source.read(f.start, n)).slice();
    return { bytes, truncated: f.end - f.start > n };
  }

  /** A string field, cut to maxStringBytes (reported) and decoded as UTF-8 (invalid bytes reported). */
  async string(f: ProtoField, field: string): Promise<string> {
    const { bytes, truncated } = await this.bytes(f, this.limits.maxStringBytes);
    if (truncated)
      this.report('STRING_TRUNCATED', `${field} is ${f.end - f.start} bytes; kept ${bytes.length}`, {
        offset: f.start,
        field,
        limit: this.limits.maxStringBytes,
        actual: f.end - f.start,
      });
    try {
      return utf8.decode(bytes);
    } catch {
      // A cut may split a character; only complain about bytes that were invalid as written.
      if (!truncated) this.report('INVALID_UTF8', `${field} is not valid UTF-8`, { offset: f.start, field });
      return utf8Lossy.decode(bytes);
    }
  }

  private async ensure(pos: number, n: number): Promise<void> {
    const end = Math.min(this.source.size, pos + n);
    if (pos >= this.bufStart && end <= this.bufStart + this.buf.length) return;
    this.bufStart = pos;
    this.buf = await this.source.read(pos, Math.min(Math.max(n, WINDOW), this.source.size - pos));
  }

  /** A varint of at most 10 bytes, within [pos, end). Needs the window to cover pos..pos+10. */
  private varintAt(pos: number, end: number, field: string): { value: number; next: number } | undefined {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const at = pos + i;
      if (at >= end || at - this.bufStart >= this.buf.length) {
        this.report('TRUNCATED', `${field}: varint runs past the end`, { offset: pos, field, limit: end });
        return undefined;
      }
      const b = this.buf[at - this.bufStart]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) {
        if (i === 9 && b > 1) break;
        return { value, next: at + 1 };
      }
    }
    this.report('VARINT_TOO_LONG', `${field}: varint longer than 10 bytes or above 64 bits`, {
      offset: pos,
      field,
      limit: 10,
    });
    return undefined;
  }
}
