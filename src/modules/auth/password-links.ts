import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { passwordLinks, sessions, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Revocations } from './revocation';
import { toUserView, type UserView } from './service';
import { hashToken, randomToken } from './tokens';

/** How long a set-password link works: long enough to reach someone by mail, short enough to go stale. */
export const PASSWORD_LINK_TTL_MS = 24 * 3600_000;

export type LinkPurpose = 'invite' | 'reset';

/**
 * A one-time link for `userId` to set a password. Any earlier unused link of theirs stops working,
 * so only the newest link an admin handed out is live. Only the token's hash is stored.
 */
export async function issuePasswordLink(
  db: Db,
  userId: string,
  purpose: LinkPurpose,
  createdBy: string | null,
  now = Date.now(),
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now + PASSWORD_LINK_TTL_MS);
  await db.transaction(async (tx) => {
    await tx.delete(passwordLinks).where(and(eq(passwordLinks.userId, userId), isNull(passwordLinks.usedAt)));
    await tx.insert(passwordLinks).values({ id: hashToken(token), userId, purpose, createdBy, expiresAt });
  });
  return { token, expiresAt };
}

/** The page a link opens; the token rides in the fragment, so it reaches no server log or Referer. */
export const passwordLinkUrl = (origin: string, token: string) => `${origin}/set-password#token=${token}`;

/**
 * Sets the password of the link's user and spends the link, in one transaction: a link works once,
 * before it expires, and never for a disabled account (400 `invalid_link` otherwise). Every session
 * the user had ends, on every replica.
 */
export async function usePasswordLink(db: Db, revocations: Revocations, token: string, password: string): Promise<UserView> {
  const passwordHash = await Bun.password.hash(password, { algorithm: 'argon2id' });
  const { user, ended } = await db.transaction(async (tx) => {
    const [link] = await tx
      .update(passwordLinks)
      .set({ usedAt: new Date() })
      .where(and(eq(passwordLinks.id, hashToken(token)), isNull(passwordLinks.usedAt), gt(passwordLinks.expiresAt, new Date())))
      .returning({ userId: passwordLinks.userId, purpose: passwordLinks.purpose });
    if (!link) throw new AppError('invalid_link');
    const [user] = await tx.update(users).set({ passwordHash }).where(eq(users.id, link.userId)).returning();
    if (!user || user.status === 'disabled') throw new AppError('invalid_link');
    const ended = await tx.delete(sessions).where(eq(sessions.userId, user.id)).returning({ id: sessions.id });
    return { user, ended };
  });
  for (const { id } of ended) await revocations.publish({ kind: 'session', id });
  return toUserView(user);
}
