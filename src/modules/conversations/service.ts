import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, folders, type MessageRow, messageColumns, messages } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';
import { isUuid } from '../../lib/uuid-format';
import { attachmentsOf } from '../chat/attachments';
import { feedbackOn } from '../feedback/service';
import { type ConversationSettings, settingsOf } from './settings';
import { heuristicTitle } from './title';

type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationSummary {
  id: string;
  title: string;
  model: string | null;
  pinned: boolean;
  archived: boolean;
  folderId: string | null;
  settings: ConversationSettings;
  createdAt: string;
  updatedAt: string;
}

export const toSummary = (c: ConversationRow): ConversationSummary => ({
  id: c.id,
  title: c.title,
  model: c.model,
  pinned: c.pinned,
  archived: c.archived,
  folderId: c.folderId,
  settings: settingsOf(c.settings),
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export const toMessageView = (m: MessageRow) => ({
  id: m.id,
  parentId: m.parentId,
  role: m.role,
  content: m.content,
  model: m.model,
  status: m.status,
  error: m.error,
  usage:
    m.promptTokens === null && m.completionTokens === null
      ? null
      : { promptTokens: m.promptTokens ?? 0, completionTokens: m.completionTokens ?? 0 },
  citations: (m.citations as never[] | null) ?? [],
  attachments: attachmentsOf(m),
  plugins: (m.pluginCalls as unknown[] | null) ?? [],
  requestId: m.requestId,
  feedback: null as { rating: 'up' | 'down'; comment: string | null } | null,
  createdAt: m.createdAt.toISOString(),
});

function encodeCursor(c: ConversationRow): string {
  return Buffer.from(JSON.stringify([c.updatedAt.toISOString(), c.id])).toString('base64url');
}

/** The only timestamp spelling `encodeCursor` writes (`toISOString` of a year 1 to 9999). */
const CURSOR_TIME = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Reads back only what `encodeCursor` writes. A cursor is client input: anything the query's
 * timestamptz and uuid casts could refuse must be refused here, as a bad request.
 */
function decodeCursor(cursor: string): { updatedAt: Date; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new AppError('invalid_cursor');
  }
  if (!Array.isArray(value) || value.length !== 2) throw new AppError('invalid_cursor');
  const [ts, id] = value;
  if (typeof ts !== 'string' || typeof id !== 'string' || !CURSOR_TIME.test(ts) || !isUuid(id)) throw new AppError('invalid_cursor');
  const updatedAt = new Date(ts);
  // A well-formed but impossible date (30 February) rolls over instead of failing, so it must read back the same.
  if (Number.isNaN(updatedAt.getTime()) || updatedAt.toISOString() !== ts) throw new AppError('invalid_cursor');
  return { updatedAt, id };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function searchCondition(q: string) {
  return sql`(
    ${conversations.titleTsv} @@ websearch_to_tsquery('simple', ${q})
    or ${conversations.title} ilike ${`%${escapeLike(q)}%`}
    or exists (
      select 1 from ${messages} m
      where m.conversation_id = ${conversations.id}
        and m.content_tsv @@ websearch_to_tsquery('english', ${q})
    )
  )`;
}

export interface ListOptions {
  limit?: number;
  cursor?: string;
  q?: string;
  archived?: boolean;
  pinned?: boolean;
  folderId?: string;
}

export async function listConversations(
  db: Db,
  userId: string,
  opts: ListOptions,
): Promise<{ items: ConversationSummary[]; nextCursor: string | null }> {
  const limit = opts.limit ?? 30;
  const conditions = [eq(conversations.userId, userId)];
  // Archived conversations leave the list but not search.
  const archived = opts.archived ?? (opts.q ? undefined : false);
  if (archived !== undefined) conditions.push(eq(conversations.archived, archived));
  if (opts.pinned !== undefined) conditions.push(eq(conversations.pinned, opts.pinned));
  if (opts.folderId) conditions.push(eq(conversations.folderId, opts.folderId));
  if (opts.cursor) {
    const c = decodeCursor(opts.cursor);
    conditions.push(sql`(${conversations.updatedAt}, ${conversations.id}) < (${c.updatedAt.toISOString()}::timestamptz, ${c.id}::uuid)`);
  }
  if (opts.q) conditions.push(searchCondition(opts.q));
  const rows = await db
    .select()
    .from(conversations)
    .where(and(...conditions))
    .orderBy(desc(conversations.updatedAt), desc(conversations.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(toSummary), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
}

export async function getOwnedConversation(db: Db, userId: string, id: string): Promise<ConversationRow> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)));
  if (!row) throw notFound('Conversation');
  return row;
}

