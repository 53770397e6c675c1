import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { groupMembers, groups } from '../../db/schema';

/** The names of the groups a user belongs to, in name order. */
export async function groupsOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ name: groups.name })
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(eq(groupMembers.userId, userId))
    .orderBy(groups.name);
  return rows.map((r) => r.name);
}
