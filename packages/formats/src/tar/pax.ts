/**
 * PAX extended header records: "<length> <key>=<value>\n", where length counts the whole record.
 * Parsing stops at the first malformed record (Python's tarfile rejects the header there).
 */

const utf8 = new TextDecoder('utf-8');

export interface PaxParse {
  readonly records: Record<string, string>;
  /** Offset within the body of the first malformed record, if any. */
  readonly malformedAt?: number;
  readonly duplicates: string[];
}

export function parsePax(body: Uint8Array): PaxParse {
  const records: Record<string, string> = Object.create(null);
  const duplicates: string[] = [];
  let at = 0;
  while (at < body.length) {
    // A NUL where a record should start ends the records (padding written by some tools).
    if (body[at] === 0) break;
    const space = body.indexOf(0x20, at);
    if (space < 0 || space - at > 20) return { records, malformedAt: at, duplicates };
    const lengthText = String.fromCharCode(...body.subarray(at, space));
    if (!/^[0-9]+$/.test(lengthText)) return { records, malformedAt: at, duplicates };
    const length = Number(lengthText);
    const end = at + length;
    if (length < space - at + 3 || end > body.length || body[end - 1] !== 0x0a) {
      return { records, malformedAt: at, duplicates };
    }
    const record = body.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return { records, malformedAt: at, duplicates };
    const key = utf8.decode(record.subarray(0, eq));
    if (key in records) duplicates.push(key);
    records[key] = utf8.decode(record.subarray(eq + 1));
    at = end;
  }
  return { records, duplicates };
}

/** A PAX decimal (size, uid, gid); mtime may carry a fraction. Undefined when not a number. */
export function paxNumber(value: string, fraction = false): number | undefined {
  const pattern = fraction ? /^-?[0-9]+(\.[0-9]+)?$/ : /^[0-9]+$/;
  if (!pattern.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && (fraction || Number.isSafeInteger(n)) ? n : undefined;
}