export async function getConversation(db: Db, userId: string, id: string) {
  const conversation = await getOwnedConversation(db, userId, id);
  const rows = await db
    .select(messageColumns)
    .from(messages)
    .where(eq(messages.conversationId, id))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const rated = await feedbackOn(
    db,
    userId,
    rows.filter((m) => m.role === 'assistant').map((m) => m.id),
  );
  return { ...toSummary(conversation), messages: rows.map((m) => ({ ...toMessageView(m), feedback: rated.get(m.id) ?? null })) };
}

export interface NewConversation {
  title?: string;
  model?: string;
  settings?: ConversationSettings;
  messages?: { role: 'system' | 'user' | 'assistant'; content: string }[];
}

/** Creates a conversation (and any imported messages) in one transaction: all or nothing. */
export async function createConversation(db: Db, userId: string, input: NewConversation) {
  const firstUser = input.messages?.find((m) => m.role === 'user');
  const title = input.title ?? (firstUser ? heuristicTitle(firstUser.content) : 'New chat');
  const titleSource = input.title ? 'user' : firstUser ? 'auto' : 'pending';
  const id = await db.transaction(async (tx) => {
    const [conv] = await tx
      .insert(conversations)
      .values({ userId, title, titleSource, model: input.model, settings: input.settings })
      .returning();
    let parentId: string | null = null;
    const base = Date.now();
    for (const [i, m] of (input.messages ?? []).entries()) {
      const [row]: MessageRow[] = await tx
        .insert(messages)
        .values({ conversationId: conv.id, userId, parentId, role: m.role, content: m.content, createdAt: new Date(base + i) })
        .returning();
      parentId = row.id;
    }
    return conv.id;
  });
  return getConversation(db, userId, id);
}

export async function renameConversation(db: Db, userId: string, id: string, title: string) {
  return updateConversation(db, userId, id, { title });
}

export interface ConversationChange {
  title?: string;
  model?: string | null;
  settings?: ConversationSettings;
  pinned?: boolean;
  archived?: boolean;
  folderId?: string | null;
}

/**
 * Writes what the change names, as the conversation's owner. A new title, model or settings move
 * the conversation up the list; pinning, archiving and filing it in a folder (one of the user's)
 * leave its place alone.
 */
export async function updateConversation(db: Db, userId: string, id: string, change: ConversationChange) {
  if (change.folderId) {
    const [folder] = await db
      .select({ id: folders.id })
      .from(folders)
      .where(and(eq(folders.id, change.folderId), eq(folders.userId, userId)));
    if (!folder) throw notFound('Folder');
  }
  const set: Partial<typeof conversations.$inferInsert> = {};
  if (change.title !== undefined) Object.assign(set, { title: change.title, titleSource: 'user' as const });
  if (change.model !== undefined) set.model = change.model;
  if (change.settings !== undefined) set.settings = change.settings;
  if (Object.keys(set).length > 0) set.updatedAt = new Date();
  if (change.pinned !== undefined) set.pinned = change.pinned;
  if (change.archived !== undefined) set.archived = change.archived;
  if (change.folderId !== undefined) set.folderId = change.folderId;
  if (Object.keys(set).length === 0) return toSummary(await getOwnedConversation(db, userId, id));
  const [row] = await db
    .update(conversations)
    .set(set)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .returning();
  if (!row) throw notFound('Conversation');
  return toSummary(row);
}

/** Deletes those of `ids` that are the user's; another user's id is passed over, as if it did not exist. */
export async function deleteConversations(db: Db, userId: string, ids: string[]): Promise<number> {
  const rows = await db
    .delete(conversations)
    .where(and(eq(conversations.userId, userId), inArray(conversations.id, ids)))
    .returning({ id: conversations.id });
  return rows.length;
}

export async function deleteConversation(db: Db, userId: string, id: string): Promise<void> {
  const rows = await db
    .delete(conversations)
    .where(and(eq(conversations.id, id), eq(conversations.userId, userId)))
    .returning({ id: conversations.id });
  if (rows.length === 0) throw notFound('Conversation');
}

/**
 * Sets an LLM-written title unless the user already chose one: it may replace the heuristic title
 * a conversation's first answer stored (see chat's finishAssistant), never a user's.
 */
export async function setModelTitle(db: Db, id: string, title: string): Promise<boolean> {
  const rows = await db
    .update(conversations)
    .set({ title, titleSource: 'model' })
    .where(and(eq(conversations.id, id), inArray(conversations.titleSource, ['pending', 'auto'])))
    .returning({ id: conversations.id });
  return rows.length > 0;
}
