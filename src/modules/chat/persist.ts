import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors';
import { type MessageRow, messageColumns, messages } from '../../db/schema';
import { conflict, notFound } from '../../lib/errors';
import { deploymentLabel } from '../../providers/model-config';
import type { Deployment } from '../../providers/types';
import type { ConversationSettings } from '../conversations/settings';
import type { Attachment } from './model';
import { turnStatements } from './turn-statements';

export type { MessageRow };

/**
 * The answer recorded under a request id, whoever asked, or undefined. User message and answer are
 * written in one statement, so one never exists without the other, and there is one answer per id.
 */
export async function findAnswer(db: Db, requestId: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select(messageColumns)
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
    .select(messageColumns)
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
  conversationId: string;
  user: { id: string };
  assistant: { id: string };
}

/** Where a turn is stored: a new conversation (no `id`), or the user's own `id`; `settings` replace the stored ones. */
export interface TurnConversation {
  id?: string;
  settings?: ConversationSettings;
}

/**
 * Records the user's message and an empty `streaming` answer, and creates or touches their
 * conversation, in one statement before any model is called: from here on the turn is
 * acknowledged and survives whatever happens next. One statement is one transaction, so the
 * messages never exist without each other or their conversation, and the embedded database is
 * never held by a transaction waiting for this thread between statements.
 */
export async function beginTurn(
  db: Db,
  t: {
    userId: string;
    conversation: TurnConversation;
    parentId: string | null;
    requestId: string;
    content: string;
    model: string;
    attachments?: readonly Attachment[];
  },
): Promise<TurnRows> {
  const statements = turnStatements(db);
  const now = Date.now();
  const conversationId = t.conversation.id ?? crypto.randomUUID();
  const values = {
    conversationId,
    userId: t.userId,
    model: t.model,
    settings: t.conversation.settings ? JSON.stringify(t.conversation.settings) : null,
    now: new Date(now).toISOString(),
    userMessageId: crypto.randomUUID(),
    parentId: t.parentId,
    content: t.content,
    attachments: t.attachments?.length ? JSON.stringify(t.attachments) : null,
    requestId: t.requestId,
    userAt: new Date(now),
    assistantAt: new Date(now + 1),
  };
  const rows = await (t.conversation.id ? statements.begin : statements.beginInNew).execute(values).catch((err) => {
    // Two retries of one request racing each other: the second hits the (request_id, role) index.
    if (isUniqueViolation(err)) throw conflict('This request id is already in use');
    // The conversation went away since the turn read it.
    if (isForeignKeyViolation(err)) throw notFound('Conversation');
    throw err;
  });
  return { conversationId, user: rows.find((r) => r.role === 'user')!, assistant: rows.find((r) => r.role === 'assistant')! };
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

/**
 * Stores the answer's outcome, and with `title` the conversation's first title (unless one was
 * already given) in the same statement.
 */
export async function finishAssistant(
  db: Db,
  id: string,
  o: AssistantOutcome,
  title?: { conversationId: string; title: string; titleSource: 'auto' | 'model' },
): Promise<MessageRow> {
  const statements = turnStatements(db);
  const values = {
    id,
    content: o.content,
    status: o.status,
    error: o.error ?? null,
    model: o.deployment ? deploymentLabel(o.deployment) : null,
    provider: o.deployment?.provider ?? null,
    promptTokens: o.promptTokens,
    completionTokens: o.completionTokens,
    citations: JSON.stringify(o.citations),
    pluginCalls: JSON.stringify(o.pluginCalls),
  };
  const [row] = title ? await statements.finishTitled.execute({ ...values, ...title }) : await statements.finish.execute(values);
  return row ?? (await db.select(messageColumns).from(messages).where(eq(messages.id, id)))[0];
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
