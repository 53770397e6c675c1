import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { conversations, messages } from '../../db/schema';
import { notFound } from '../../lib/errors';

/**
 * A message and its siblings: the messages of the same role after the same parent, which is what
 * an edit (another user message) or a regeneration (another answer) makes. Oldest first.
 */
export async function messageSiblings(db: Db, userId: string, id: string) {
  const [message] = await db
    .select({ id: messages.id, parentId: messages.parentId, role: messages.role, conversationId: messages.conversationId })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(messages.id, id), eq(conversations.userId, userId)));
  if (!message) throw notFound('Message');
  const rows = await db
    .select({
      id: messages.id,
      parentId: messages.parentId,
      role: messages.role,
      content: messages.content,
      model: messages.model,
      status: messages.status,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(
      and(
        eq(messages.conversationId, message.conversationId),
        eq(messages.role, message.role),
        message.parentId === null ? isNull(messages.parentId) : eq(messages.parentId, message.parentId),
      ),
    )
    .orderBy(asc(messages.createdAt), asc(messages.id));
  const items = rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() }));
  return { items, index: items.findIndex((m) => m.id === id) };
}
