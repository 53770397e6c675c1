import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apiKeys, groupMembers, groups, sessions, userIdentities, users } from '../../db/schema';
import { AppError, unauthorized } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import type { Revocations } from './revocation';
import { toUserView, type UserView } from './service';
import { randomToken } from './tokens';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** An identity someone else vouched for: an OpenID provider (with its subject) or a trusted proxy. */
export interface ExternalIdentity {
  /** The OpenID provider's issuer and subject; absent for a proxy's header, which names only an email. */
  account?: { issuer: string; subject: string };
  email?: string;
  /** A proxy's header counts as verified: the proxy authenticated the person. */
  emailVerified: boolean;
  /** Undefined when the source says nothing about groups; then memberships and role stay as they are. */
  groups?: string[];
}

export interface SsoPolicy {
  /** How `auth.*` audit entries name the source: `oidc` or `trusted_header`. */
  source: 'oidc' | 'trusted_header';
  adminGroups: string[];
  allowedGroups: string[];
  autoProvision: boolean;
  signup: 'open' | 'approval' | 'closed';
}

export interface SsoDeps {
  db: Db;
  revocations: Revocations;
  /** Told when group memberships change, since they feed each user's limits. */
  invalidateLimits(): void;
  address: string;
}

const normaliseEmail = (email: string) => email.trim().toLowerCase();
const intersects = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

/**
 * The Confab user an external identity signs in as: the account linked to it, else the local account
 * with its email when the email is verified (then linked), else a new account under the sign-up
 * policy. Each time, the allowed groups are enforced (a refused user's sessions end) and the role and
 * group memberships follow the source's groups. Everything that changes is audited.
 */
export async function signInExternal(deps: SsoDeps, identity: ExternalIdentity, policy: SsoPolicy): Promise<UserView> {
  const { db } = deps;
  const email = identity.email ? normaliseEmail(identity.email) : undefined;
  const linked = identity.account ? await linkedUser(db, identity.account) : undefined;
  const existing = linked ?? (email ? await userByEmail(db, email) : undefined);

  if (policy.allowedGroups.length && !intersects(identity.groups ?? [], policy.allowedGroups)) {
    if (existing) await endAccess(deps, existing.id);
    await audit(deps, existing, `auth.${policy.source}_refused`, { reason: 'not_in_allowed_groups', email, groups: identity.groups ?? [] });
    throw new AppError('sso_group_forbidden');
  }
  let user = existing;
  if (!user) {
    if (!email) throw new AppError('sso_email_missing');
    user = await provision(deps, identity, email, policy);
  } else if (!linked && identity.account) {
    if (!identity.emailVerified) {
      await audit(deps, undefined, `auth.${policy.source}_refused`, { reason: 'email_unverified', email });
      throw new AppError('sso_email_unverified');
    }
    await db
      .insert(userIdentities)
      .values({ ...identity.account, userId: user.id })
      .onConflictDoNothing();
    await audit(deps, user, `auth.${policy.source}_link`, { issuer: identity.account.issuer });
  }
  if (user.status === 'disabled') throw unauthorized('This account is disabled');
  if (identity.groups) user = await applyGroups(deps, user, identity.groups, policy);
  await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, user.id));
  return toUserView(user);
}

type UserRow = typeof users.$inferSelect;

async function linkedUser(db: Db, account: { issuer: string; subject: string }): Promise<UserRow | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.issuer, account.issuer), eq(userIdentities.subject, account.subject)));
  return row?.user;
}

async function userByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.email, email));
  return row;
}

/**
 * A new account, as sign-up makes one (the first is an active admin; under `approval` later ones are
 * pending), with a password nobody knows: it signs in only through its provider or proxy.
 */
