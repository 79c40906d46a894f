/** The audit log for administrators: reading it is itself an audited read; verifying it is not a change. */
import type { Actor } from '../domain/actor.js';
import type { AuditEntry, ChainVerification } from '../domain/audit.js';
import { readAudit, verifyAudit } from '../store/audit.js';
import { AppError, type Context, type Origin } from './context.js';
import { recordRead } from './events.js';

export const MAX_AUDIT_PAGE = 1000;

function requireAdministrator(actor: Actor): void {
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators read the audit log');
}

/** Entries after sequence number `after` (all from the start when absent), at most `limit`. */
export async function readAuditLog(
  ctx: Context,
  origin: Origin,
  page: { readonly after?: number; readonly limit: number },
): Promise<AuditEntry[]> {
  requireAdministrator(origin.actor);
  const entries = await readAudit(ctx.db, {
    ...(page.after === undefined ? {} : { after: page.after }),
    limit: Math.min(MAX_AUDIT_PAGE, Math.max(1, page.limit)),
  });
  await recordRead(ctx, origin, 'audit.read', { kind: 'audit', id: 'log' }, { count: entries.length });
  return entries;
}

export async function verifyAuditLog(ctx: Context, actor: Actor): Promise<ChainVerification> {
  requireAdministrator(actor);
  return verifyAudit(ctx.db);
}
