/**
 * Top-level field headers of a forward-only stream (a deflated archive member, a decompressed file):
 * decides whether the bytes are one well-formed protobuf message without buffering them, so only
 * streams that pass are read into memory for the full decode.
 */
import type { ByteStream } from '../source.js';
import type { ProtobufLimits } from './types.js';
import { PROTOBUF_LIMITS } from './types.js';

export interface TopLevelFields {
  /** Field number → wire types seen. */
  readonly fields: ReadonlyMap<number, ReadonlySet<number>>;
  readonly size: number;
}

/** Parses one header from `b`; undefined when more bytes are needed, null when it is invalid. */
function header(b: number[]): { number: number; wire: number; skip: number } | undefined | null {
  const read = (from: number): { value: number; next: number } | undefined | null => {
    let value = 0;
    for (let i = 0, scale = 1; i < 10; i++, scale *= 128) {
      if (from + i >= b.length) return undefined;
      const x = b[from + i]!;
      value += (x & 0x7f) * scale;
      if ((x & 0x80) === 0) return i === 9 && x > 1 ? null : { value, next: from + i + 1 };
    }
    return null;
  };
  const tag = read(0);
  if (!tag) return tag;
  const number = Math.floor(tag.value / 8);
  const wire = tag.value % 8;
  if (number === 0 || number > 0x1fffffff) return null;
  switch (wire) {
    case 0: {
      const v = read(tag.next);
      return v ? { number, wire, skip: 0 } : v;
    }
    case 1:
      return { number, wire, skip: 8 };
    case 5:
      return { number, wire, skip: 4 };
    case 2: {
      const len = read(tag.next);
      return len ? { number, wire, skip: len.value } : len;
    }
    default:
      return null;
  }
}

/** The top-level fields of the stream, or undefined when it is not exactly one well-formed message. */
export async function scanTopLevelStream(
  stream: ByteStream,
  limits: Pick<ProtobufLimits, 'maxFields'> = PROTOBUF_LIMITS,
): Promise<TopLevelFields | undefined> {
  const fields = new Map<number, Set<number>>();
  let pending: number[] = [];
  let skip = 0;
  let size = 0;
  let count = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        continue;
      }
      pending.push(chunk[i++]!);
      const h = header(pending);
      if (h === null) return undefined;
      if (h === undefined) continue;
      if (++count > limits.maxFields) return undefined;
      fields.set(h.number, (fields.get(h.number) ?? new Set()).add(h.wire));
      skip = h.skip;
      pending = [];
    }
  }
  return skip === 0 && pending.length === 0 ? { fields, size } : undefined;
}
