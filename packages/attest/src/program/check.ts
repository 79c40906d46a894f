/**
 * Checking `unknown` JSON into typed values at the trust boundary. A problem throws {@link Invalid}
 * (JSON path + what is wrong) inside a parser; the parser's entry point turns it into a result value.
 */
import { compareNames } from '../model-signing/manifest.js';

export class Invalid extends Error {
  constructor(
    readonly field: string,
    readonly what: string,
  ) {
    super(`${field}: ${what}`);
    this.name = 'Invalid';
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object with exactly the `required` members and at most the `optional` ones (unknown members are refused). */
export function object(
  v: unknown,
  field: string,
  required: readonly string[],
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (!isRecord(v)) throw new Invalid(field, 'not a JSON object');
  for (const k of Object.keys(v)) {
    if (!required.includes(k) && !optional.includes(k)) {
      throw new Invalid(field, `unknown member ${JSON.stringify(k.slice(0, 64))}`);
    }
  }
  for (const k of required) if (!(k in v)) throw new Invalid(field, `missing member ${JSON.stringify(k)}`);
  return v;
}

export function array(v: unknown, field: string, max: number, min = 0): readonly unknown[] {
  if (!Array.isArray(v)) throw new Invalid(field, 'not a JSON array');
  if (v.length > max) throw new Invalid(field, `${v.length} entries, more than the limit of ${max}`);
  if (v.length < min) throw new Invalid(field, `needs at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  return v;
}

// C0 controls other than tab and newline, DEL, C1 controls, and the bidirectional overrides that make
// text display differently from what it says (CWE-451).
const UNSAFE_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE_LINE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export interface StringRule {
  readonly maxBytes: number;
  /** Whole-string pattern; when absent, any non-empty text without control characters. */
  readonly pattern?: RegExp;
  /** Allow newlines and tabs (free text). */
  readonly multiline?: boolean;
  readonly describe?: string;
}

export function string(v: unknown, field: string, rule: StringRule): string {
  if (typeof v !== 'string') throw new Invalid(field, 'not a string');
  if (v.length === 0) throw new Invalid(field, 'empty');
  const bytes = Buffer.byteLength(v, 'utf8');
  if (bytes > rule.maxBytes)
    throw new Invalid(field, `${bytes} bytes, more than the limit of ${rule.maxBytes}`);
  if (LONE_SURROGATE.test(v)) throw new Invalid(field, 'holds an unpaired surrogate');
  if ((rule.multiline ? UNSAFE_TEXT : UNSAFE_LINE).test(v))
    throw new Invalid(field, 'holds control characters');
  if (rule.pattern !== undefined && !rule.pattern.test(v)) {
    throw new Invalid(field, `${JSON.stringify(v.slice(0, 80))} is not ${rule.describe ?? 'valid'}`);
  }
  return v;
}

export function oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new Invalid(field, `${JSON.stringify(v)?.slice(0, 80)} is not one of ${values.join(', ')}`);
  }
  return v as T;
}

/** An identifier: letters, digits and `._:-`, starting with a letter or digit. */
export const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
export const HEX64 = /^[0-9a-f]{64}$/;
/** RFC 3339 UTC with whole seconds, as program documents write times. */
export const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** A time as program documents write it: RFC 3339, UTC, whole seconds (sub-second parts are dropped). */
export function formatTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Invalid('time', 'not a valid date');
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function timestamp(v: unknown, field: string): { text: string; date: Date } {
  if (typeof v !== 'string' || !TIMESTAMP.test(v)) {
    throw new Invalid(field, 'not an RFC 3339 UTC time with whole seconds (YYYY-MM-DDTHH:MM:SSZ)');
  }
  const date = new Date(v);
  // Date accepts 2026-02-30 by rolling over; a round trip catches impossible dates.
  if (Number.isNaN(date.getTime()) || formatTime(date) !== v)
    throw new Invalid(field, `${v} is not a real time`);
  return { text: v, date };
}

/** An absolute https URL without credentials or fragment. */
export function httpsUrl(v: unknown, field: string, maxBytes: number): string {
  const s = string(v, field, { maxBytes });
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new Invalid(field, `${JSON.stringify(s.slice(0, 80))} is not a URL`);
  }
  if (url.protocol !== 'https:')
    throw new Invalid(field, `${JSON.stringify(s.slice(0, 80))} is not an https URL`);
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new Invalid(field, 'must not carry credentials or a fragment');
  }
  return s;
}

/** A relative POSIX path: no leading `/`, no empty, `.` or `..` segment, no NUL or control characters. */
export function relativePath(v: unknown, field: string, maxBytes: number): string {
  const s = string(v, field, { maxBytes });
  if (s.startsWith('/') || !s.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')) {
    throw new Invalid(
      field,
      `${JSON.stringify(s.slice(0, 80))} is not a relative path inside the artifact directory`,
    );
  }
  return s;
}

export function positiveInteger(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new Invalid(field, 'not a positive integer');
  return v;
}

/** Entries must be strictly ascending by `compare` (sorted and without duplicates). */
export function ascending<T>(
  items: readonly T[],
  field: string,
  compare: (a: T, b: T) => number,
  what: string,
): void {
  for (let i = 1; i < items.length; i++) {
    const c = compare(items[i - 1]!, items[i]!);
    if (c === 0) throw new Invalid(`${field}[${i}]`, `duplicate ${what}`);
    if (c > 0) throw new Invalid(`${field}[${i}]`, `not in canonical order (sorted by ${what})`);
  }
}

export { compareNames };

/** Plain UTF-16 string order, which canonical JSON also uses for member names. */
export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
