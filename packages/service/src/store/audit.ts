/** The audit chain in the database: appended inside the transaction of the change it records. */
import type { Kysely, Transaction } from 'kysely';
import {
  type AuditEntry,
  type AuditEvent,
  appendEntry,
  type ChainVerification,
  verifyChain,
} from '../domain/audit.js';
import type { JsonValue } from '../domain/result.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database> | Transaction<Database>;

/**
 * Appends one entry. The no-op update takes the write lock on the tip row first (a row lock in
 * PostgreSQL, the database write lock in SQLite), so concurrent writers queue and the chain never forks.
 */
export async function appendAudit(tx: Transaction<Database>, event: AuditEvent): Promise<AuditEntry> {
  await tx
    .updateTable('audit_tip')
    .set((eb) => ({ seq: eb.ref('seq') }))
    .where('id', '=', 1)
    .execute();
  const tip = await tx.selectFrom('audit_tip').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const previous =
    tip.seq < 0 ? undefined : ({ seq: tip.seq, hash: tip.hash, prevHash: '', event } as AuditEntry);
  const entry = appendEntry(previous, event);
  await tx
    .insertInto('audit_log')
    .values({
      seq: entry.seq,
      prev_hash: entry.prevHash,
      hash: entry.hash,
      event: JSON.stringify(entry.event),
    })
    .execute();
  await tx.updateTable('audit_tip').set({ seq: entry.seq, hash: entry.hash }).where('id', '=', 1).execute();
  return entry;
}

export async function readAudit(
  db: Db,
  options: { after?: number; limit?: number } = {},
): Promise<AuditEntry[]> {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq');
  if (options.after !== undefined) q = q.where('seq', '>', options.after);
  if (options.limit !== undefined) q = q.limit(options.limit);
  const rows = await q.execute();
  return rows.map(toEntry);
}

/** Verifies the whole chain against the tip row, which also catches a removed tail. */
export async function verifyAudit(db: Db): Promise<ChainVerification> {
  const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  const tip = await db.selectFrom('audit_tip').selectAll().where('id', '=', 1).executeTakeFirst();
  const entries: AuditEntry[] = [];
  for (let i = 0; i < rows.length; i++) {
    try {
      entries.push(toEntry(rows[i]!));
    } catch {
      return { ok: false, index: i, reason: 'ALTERED' };
    }
  }
  const anchor = tip === undefined || tip.seq < 0 ? undefined : { seq: tip.seq, hash: tip.hash };
  const result = verifyChain(entries, anchor);
  if (result.ok && anchor !== undefined && entries.length !== anchor.seq + 1) {
    return { ok: false, index: anchor.seq + 1, reason: 'OUT_OF_SEQUENCE' };
  }
  return result;
}

function toEntry(row: Database['audit_log']): AuditEntry {
  return {
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    event: JSON.parse(row.event) as AuditEvent & JsonValue,
  };
}
