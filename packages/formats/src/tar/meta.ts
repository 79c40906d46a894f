/**
 * Metadata headers: GNU long name ('L') and long link ('K'), PAX per-entry ('x', Solaris 'X') and
 * global ('g') records. They describe the next real header. Python's tarfile applies them from the
 * inside out, so when two set the same field the one that came first in the stream wins. Global
 * records apply to every later entry; a per-entry header copies them, so a global size delimits a
 * body only when a per-entry header follows (Python's rule).
 */
import { BLOCK, text } from './header.js';
import { parsePax, paxNumber } from './pax.js';
import type { TarAnomaly } from './types.js';

/** Overrides gathered for the next entry. */
export interface Pending {
  name?: string;
  linkName?: string;
  size?: number;
  pax?: Record<string, string>;
  sparse: boolean;
  /** Metadata headers seen since the last entry. */
  chain: number;
}

export interface MetaState {
  globals: Record<string, string>;
  pending: Pending;
}

export const META_TYPEFLAGS: ReadonlySet<string> = new Set(['L', 'K', 'x', 'X', 'g']);

const PAX_GLOBAL_KEYS = ['path', 'linkpath', 'size'];

export function freshPending(): Pending {
  return { sparse: false, chain: 0 };
}

/** Applies one metadata header's body to `state`; returns what it found wrong. */
export function applyMetaHeader(
  flag: string,
  body: Uint8Array,
  offset: number,
  state: MetaState,
): TarAnomaly[] {
  const pending = state.pending;
  if (flag === 'L') {
    pending.name ??= text(body);
    return [];
  }
  if (flag === 'K') {
    pending.linkName ??= text(body);
    return [];
  }
  const found: TarAnomaly[] = [];
  const pax = parsePax(body);
  if (pax.malformedAt !== undefined) {
    found.push({
      code: 'PAX_RECORD_MALFORMED',
      message: 'malformed PAX record; later records ignored (Python rejects the header)',
      offset: offset + BLOCK + pax.malformedAt,
    });
  }
  for (const key of pax.duplicates) {
    found.push({
      code: 'PAX_DUPLICATE_KEY',
      message: `PAX key '${key}' repeated; the last is used`,
      offset,
      field: key,
    });
  }
  if (flag === 'g') {
    state.globals = { ...state.globals, ...pax.records };
    const overrides = PAX_GLOBAL_KEYS.filter((k) => k in pax.records);
    if (overrides.length > 0) {
      found.push({
        code: 'PAX_GLOBAL_OVERRIDE',
        message: `global PAX header sets ${overrides.join(', ')} for every later entry (readers that ignore global headers see other values)`,
        offset,
        field: overrides.join(','),
      });
    }
    return found;
  }
  const records = { ...state.globals, ...pax.records };
  pending.pax = { ...records, ...pending.pax };
  const path = records['GNU.sparse.name'] ?? records.path;
  if (path !== undefined) pending.name ??= path;
  if (records.linkpath !== undefined) pending.linkName ??= records.linkpath;
  if (records.size !== undefined) {
    const size = paxNumber(records.size);
    if (size === undefined) {
      found.push({
        code: 'PAX_VALUE_INVALID',
        message: 'PAX size is not a decimal number (Python uses 0)',
        offset,
        field: 'size',
        actual: records.size.slice(0, 64),
      });
    }
    pending.size ??= size ?? 0;
  }
  if (Object.keys(records).some((k) => k.startsWith('GNU.sparse.'))) pending.sparse = true;
  return found;
}
