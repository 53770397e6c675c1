import { and, asc, count, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, folders } from '../../db/schema';
import { notFound } from '../../lib/errors';

type FolderRow = typeof folders.$inferSelect;

const toView = (f: FolderRow, n: number) => ({ id: f.id, name: f.name, conversations: n, createdAt: f.createdAt.toISOString() });

export async function listFolders(db: Db, userId: string) {
  const rows = await db
    .select({ folder: folders, n: count(conversations.id) })
    .from(folders)
    .leftJoin(conversations, eq(conversations.folderId, folders.id))
    .where(eq(folders.userId, userId))
    .groupBy(folders.id)
    .orderBy(asc(folders.name), asc(folders.id));
  return { items: rows.map((r) => toView(r.folder, r.n)) };
}

export async function createFolder(db: Db, userId: string, name: string) {
  const [row] = await db
    .insert(folders)
    .values({ userId, name: name.trim() || name })
    .returning();
  return toView(row, 0);
}

export async function renameFolder(db: Db, userId: string, id: string, name: string) {
  const [row] = await db
    .update(folders)
    .set({ name: name.trim() || name })
    .where(and(eq(folders.id, id), eq(folders.userId, userId)))
    .returning();
  if (!row) throw notFound('Folder');
  const [{ n }] = await db.select({ n: count() }).from(conversations).where(eq(conversations.folderId, id));
  return toView(row, n);
}

/** Deletes a folder; its conversations stay, outside any folder. */
export async function deleteFolder(db: Db, userId: string, id: string): Promise<void> {
  const rows = await db
    .delete(folders)
    .where(and(eq(folders.id, id), eq(folders.userId, userId)))
    .returning({ id: folders.id });
  if (rows.length === 0) throw notFound('Folder');
}
