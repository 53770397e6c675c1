import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import { issuePasswordLink, type LinkPurpose, passwordLinkUrl } from '../auth/password-links';
import { randomToken } from '../auth/tokens';
import type { Change } from '../groups/service';
import type { AdminUserView, NewUser } from './model';
import { loadUser } from './update-user';

interface LinkOptions extends Pick<Change, 'actor' | 'address'> {
  /** Where the link points: PUBLIC_URL, or the address the admin reached the server at. */
  origin: string;
}

/**
 * `POST /api/admin/users`: an active account an admin made. With a password it can log in at once;
 * without one its password is a random secret nobody knows, and the answer carries a one-time link
 * for the user to choose theirs.
 */
export async function createUser(
  db: Db,
  body: NewUser,
  opts: LinkOptions,
): Promise<{ user: AdminUserView; passwordLink: { url: string; expiresAt: string } | null }> {
  const passwordHash = await Bun.password.hash(body.password ?? randomToken(), { algorithm: 'argon2id' });
  const [row] = await db
    .insert(users)
    .values({ email: body.email.trim().toLowerCase(), passwordHash, role: body.role ?? 'user', status: 'active' })
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  if (!row) throw new AppError('email_taken');
  const user = await loadUser(db, row.id);
  await recordAudit(db, {
    actor: opts.actor,
    address: opts.address,
    action: 'user.create',
    target: `user:${user.id}`,
    details: { email: user.email, role: user.role, passwordSet: body.password !== undefined },
  });
  const passwordLink = body.password === undefined ? await linkFor(db, user.id, 'invite', opts) : null;
  return { user, passwordLink };
}

/** `POST /api/admin/users/:id/password-link`: a one-time reset link; earlier unused links stop working. */
export async function resetLink(db: Db, id: string, opts: LinkOptions): Promise<{ url: string; expiresAt: string }> {
  const [user] = await db.select({ id: users.id, status: users.status }).from(users).where(eq(users.id, id));
  if (!user) throw notFound('User');
  return linkFor(db, id, 'reset', opts);
}

async function linkFor(db: Db, userId: string, purpose: LinkPurpose, opts: LinkOptions) {
  const { token, expiresAt } = await issuePasswordLink(db, userId, purpose, opts.actor.id);
  await recordAudit(db, {
    actor: opts.actor,
    address: opts.address,
    action: 'user.password_link',
    target: `user:${userId}`,
    details: { purpose, expiresAt: expiresAt.toISOString() },
  });
  return { url: passwordLinkUrl(opts.origin, token), expiresAt: expiresAt.toISOString() };
}