async function provision(deps: SsoDeps, identity: ExternalIdentity, email: string, policy: SsoPolicy): Promise<UserRow> {
  if (!policy.autoProvision) {
    await audit(deps, undefined, `auth.${policy.source}_refused`, { reason: 'no_account', email });
    throw new AppError('sso_account_unknown');
  }
  if (policy.signup === 'closed') {
    await audit(deps, undefined, `auth.${policy.source}_refused`, { reason: 'signup_closed', email });
    throw new AppError('signup_closed');
  }
  const passwordHash = await Bun.password.hash(randomToken(), { algorithm: 'argon2id' });
  const user = await deps.db.transaction(async (tx) => {
    await tx.execute(sql`lock table users in share row exclusive mode`);
    const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(users);
    const [row] = await tx
      .insert(users)
      .values({
        email,
        passwordHash,
        role: n === 0 ? 'admin' : 'user',
        status: n > 0 && policy.signup === 'approval' ? 'pending' : 'active',
      })
      .onConflictDoNothing({ target: users.email })
      .returning();
    // Someone signed up with this email in the meantime: linking it needs the checks above again.
    if (!row) throw new AppError('conflict');
    if (identity.account) await tx.insert(userIdentities).values({ ...identity.account, userId: row.id });
    return row;
  });
  await audit(deps, user, `auth.${policy.source}_provision`, { role: user.role, status: user.status });
  return user;
}

/**
 * Makes the role and memberships what the source's groups say: admin exactly when in an admin group
 * (when admin groups are configured; the last active admin is kept), member of exactly the Confab
 * groups named like one of the source's.
 */
async function applyGroups(deps: SsoDeps, user: UserRow, sourceGroups: string[], policy: SsoPolicy): Promise<UserRow> {
  const result = await deps.db.transaction(async (tx) => {
    const details: Record<string, unknown> = {};
    let role = user.role;
    if (policy.adminGroups.length) {
      const wanted = intersects(sourceGroups, policy.adminGroups) ? 'admin' : 'user';
      if (wanted !== role && (wanted === 'admin' || (await anotherActiveAdmin(tx, user.id)))) {
        await tx.update(users).set({ role: wanted }).where(eq(users.id, user.id));
        details.role = { from: role, to: wanted };
        role = wanted;
      } else if (wanted !== role) details.roleKept = 'last_admin';
    }
    const target = sourceGroups.length
      ? await tx.select({ id: groups.id, name: groups.name }).from(groups).where(inArray(groups.name, sourceGroups))
      : [];
    const current = await tx
      .select({ id: groups.id, name: groups.name })
      .from(groupMembers)
      .innerJoin(groups, eq(groups.id, groupMembers.groupId))
      .where(eq(groupMembers.userId, user.id));
    const targetIds = new Set(target.map((g) => g.id));
    const currentIds = new Set(current.map((g) => g.id));
    const added = target.filter((g) => !currentIds.has(g.id));
    const removed = current.filter((g) => !targetIds.has(g.id));
    if (removed.length) {
      await tx.delete(groupMembers).where(
        and(
          eq(groupMembers.userId, user.id),
          inArray(
            groupMembers.groupId,
            removed.map((g) => g.id),
          ),
        ),
      );
    }
    if (added.length) await tx.insert(groupMembers).values(added.map((g) => ({ groupId: g.id, userId: user.id })));
    if (added.length || removed.length) details.groups = { added: added.map((g) => g.name), removed: removed.map((g) => g.name) };
    return { row: { ...user, role }, details };
  });
  const { details } = result;
  if (details.groups) deps.invalidateLimits();
  if (details.role) await deps.revocations.publish({ kind: 'user', id: user.id });
  if (Object.keys(details).length) await audit(deps, result.row, `auth.${policy.source}_groups`, details);
  return result.row;
}

async function anotherActiveAdmin(tx: Tx, userId: string): Promise<boolean> {
  await tx.execute(sql`lock table users in share row exclusive mode`);
  const [{ n }] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.status, 'active'), ne(users.id, userId)));
  return n > 0;
}

/**
 * A user refused by the allowed groups is signed out everywhere, on every replica, and their API
 * keys stop working too: leaving the group is how an organisation takes access away.
 */
async function endAccess(deps: SsoDeps, userId: string): Promise<void> {
  await deps.db.delete(sessions).where(eq(sessions.userId, userId));
  await deps.db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
  await deps.revocations.publish({ kind: 'user', id: userId });
}

function audit(deps: SsoDeps, user: Pick<UserRow, 'id' | 'email'> | undefined, action: string, details: Record<string, unknown>) {
  return recordAudit(deps.db, {
    actor: user ? { id: user.id, email: user.email } : undefined,
    address: deps.address,
    action,
    target: user ? `user:${user.id}` : undefined,
    details,
  });
}
