import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { isUniqueViolation } from '../../db/errors';
import { conversations, messages } from '../../db/schema';
import { conflict, notFound } from '../../lib/errors';
import { deploymentLabel } from '../../providers/model-config';
import type { Deployment } from '../../providers/types';
import type { Attachment } from './model';

export type MessageRow = typeof messages.$inferSelect;

/**
 * The answer recorded under a request id, whoever asked, or undefined. User message and answer are
 * written in one transaction, so one never exists without the other, and there is one answer per id.
 */
export async function findAnswer(db: Db, requestId: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.requestId, requestId), eq(messages.role, 'assistant')))
    .limit(1);
  return row;
}

/** The answer this user already has under the request id (a retry), or undefined; another user's id is taken. */
export async function findTurn(db: Db, userId: string, requestId: string): Promise<MessageRow | undefined> {
  const row = await findAnswer(db, requestId);
  if (row && row.userId !== userId) throw conflict('This request id is already in use');
  return row;
}

/**
 * The branch a new message continues: from `leafId` (by default the newest message) back along
 * `parent_id`; `null` is the empty branch before the first message. Edits and regenerations leave
 * siblings; only the chosen branch is context.
 */
export async function loadThread(db: Db, conversationId: string, leafId?: string | null): Promise<MessageRow[]> {
  if (leafId === null) return [];
  const rows = await db
    .select()
    .from(messages)
    .where(eq(messages.conversationId, conversationId))
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const leaf = leafId === undefined ? rows.at(-1) : byId.get(leafId);
  if (leafId !== undefined && !leaf) throw notFound('Parent message');
  const thread: MessageRow[] = [];
  for (let m = leaf; m; m = m.parentId ? byId.get(m.parentId) : undefined) thread.push(m);
  return thread.reverse();
}

export interface TurnRows {
  user: MessageRow;
  assistant: MessageRow;
}

/**
 * Records the user's message and an empty `streaming` answer in one transaction, before any model
 * is called: from here on the turn is acknowledged and survives whatever happens next.
 */
export async function beginTurn(
  db: Db,
  t: {
    userId: string;
    conversationId: string;
    parentId: string | null;
    requestId: string;
    content: string;
    model: string;
    attachments?: readonly Attachment[];
  },
): Promise<TurnRows> {
  const insert = db.transaction(async (tx) => {
    const now = Date.now();
    const [user] = await tx
      .insert(messages)
      .values({
        conversationId: t.conversationId,
        userId: t.userId,
        parentId: t.parentId,
        role: 'user',
        content: t.content,
        attachments: t.attachments?.length ? t.attachments : null,
        requestId: t.requestId,
        createdAt: new Date(now),
      })
      .returning();
    const [assistant] = await tx
      .insert(messages)
      .values({
        conversationId: t.conversationId,
        userId: t.userId,
        parentId: user.id,
        role: 'assistant',
        content: '',
        model: t.model,
        status: 'streaming',
        requestId: t.requestId,
        createdAt: new Date(now + 1),
      })
      .returning();
    await tx.update(conversations).set({ updatedAt: new Date(), model: t.model }).where(eq(conversations.id, t.conversationId));
    return { user, assistant };
  });
  // Two retries of one request racing each other: the second hits the (request_id, role) index.
  return insert.catch((err) => {
    throw isUniqueViolation(err) ? conflict('This request id is already in use') : err;
  });
}

export interface AssistantOutcome {
  content: string;
  status: 'complete' | 'interrupted' | 'error';
  error?: string;
  /** Who answered; without one the model asked for stays recorded. */
  deployment?: Deployment;
  promptTokens: number;
  completionTokens: number;
  citations: unknown[];
  pluginCalls: unknown[];
}

export async function finishAssistant(db: Db, id: string, o: AssistantOutcome): Promise<MessageRow> {
  const [row] = await db
    .update(messages)
    .set({
      content: o.content,
      status: o.status,
      error: o.error ?? null,
      ...(o.deployment ? { model: deploymentLabel(o.deployment), provider: o.deployment.provider } : {}),
      promptTokens: o.promptTokens,
      completionTokens: o.completionTokens,
      citations: o.citations,
      pluginCalls: o.pluginCalls,
    })
    .where(and(eq(messages.id, id), eq(messages.status, 'streaming')))
    .returning();
  return row ?? (await db.select().from(messages).where(eq(messages.id, id)))[0];
}

/**
 * Saves a streaming answer's text every `intervalMs`, one write at a time, so a crash loses at
 * most that much of what the user already saw. The text is read when a write starts, not per token.
 */
export function contentSaver(db: Db, id: string, intervalMs = 1_000) {
  let read = () => '';
  let saved = '';
  let writing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const write = () => {
    timer = undefined;
    const text = read();
    if (text === saved) return;
    writing = writing
      .then(() =>
        db
          .update(messages)
          .set({ content: text })
          .where(and(eq(messages.id, id), eq(messages.status, 'streaming'))),
      )
      .then(() => {
        saved = text;
      })
      .catch(() => {});
  };
  return {
    /** The answer grew; `answer()` reads all of it. */
    update(answer: () => string) {
      read = answer;
      timer ??= setTimeout(write, intervalMs);
    },
    /** Stops saving; resolves once any write in flight has landed. */
    async stop(): Promise<void> {
      clearTimeout(timer);
      timer = undefined;
      await writing;
    },
  };
}
