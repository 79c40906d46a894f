/**
 * Single sign-on with an OpenID Connect provider. Accounts are still provisioned by administrators
 * (roles are program decisions): the first sign-in binds the provider's subject to the account
 * whose e-mail address the provider verified; later sign-ins match the subject only.
 */
import { AppError, type Context } from './context.js';
import { openSession, toUser, type User } from './identity.js';

export interface SsoClaims {
  readonly issuer: string;
  readonly subject: string;
  readonly email?: string;
  readonly emailVerified: boolean;
}

/** Opens a session for the account behind verified OIDC claims, or refuses (UNAUTHENTICATED). */
export async function ssoLogin(
  ctx: Context,
  claims: SsoClaims,
  where: string,
): Promise<{ token: string; user: User; expiresAt: string }> {
  const subject = `${claims.issuer}#${claims.subject}`;
  const now = ctx.clock.now();
  const refused = new AppError(
    'UNAUTHENTICATED',
    'no account of this program is linked to this sign-in; ask an administrator',
  );
  return ctx.db.transaction().execute(async (tx) => {
    let row = await tx.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
    let linked = false;
    if (row === undefined) {
      if (!claims.emailVerified || claims.email === undefined) throw refused;
      row = await tx
        .selectFrom('users')
        .selectAll()
        .where('email', '=', claims.email.trim().toLowerCase())
        .executeTakeFirst();
      if (row === undefined || row.oidc_subject !== null) throw refused;
      await tx.updateTable('users').set({ oidc_subject: subject }).where('id', '=', row.id).execute();
      linked = true;
    }
    if (row.disabled === 1) throw refused;
    return openSession(tx, toUser(row), now, where, { via: 'oidc', linked });
  });
}
