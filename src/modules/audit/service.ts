import type { Static } from '@sinclair/typebox';
import { and, desc, eq, gte, like, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { auditLog } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { AuditEntry, AuditQuery } from './model';

export interface Actor {
  id: string;
  email: string;
}

export interface AuditRecord {
  /** Absent for actions nobody signed in did (a failed sign-in names the email in `details`). */
  actor?: Actor;
  action: string;
  target?: string;
  address?: string;
  /** What changed. Callers pass field names and non-secret values only. */
  details?: Record<string, unknown>;
}

type AuditRow = typeof auditLog.$inferSelect;

export async function recordAudit(db: Db, entry: AuditRecord): Promise<void> {
  await db.insert(auditLog).values({
    actorId: entry.actor?.id ?? null,
    actorEmail: entry.actor?.email ?? null,
    action: entry.action,
    target: entry.target ?? null,
    address: entry.address ?? null,
    details: entry.details ?? null,
  });
}

const toEntry = (r: AuditRow): Static<typeof AuditEntry> => ({
  id: r.id,
  at: r.at.toISOString(),
  actorId: r.actorId,
  actorEmail: r.actorEmail,
  action: r.action,
  target: r.target,
  address: r.address,
  details: r.details ?? null,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const encodeCursor = (r: AuditRow): string => Buffer.from(String(r.seq)).toString('base64url');

/** A cursor is the sequence number of the last entry a page showed. */
function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = Number(text);
  if (!/^[1-9][0-9]{0,15}$/.test(text) || !Number.isSafeInteger(seq)) throw new AppError('invalid_cursor');
  return seq;
}

/** Newest first, filtered by time, actor (id or email) and action (exact, or a prefix ending in `.`). */
export async function listAudit(db: Db, q: Static<typeof AuditQuery>) {
  const limit = q.limit ?? 100;
  const where: SQL[] = [];
  if (q.from) where.push(gte(auditLog.at, new Date(q.from)));
  if (q.to) where.push(lte(auditLog.at, new Date(q.to)));
  if (q.actor) where.push(UUID.test(q.actor) ? eq(auditLog.actorId, q.actor) : eq(auditLog.actorEmail, q.actor.trim().toLowerCase()));
  if (q.action)
    where.push(
      q.action.endsWith('.') ? like(auditLog.action, `${q.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : eq(auditLog.action, q.action),
    );
  if (q.cursor) where.push(lt(auditLog.seq, decodeCursor(q.cursor)));
  const rows = await db
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { entries: page.map(toEntry), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}
