import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, messageColumns, messages } from '../../db/schema';

const p = sql.placeholder;
/**
 * A jsonb value passed as JSON text: through a jsonb column's own encoder a placeholder's `null`
 * would be stored as JSON `null` rather than SQL NULL.
 */
const json = (name: string): SQL => sql`${p(name)}::jsonb`;

/**
 * The statements every chat turn runs, built once per database and prepared: drizzle builds their
 * SQL once instead of per turn, and PostgreSQL parses and plans each once per connection.
 * Placeholders are filled by `persist.ts`, which owns what they mean.
 */
function prepare(db: Db) {
  const turnMessages = [
    {
      id: p('userMessageId'),
      conversationId: p('conversationId'),
      userId: p('userId'),
      parentId: p('parentId'),
      role: 'user' as const,
      content: p('content'),
      attachments: json('attachments'),
      requestId: p('requestId'),
      createdAt: p('userAt'),
    },
    {
      conversationId: p('conversationId'),
      userId: p('userId'),
      parentId: p('userMessageId'),
      role: 'assistant' as const,
      content: '',
      model: p('model'),
      status: 'streaming' as const,
      requestId: p('requestId'),
      createdAt: p('assistantAt'),
    },
  ];
  const created = db.$with('conversation').as(
    db
      .insert(conversations)
      .values({ id: p('conversationId'), userId: p('userId'), model: p('model'), settings: json('settings') })
      .returning({ id: conversations.id }),
  );
  const touched = db.$with('conversation').as(
    db
      .update(conversations)
      .set({
        updatedAt: sql`${p('now')}::timestamptz`,
        model: sql`${p('model')}`,
        settings: sql`coalesce(${json('settings')}, ${conversations.settings})`,
      })
      .where(and(eq(conversations.id, p('conversationId')), eq(conversations.userId, p('userId'))))
      .returning({ id: conversations.id }),
  );
  const outcome = {
    content: sql`${p('content')}`,
    status: sql`${p('status')}`,
    error: sql`${p('error')}`,
    // Without a deployment the model asked for stays recorded.
    model: sql`coalesce(${p('model')}, ${messages.model})`,
    provider: sql`coalesce(${p('provider')}, ${messages.provider})`,
    promptTokens: sql`${p('promptTokens')}::int`,
    completionTokens: sql`${p('completionTokens')}::int`,
    citations: json('citations'),
    pluginCalls: json('pluginCalls'),
  };
  // What the turn goes on with: the database's work of reading whole rows back is not needed.
  const begun = { id: messages.id, role: messages.role };
  const streaming = and(eq(messages.id, p('id')), eq(messages.status, 'streaming'));
  const titled = db.$with('titled').as(
    db
      .update(conversations)
      .set({ title: sql`${p('title')}`, titleSource: sql`${p('titleSource')}` })
      .where(and(eq(conversations.id, p('conversationId')), eq(conversations.titleSource, 'pending')))
      .returning({ id: conversations.id }),
  );
  return {
    beginInNew: db.with(created).insert(messages).values(turnMessages).returning(begun).prepare('begin_turn_new'),
    begin: db.with(touched).insert(messages).values(turnMessages).returning(begun).prepare('begin_turn'),
    finish: db.update(messages).set(outcome).where(streaming).returning(messageColumns).prepare('finish_answer'),
    finishTitled: db.with(titled).update(messages).set(outcome).where(streaming).returning(messageColumns).prepare('finish_answer_titled'),
  };
}

const prepared = new WeakMap<Db, ReturnType<typeof prepare>>();

export function turnStatements(db: Db): ReturnType<typeof prepare> {
  let statements = prepared.get(db);
  if (!statements) prepared.set(db, (statements = prepare(db)));
  return statements;
}
