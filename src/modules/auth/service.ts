import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apiKeys, sessions, users } from '../../db/schema';
import { AppError, unauthorized } from '../../lib/errors';
import type { LoginThrottle } from './login-throttle';
import type { Revocations } from './revocation';
import { hashToken, randomToken } from './tokens';

export const SESSION_TTL_MS = 30 * 24 * 3600_000;

export interface UserView {
  id: string;
  email: string;
  role: 'admin' | 'user';
  /** `pending` may only see itself until an admin approves it; `disabled` is refused everywhere. */
  status: 'active' | 'disabled' | 'pending';
  createdAt: string;
}

type UserRow = typeof users.$inferSelect;

export const toUserView = (u: Pick<UserRow, 'id' | 'email' | 'role' | 'status' | 'createdAt'>): UserView => ({
  id: u.id,
  email: u.email,
  role: u.role,
  status: u.status,
  createdAt: u.createdAt.toISOString(),
});

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Creates a user; the first one becomes admin. The count and the insert share a transaction
 * holding a table lock, so two simultaneous first signups cannot both become admin. Under the
 * `approval` policy every later account starts `pending`.
 */
export async function signup(db: Db, email: string, password: string, policy: 'open' | 'approval' = 'open'): Promise<UserView> {
  const passwordHash = await Bun.password.hash(password, { algorithm: 'argon2id' });
  return db.transaction(async (tx) => {
    await tx.execute(sql`lock table users in share row exclusive mode`);
    const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(users);
    const rows = await tx
      .insert(users)
      .values({
        email: normaliseEmail(email),
        passwordHash,
        role: n === 0 ? 'admin' : 'user',
        // The first account is the server's admin, so it is active whatever the policy.
        status: n > 0 && policy === 'approval' ? 'pending' : 'active',
      })
      .onConflictDoNothing({ target: users.email })
      .returning();
    if (rows.length === 0) throw new AppError('email_taken');
    return toUserView(rows[0]);
  });
}

/** Checks a password. Unknown emails still pay for one hash so timing does not reveal accounts. */
export async function verifyLogin(db: Db, email: string, password: string): Promise<UserView> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)));
  const ok = await Bun.password.verify(password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) throw new AppError('invalid_credentials');
  return toUserView(user);
}

/**
 * A login within the throttle: the attempt is counted before the password is checked, so any number
 * of concurrent guesses gets no more checks than the throttle allows.
 */
export async function login(db: Db, throttle: LoginThrottle, email: string, password: string, address: string): Promise<UserView> {
  const attempt = await throttle.reserve(normaliseEmail(email), address);
  let user: UserView;
  try {
    user = await verifyLogin(db, email, password);
  } catch (e) {
    await (e instanceof AppError && e.code === 'invalid_credentials' ? attempt.failed() : attempt.abandoned());
    throw e;
  }
  await attempt.succeeded();
  // Only someone who knows the password learns that the account is disabled.
  if (user.status === 'disabled') throw unauthorized('This account is disabled');
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
  return user;
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= Bun.password.hash(randomToken(), { algorithm: 'argon2id' }));

/** The id a session is stored and revoked under: the cookie token itself is never kept. */
export const sessionIdOf = (token: string) => hashToken(token);

export async function createSession(db: Db, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  await db.insert(sessions).values({ id: sessionIdOf(token), userId, expiresAt });
  return { token, expiresAt };
}

export async function userForSession(db: Db, token: string): Promise<UserView> {
  const [row] = await db
    .select({ id: users.id, email: users.email, role: users.role, status: users.status, createdAt: users.createdAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionIdOf(token)), gt(sessions.expiresAt, new Date())));
  if (!row) throw unauthorized('Session expired or invalid; log in again');
  return toUserView(row);
}

/** Ends a session and tells every replica, so sockets it opened close and its turns stop. */
export async function logout(db: Db, revocations: Revocations, token: string): Promise<void> {
  const id = sessionIdOf(token);
  await db.delete(sessions).where(eq(sessions.id, id));
  await revocations.publish({ kind: 'session', id });
}

/**
 * Whether the session or API key a principal authenticated with still grants access: checked again
 * by connections that outlive their authentication, for each thing they are asked to do.
 */
export async function principalIsCurrent(
  db: Db,
  principal: { user: { id: string }; apiKeyId?: string; sessionId?: string; trustedHeader?: true },
): Promise<boolean> {
  const userId = principal.user.id;
  const [user] = await db.select({ status: users.status }).from(users).where(eq(users.id, userId));
  if (user?.status !== 'active') return false;
  if (principal.trustedHeader) return true;
  if (principal.apiKeyId) {
    const rows = await db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, principal.apiKeyId), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
    return rows.length > 0;
  }
  if (principal.sessionId) {
    const rows = await db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, principal.sessionId), eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())));
    return rows.length > 0;
  }
  return false;
}

/**
 * Changes a user's password after checking the current one; every other session of theirs ends
 * (and is told to every replica), the one making the change stays signed in.
 */
export async function changePassword(
  db: Db,
  revocations: Revocations,
  principal: { user: { id: string }; sessionId?: string },
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, principal.user.id));
  if (!user || !(await Bun.password.verify(currentPassword, user.passwordHash))) throw new AppError('invalid_credentials');
  const passwordHash = await Bun.password.hash(newPassword, { algorithm: 'argon2id' });
  const ended = await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, principal.user.id));
    const others = principal.sessionId
      ? and(eq(sessions.userId, principal.user.id), ne(sessions.id, principal.sessionId))
      : eq(sessions.userId, principal.user.id);
    return tx.delete(sessions).where(others).returning({ id: sessions.id });
  });
  for (const { id } of ended) await revocations.publish({ kind: 'session', id });
}
