import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { groupMembers, groups, users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { recordAudit } from '../audit/service';
import type { Change } from '../groups/service';
import type { Limits } from '../usage/model';
import type { AdminUserView, UserPatch } from './model';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function loadUser(db: Db | Tx, id: string): Promise<AdminUserView> {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  if (!user) throw notFound('User');
  const memberOf = await db
    .select({ id: groups.id, name: groups.name })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(eq(groupMembers.userId, id))
    .orderBy(asc(groups.name));
  return {
    id: user.id,
    email: user.email,
    role: user.role,
    groups: memberOf,
    limits: (user.limits as Limits | null) ?? null,
    createdAt: user.createdAt.toISOString(),
  };
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

/** `PATCH /api/admin/users/:id`: applies each field the patch names, all or nothing, and audits what changed. */
export async function updateUser(db: Db, id: string, patch: UserPatch, change: Change): Promise<AdminUserView> {
  const { before, after } = await db.transaction(async (tx) => {
    const before = await loadUser(tx, id);
    if (patch.limits !== undefined) await tx.update(users).set({ limits: patch.limits }).where(eq(users.id, id));
    if (patch.groups !== undefined) await setGroups(tx, id, [...new Set(patch.groups)]);
    return { before, after: await loadUser(tx, id) };
  });
  change.limits.invalidate();
  const details: Record<string, unknown> = {};
  if (patch.limits !== undefined) details.limits = { from: before.limits, to: after.limits };
  if (patch.groups !== undefined) details.groups = { from: before.groups.map((g) => g.id), to: after.groups.map((g) => g.id) };
  await recordAudit(db, { actor: change.actor, address: change.address, action: 'user.update', target: `user:${id}`, details });
  return after;
}
