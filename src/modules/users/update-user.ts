import { and, asc, eq, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apiKeys, groupMembers, groups, sessions, usageDaily, users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import type { Revocations } from '../auth/revocation';
import type { Change } from '../groups/service';
import type { Limits } from '../usage/model';
import type { AdminUserView, UserPatch } from './model';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type UserRow = typeof users.$inferSelect;

export interface UserChange extends Change {
  /** Told when a user's access changes, so every replica closes their sockets and forgets cached keys. */
  revocations: Revocations;
}

async function groupsOf(db: Db | Tx, userIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
  const byUser = new Map<string, { id: string; name: string }[]>(userIds.map((id) => [id, []]));
  if (!userIds.length) return byUser;
  const rows = await db
    .select({ userId: groupMembers.userId, id: groups.id, name: groups.name })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(inArray(groupMembers.userId, userIds))
    .orderBy(asc(groups.name));
  for (const r of rows) byUser.get(r.userId)?.push({ id: r.id, name: r.name });
  return byUser;
}

type MonthUsage = AdminUserView['usageThisMonth'];
const NO_USAGE: MonthUsage = { requests: 0, tokens: 0, costUsd: 0 };

/** The first day of the current UTC month, as usage_daily keys its rows. */
export const monthStart = (now = new Date()) => `${now.toISOString().slice(0, 7)}-01`;

/** Each user's requests, tokens and cost since the first of this UTC month, from the daily sums. */
async function usageOf(db: Db | Tx, userIds: string[]): Promise<Map<string, MonthUsage>> {
  const byUser = new Map<string, MonthUsage>();
  if (!userIds.length) return byUser;
  const rows = await db
    .select({
      userId: usageDaily.userId,
      requests: sql<number>`sum(${usageDaily.requests})::int`,
      tokens: sql<number>`sum(${usageDaily.promptTokens} + ${usageDaily.completionTokens})::float8`,
      costUsd: sql<number>`sum(${usageDaily.costUsd})::float8`,
    })
    .from(usageDaily)
    .where(and(inArray(usageDaily.userId, userIds), gte(usageDaily.day, monthStart())))
    .groupBy(usageDaily.userId);
  for (const r of rows) byUser.set(r.userId, { requests: r.requests, tokens: r.tokens, costUsd: r.costUsd });
  return byUser;
}

export function toAdminView(user: UserRow, memberOf: { id: string; name: string }[], usage: MonthUsage = NO_USAGE): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    status: user.status,
    groups: memberOf,
    limits: (user.limits as Limits | null) ?? null,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    usageThisMonth: usage,
  };
}

/** Admin views of the given rows, with their groups and this month's usage, in the rows' order. */
export async function adminViews(db: Db | Tx, rows: UserRow[]): Promise<AdminUserView[]> {
  const ids = rows.map((r) => r.id);
  const [memberships, usage] = await Promise.all([groupsOf(db, ids), usageOf(db, ids)]);
  return rows.map((r) => toAdminView(r, memberships.get(r.id) ?? [], usage.get(r.id)));
}

export async function loadUser(db: Db | Tx, id: string): Promise<AdminUserView> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  if (!user) throw notFound('User');
  return (await adminViews(db, [user]))[0];
}

async function setGroups(tx: Tx, userId: string, ids: string[]): Promise<void> {
  if (ids.length) {
    const found = new Set((await tx.select({ id: groups.id }).from(groups).where(inArray(groups.id, ids))).map((g) => g.id));
    const missing = ids.filter((g) => !found.has(g));
    if (missing.length) throw new AppError('unknown_group', { details: { missing } });
  }
  await tx.delete(groupMembers).where(eq(groupMembers.userId, userId));
  if (ids.length) await tx.insert(groupMembers).values(ids.map((groupId) => ({ groupId, userId })));
}

/**
 * Refuses (409 `last_admin`) a change that would leave no active admin. The table lock makes two
 * admins demoting each other at once see each other's change, so one of them is refused.
 */
export async function keepAnAdmin(tx: Tx, user: Pick<AdminUserView, 'id' | 'role' | 'status'>): Promise<void> {
  if (user.role !== 'admin' || user.status !== 'active') return;
  await tx.execute(sql`lock table users in share row exclusive mode`);
  const [{ n }] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, 'admin'), eq(users.status, 'active'), ne(users.id, user.id)));
  if (n === 0) throw new AppError('last_admin');
}

/** Ends every way a user is signed in: their sessions go and their API keys are revoked. */
export async function endAccess(tx: Tx, userId: string): Promise<void> {
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
}

/** `PATCH /api/admin/users/:id`: applies each field the patch names, all or nothing, and audits what changed. */
export async function updateUser(db: Db, id: string, patch: UserPatch, change: UserChange): Promise<AdminUserView> {
  const { before, after } = await db.transaction(async (tx) => {
    const before = await loadUser(tx, id);
    const demoted = patch.role !== undefined && patch.role !== 'admin';
    const deactivated = patch.status !== undefined && patch.status !== 'active';
    if (demoted || deactivated) await keepAnAdmin(tx, before);
    if (patch.limits !== undefined) await tx.update(users).set({ limits: patch.limits }).where(eq(users.id, id));
    if (patch.role !== undefined) await tx.update(users).set({ role: patch.role }).where(eq(users.id, id));
    if (patch.status !== undefined) await tx.update(users).set({ status: patch.status }).where(eq(users.id, id));
    if (patch.status === 'disabled' && before.status !== 'disabled') await endAccess(tx, id);
    if (patch.groups !== undefined) await setGroups(tx, id, [...new Set(patch.groups)]);
    return { before, after: await loadUser(tx, id) };
  });
  change.limits.invalidate();
  // Cached keys and open sockets carry the role and status they were opened with: let them go.
  if (before.status !== after.status || before.role !== after.role) await change.revocations.publish({ kind: 'user', id });
  const details: Record<string, unknown> = {};
  if (patch.limits !== undefined) details.limits = { from: before.limits, to: after.limits };
  if (patch.groups !== undefined) details.groups = { from: before.groups.map((g) => g.id), to: after.groups.map((g) => g.id) };
  if (patch.role !== undefined) details.role = { from: before.role, to: after.role };
  if (patch.status !== undefined) details.status = { from: before.status, to: after.status };
  await recordAudit(db, { actor: change.actor, address: change.address, action: 'user.update', target: `user:${id}`, details });
  return after;
}
