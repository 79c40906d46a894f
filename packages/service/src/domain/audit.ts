import { createHash } from 'node:crypto';
import type { DomainEvent } from './actor.js';
import type { JsonValue } from './result.js';

/** A domain event plus where it came from (request address, `cli`, `worker:…`), added by the host. */
export interface AuditEvent extends DomainEvent {
  readonly where: string;
}

export interface AuditEntry {
  /** Position in the chain, from 0. */
  readonly seq: number;
  /** Hash of the previous entry; GENESIS_HASH for the first. */
  readonly prevHash: string;
  readonly event: AuditEvent;
  /** SHA-256 (hex) of canonicalJson({ seq, prevHash, event }). */
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export type ChainFailureReason = 'OUT_OF_SEQUENCE' | 'BROKEN_LINK' | 'ALTERED' | 'TRUNCATED';

export type ChainVerification =
  | { readonly ok: true; readonly count: number; readonly tipHash: string }
  | { readonly ok: false; readonly index: number; readonly reason: ChainFailureReason };

/**
 * JSON with object keys sorted (by UTF-16 code units) at every depth and no whitespace, so the
 * same data always hashes the same. Non-finite numbers and non-JSON values are bugs: they throw.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v: JsonValue) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as { readonly [key: string]: JsonValue };
    const keys = Object.keys(obj).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const v = obj[key];
      if (v === undefined) throw new TypeError(`canonicalJson: undefined at key ${key}`);
      parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
}

export function entryHash(seq: number, prevHash: string, event: AuditEvent): string {
  const body = canonicalJson({ seq, prevHash, event: event as unknown as JsonValue });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The entry that follows `tip` (or starts the chain when `tip` is undefined). */
export function appendEntry(tip: AuditEntry | undefined, event: AuditEvent): AuditEntry {
  const seq = tip === undefined ? 0 : tip.seq + 1;
  const prevHash = tip === undefined ? GENESIS_HASH : tip.hash;
  return Object.freeze({ seq, prevHash, event, hash: entryHash(seq, prevHash, event) });
}

/**
 * Checks every entry in order and names the first that is out of place or altered. A removed
 * tail cannot be seen from the entries alone: pass the last known tip (kept elsewhere, e.g.
 * published or in a separate store) as `anchor` to catch it.
 */
export function verifyChain(
  entries: readonly AuditEntry[],
  anchor?: { readonly seq: number; readonly hash: string },
): ChainVerification {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as AuditEntry;
    if (entry.seq !== i) return { ok: false, index: i, reason: 'OUT_OF_SEQUENCE' };
    if (entry.prevHash !== prev) return { ok: false, index: i, reason: 'BROKEN_LINK' };
    let recomputed: string;
    try {
      recomputed = entryHash(entry.seq, entry.prevHash, entry.event);
    } catch {
      return { ok: false, index: i, reason: 'ALTERED' };
    }
    if (recomputed !== entry.hash) return { ok: false, index: i, reason: 'ALTERED' };
    prev = entry.hash;
  }
  if (anchor !== undefined) {
    const at = entries[anchor.seq];
    if (at === undefined) return { ok: false, index: entries.length, reason: 'TRUNCATED' };
    if (at.hash !== anchor.hash) return { ok: false, index: anchor.seq, reason: 'ALTERED' };
  }
  return { ok: true, count: entries.length, tipHash: prev };
}
