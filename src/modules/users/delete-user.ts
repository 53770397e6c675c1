import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit/service';
import { userUploadsDir } from '../documents/service';
import { keepAnAdmin, loadUser, type UserChange } from './update-user';

/**
 * `DELETE /api/admin/users/:id`: the account goes with everything the schema cascades from it
 * (sessions, keys, conversations, documents, memberships, usage). The last active admin cannot be
 * deleted (409 `last_admin`); open connections on every replica close at once. Their uploaded files
 * are removed from `dataDir` once the rows are gone.
 */
export async function deleteUser(db: Db, id: string, change: Omit<UserChange, 'limits'> & { dataDir: string }): Promise<void> {
  const before = await db.transaction(async (tx) => {
    const before = await loadUser(tx, id);
    await keepAnAdmin(tx, before);
    await tx.delete(users).where(eq(users.id, id));
    return before;
  });
  await change.revocations.publish({ kind: 'user', id });
  await rm(join(change.dataDir, userUploadsDir(id)), { recursive: true, force: true });
  await recordAudit(db, {
    actor: change.actor,
    address: change.address,
    action: 'user.delete',
    target: `user:${id}`,
    details: { email: before.email, role: before.role, status: before.status },
  });
}
