import { and, asc, eq, gt, ilike, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { AdminUserView, UserListQuery } from './model';
import { adminViews } from './update-user';

// Users are listed by email, which is unique, so the last email shown is the whole cursor.
const encodeCursor = (email: string): string => Buffer.from(JSON.stringify({ after: email })).toString('base64url');

/** The email a cursor continues after; anything this server did not hand out is 400 `invalid_cursor`. */
function decodeCursor(cursor: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new AppError('invalid_cursor');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new AppError('invalid_cursor');
  }
  const after = (value as { after?: unknown } | null)?.after;
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.keys(value).length !== 1 ||
    typeof after !== 'string' ||
    after.length === 0 ||
    encodeCursor(after) !== cursor
  )
    throw new AppError('invalid_cursor');
  return after;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `GET /api/admin/users`: by email, filtered by part of the email, status and role, a page at a time. */
export async function listUsers(db: Db, q: UserListQuery): Promise<{ users: AdminUserView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const where: SQL[] = [];
  if (q.cursor) where.push(gt(users.email, decodeCursor(q.cursor)));
  const search = q.q?.trim().toLowerCase();
  if (search) where.push(ilike(users.email, `%${escapeLike(search)}%`));
  if (q.status) where.push(eq(users.status, q.status));
  if (q.role) where.push(eq(users.role, q.role));
  const rows = await db
    .select()
    .from(users)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(users.email))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { users: await adminViews(db, page), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].email) : null };
}
