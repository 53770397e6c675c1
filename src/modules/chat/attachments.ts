import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { documents } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Attachment } from './model';
import type { MessageRow } from './persist';

/**
 * The user's documents a message attaches, in the order named. Refused before anything is stored:
 * an id that is not one of theirs (404 `unknown_attachment`), a file still being read (409
 * `attachment_not_ready`: send it once it is `ready`), a file that could not be read (400).
 */
export async function loadAttachments(db: Db, userId: string, ids: readonly string[] | undefined): Promise<Attachment[]> {
  if (!ids?.length) return [];
  const rows = await db
    .select({
      documentId: documents.id,
      name: documents.name,
      mimeType: documents.mimeType,
      sizeBytes: documents.sizeBytes,
      status: documents.status,
    })
    .from(documents)
    .where(and(eq(documents.userId, userId), inArray(documents.id, [...ids])));
  const byId = new Map(rows.map((r) => [r.documentId, r]));
  const missing = ids.filter((id) => !byId.has(id));
  if (missing.length) throw new AppError('unknown_attachment', { details: { missing } });
  const pending = rows.filter((r) => r.status === 'queued' || r.status === 'processing');
  if (pending.length)
    throw new AppError('attachment_not_ready', {
      message: `Still being read: ${pending.map((r) => r.name).join(', ')}. Send the message once ${pending.length > 1 ? 'they are' : 'it is'} ready.`,
      details: { pending: pending.map(({ documentId, name, status }) => ({ documentId, name, status })) },
    });
  const failed = rows.filter((r) => r.status === 'failed');
  if (failed.length) throw new AppError('attachment_failed', { details: { failed: failed.map((r) => r.documentId) } });
  return ids.map((id) => {
    const { documentId, name, mimeType, sizeBytes } = byId.get(id)!;
    return { documentId, name, mimeType, sizeBytes };
  });
}

/** What a stored message's `attachments` column holds, read defensively (older rows have none). */
export function attachmentsOf(row: Pick<MessageRow, 'attachments'>): Attachment[] {
  return Array.isArray(row.attachments) ? (row.attachments as Attachment[]) : [];
}

/**
 * The documents a turn has in hand: files attached to earlier messages of the branch and to this
 * one, each once, oldest first. A conversation's files stay with it, so a follow-up question still
 * reads them.
 */
export function threadAttachments(history: readonly MessageRow[], now: readonly Attachment[]): string[] {
  const ids = [...history.filter((m) => m.role === 'user').flatMap((m) => attachmentsOf(m)), ...now].map((a) => a.documentId);
  return [...new Set(ids)];
}
