import { asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { groupMembers, groups, users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { type Actor, recordAudit } from '../audit/service';
import type { LimitsResolver } from '../usage/effective-limits';
import type { Limits } from '../usage/model';
import type { CreateGroup, GroupView, PatchGroup } from './model';

/** Who changes something, for the audit log. */
export interface Change {
  actor: Actor;
  address?: string;
  /** Effective limits read before the change are forgotten after it. */
  limits: LimitsResolver;
}

type GroupRow = typeof groups.$inferSelect;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const toView = (g: GroupRow, members: string[]): GroupView => ({
  id: g.id,
  name: g.name,
  members,
  limits: (g.limits as Limits | null) ?? null,
  createdAt: g.createdAt.toISOString(),
});

async function membersOf(db: Db | Tx, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await db.select().from(groupMembers).where(inArray(groupMembers.groupId, ids)).orderBy(asc(groupMembers.userId));
  for (const r of rows) out.get(r.groupId)?.push(r.userId);
  return out;
}

export async function listGroups(db: Db): Promise<GroupView[]> {
  const rows = await db.select().from(groups).orderBy(asc(groups.name));
  const members = await membersOf(
    db,
    rows.map((g) => g.id),
  );
  return rows.map((g) => toView(g, members.get(g.id) ?? []));
}

async function loadGroup(db: Db | Tx, id: string): Promise<GroupView> {
  const [row] = await db.select().from(groups).where(eq(groups.id, id));
  if (!row) throw notFound('Group');
  return toView(row, (await membersOf(db, [id])).get(id) ?? []);
}

export const getGroup = (db: Db, id: string) => loadGroup(db, id);

/** Every id must name a user: a group of unknown members is refused whole. */
async function checkMembers(tx: Tx, members: string[]): Promise<void> {
  if (members.length === 0) return;
  const found = await tx.select({ id: users.id }).from(users).where(inArray(users.id, members));
  const known = new Set(found.map((u) => u.id));
  const missing = members.filter((m) => !known.has(m));
  if (missing.length) throw new AppError('unknown_user', { details: { missing } });
}

async function setMembers(tx: Tx, groupId: string, members: string[]): Promise<void> {
  await tx.delete(groupMembers).where(eq(groupMembers.groupId, groupId));
  if (members.length) await tx.insert(groupMembers).values(members.map((userId) => ({ groupId, userId })));
}

const unique = (ids: string[] | undefined) => [...new Set(ids ?? [])].sort();

/** Runs `work` in a transaction; a name another group has answers 409 `group_name_taken`. */
async function named<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(work);
  } catch (err) {
    throw isUniqueViolation(err) ? new AppError('group_name_taken') : err;
  }
}

export async function createGroup(db: Db, body: CreateGroup, change: Change): Promise<GroupView> {
  const members = unique(body.members);
  const group = await named(db, async (tx) => {
    await checkMembers(tx, members);
    const [row] = await tx
      .insert(groups)
      .values({ name: body.name, limits: body.limits ?? null })
      .returning();
    await setMembers(tx, row.id, members);
    return toView(row, members);
  });
  change.limits.invalidate();
  await recordAudit(db, {
    actor: change.actor,
    address: change.address,
    action: 'group.create',
    target: `group:${group.id}`,
    details: { name: group.name, members: group.members, limits: group.limits },
  });
  return group;
}

export async function updateGroup(db: Db, id: string, patch: PatchGroup, change: Change): Promise<GroupView> {
  const { before, after } = await named(db, async (tx) => {
    const before = await loadGroup(tx, id);
    const set: Partial<typeof groups.$inferInsert> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.limits !== undefined) set.limits = patch.limits;
    if (Object.keys(set).length) await tx.update(groups).set(set).where(eq(groups.id, id));
    if (patch.members !== undefined) {
      const members = unique(patch.members);
      await checkMembers(tx, members);
      await setMembers(tx, id, members);
    }
    return { before, after: await loadGroup(tx, id) };
  });
  change.limits.invalidate();
  const details: Record<string, unknown> = {};
  if (patch.name !== undefined && before.name !== after.name) details.name = { from: before.name, to: after.name };
  if (patch.limits !== undefined) details.limits = { from: before.limits, to: after.limits };
  if (patch.members !== undefined) {
    details.members = {
      added: after.members.filter((m) => !before.members.includes(m)),
      removed: before.members.filter((m) => !after.members.includes(m)),
    };
  }
  await recordAudit(db, { actor: change.actor, address: change.address, action: 'group.update', target: `group:${id}`, details });
  return after;
}

export async function deleteGroup(db: Db, id: string, change: Change): Promise<GroupView> {
  const group = await loadGroup(db, id);
  const deleted = await db.delete(groups).where(eq(groups.id, id)).returning({ id: groups.id });
  if (deleted.length === 0) throw notFound('Group');
  change.limits.invalidate();
  await recordAudit(db, {
    actor: change.actor,
    address: change.address,
    action: 'group.delete',
    target: `group:${id}`,
    details: { name: group.name, members: group.members },
  });
  return group;
}
