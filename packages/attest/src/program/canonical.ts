/**
 * Canonical JSON as in RFC 8785 (JCS) for the values program documents hold: object members sorted
 * by UTF-16 code units, no whitespace, strings and numbers serialised as ECMAScript does. The same
 * value always gives the same bytes, so signatures and digests reproduce.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError('canonical JSON has no representation for NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>);
    for (const [k, v] of members) {
      // Signed data must say what it means: an undefined member is a bug in the caller, not "absent".
      if (v === undefined) throw new TypeError(`canonical JSON: member ${JSON.stringify(k)} is undefined`);
    }
    members.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON has no representation for ${typeof value}`);
}

export const canonicalBytes = (value: unknown): Uint8Array => new TextEncoder().encode(canonicalJson(value));

/** Byte equality, without allocating. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Strict UTF-8 JSON of a signed payload, or why it is not (named after `what`). */
export function decodeJsonPayload(
  payload: Uint8Array,
  what: string,
):
  | { readonly ok: true; readonly json: unknown }
  | { readonly ok: false; readonly field: 'payload'; readonly message: string } {
  try {
    return {
      ok: true,
      json: JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(payload)),
    };
  } catch (err) {
    return { ok: false, field: 'payload', message: `${what} is not UTF-8 JSON (${(err as Error).message})` };
  }
}
