import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { conversations, documents, messages } from '../../../db/schema';
import { EMPTY_SETTINGS } from '../settings';
import { heuristicTitle } from '../title';
import { type DraftConversation, type DraftMessage, MAX_TITLE } from './draft';

export interface ImportResult {
  imported: { id: string; title: string; messages: number }[];
  /** Conversations this user already has from an earlier import (or owns already): left as they are. */
  skipped: { title: string }[];
}

const INSERT_BATCH = 500;

function titleOf(d: DraftConversation): string {
  const given = d.title?.trim().slice(0, MAX_TITLE);
  if (given) return given;
  const firstUser = d.messages.find((m) => m.role === 'user');
  return firstUser ? heuristicTitle(firstUser.content) : 'Imported chat';
}

/** Stores what `readImportFile` read, all in one transaction: a failure leaves nothing behind. */
export async function storeImports(db: Db, userId: string, drafts: DraftConversation[]): Promise<ImportResult> {
  const result: ImportResult = { imported: [], skipped: [] };
  const confabIds = drafts.flatMap((d) => (d.confabId ? [d.confabId] : []));
  await db.transaction(async (tx) => {
    const owned = confabIds.length
      ? await tx
          .select({ id: conversations.id })
          .from(conversations)
          .where(and(eq(conversations.userId, userId), inArray(conversations.id, confabIds)))
      : [];
    const ownedIds = new Set(owned.map((r) => r.id));
    // A file named in an export stays on its message only when it is one of the importer's own documents.
    const named = [...new Set(drafts.flatMap((d) => d.messages.flatMap((m) => m.attachments ?? []).map((a) => a.documentId)))];
    const mine = named.length
      ? new Set(
          (
            await tx
              .select({ id: documents.id })
              .from(documents)
              .where(and(eq(documents.userId, userId), inArray(documents.id, named)))
          ).map((r) => r.id),
        )
      : new Set<string>();
    const ownFiles = (list: DraftMessage['attachments']) => {
      const kept = list?.filter((a) => mine.has(a.documentId)) ?? [];
      return kept.length ? kept : null;
    };
    for (const d of drafts) {
      const title = titleOf(d);
      if (d.confabId && ownedIds.has(d.confabId)) {
        result.skipped.push({ title });
        continue;
      }
      const now = new Date();
      const createdAt = d.createdAt ?? d.messages[0]?.createdAt ?? now;
      const last = d.messages.reduce<Date | null>((t, m) => (m.createdAt && (!t || m.createdAt > t) ? m.createdAt : t), null);
      const [row] = await tx
        .insert(conversations)
        .values({
          userId,
          title,
          titleSource: 'user',
          model: d.model,
          pinned: d.pinned,
          archived: d.archived,
          ...(d.settings ? { settings: { ...EMPTY_SETTINGS, ...d.settings } } : {}),
          importKey: d.importKey,
          createdAt,
          updatedAt: d.updatedAt ?? last ?? createdAt,
        })
        .onConflictDoNothing({ target: [conversations.userId, conversations.importKey] })
        .returning({ id: conversations.id });
      if (!row) {
        result.skipped.push({ title });
        continue;
      }
      const ids = new Map(d.messages.map((m) => [m.key, crypto.randomUUID()]));
      let clock = createdAt.getTime();
      const rows = d.messages.map((m) => {
        const at = m.createdAt ?? new Date(++clock);
        return {
          id: ids.get(m.key)!,
          conversationId: row.id,
          userId,
          parentId: m.parentKey === null ? null : ids.get(m.parentKey)!,
          role: m.role,
          content: m.content,
          model: m.model,
          attachments: ownFiles(m.attachments),
          createdAt: at,
        };
      });
      for (let i = 0; i < rows.length; i += INSERT_BATCH) await tx.insert(messages).values(rows.slice(i, i + INSERT_BATCH));
      result.imported.push({ id: row.id, title, messages: rows.length });
    }
  });
  return result;
}
