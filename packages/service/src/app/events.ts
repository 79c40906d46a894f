/** Turns domain events into audit entries inside the transaction that made the change. */
import type { Transaction } from 'kysely';
import { actorId, type DomainEvent, type ObjectRef } from '../domain/actor.js';
import type { JsonValue } from '../domain/result.js';
import { appendAudit } from '../store/audit.js';
import type { Database } from '../store/schema.js';
import { type Context, nowIso, type Origin } from './context.js';

export async function recordDomainEvent(
  tx: Transaction<Database>,
  event: DomainEvent,
  where: string,
): Promise<void> {
  await appendAudit(tx, { ...event, where });
}

export async function recordEvent(
  tx: Transaction<Database>,
  origin: Origin,
  when: string,
  what: string,
  object: ObjectRef,
  detail: { readonly [key: string]: JsonValue } = {},
): Promise<void> {
  await appendAudit(tx, {
    who: actorId(origin.actor),
    role: origin.actor.role,
    what,
    when,
    object,
    detail,
    where: origin.where,
  });
}

/**
 * Records a read of confidential material (or another change-free event) in its own transaction,
 * before the material is handed out: no entry, no read.
 */
export async function recordRead(
  ctx: Context,
  origin: Origin,
  what: string,
  object: ObjectRef,
  detail: { readonly [key: string]: JsonValue } = {},
): Promise<void> {
  await ctx.db
    .transaction()
    .execute((tx) => recordEvent(tx, origin, nowIso(ctx.clock), what, object, detail));
}
