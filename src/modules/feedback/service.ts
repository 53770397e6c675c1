import { and, desc, eq, gte, inArray, lt, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client';
import { feedback, messages, users } from '../../db/schema';
import { AppError, notFound } from '../../lib/errors';

type Rating = 'up' | 'down';

/** Records (or takes back, with a null rating) a user's thumbs on one of their own answers. */
export async function giveFeedback(db: Db, userId: string, messageId: string, rating: Rating | null, comment?: string | null) {
  const [message] = await db
    .select({ id: messages.id, role: messages.role })
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.userId, userId)));
  if (message?.role !== 'assistant') throw notFound('Answer');
  if (rating === null) {
    await db.delete(feedback).where(and(eq(feedback.messageId, messageId), eq(feedback.userId, userId)));
    return { messageId, rating: null, comment: null };
  }
  const text = comment?.trim() || null;
  await db
    .insert(feedback)
    .values({ messageId, userId, rating, comment: text })
    .onConflictDoUpdate({ target: [feedback.messageId, feedback.userId], set: { rating, comment: text, updatedAt: new Date() } });
  return { messageId, rating, comment: text };
}

/** The user's feedback on these messages, by message id. */
export async function feedbackOn(db: Db, userId: string, messageIds: string[]) {
  const byMessage = new Map<string, { rating: Rating; comment: string | null }>();
  if (!messageIds.length) return byMessage;
  const rows = await db
    .select()
    .from(feedback)
    .where(and(eq(feedback.userId, userId), inArray(feedback.messageId, messageIds)));
  for (const r of rows) byMessage.set(r.messageId, { rating: r.rating, comment: r.comment });
  return byMessage;
}

/** Every user's feedback in a range, newest first, with the question and the answer it is about. */
export async function exportFeedback(db: Db, q: { from?: string; to?: string; rating?: Rating; limit?: number }) {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from >= to) throw new AppError('invalid_range');
  const where: SQL[] = [];
  if (from) where.push(gte(feedback.updatedAt, from));
  if (to) where.push(lt(feedback.updatedAt, to));
  if (q.rating) where.push(eq(feedback.rating, q.rating));
  const question = alias(messages, 'question');
  const rows = await db
    .select({
      messageId: feedback.messageId,
      conversationId: messages.conversationId,
      userEmail: users.email,
      model: messages.model,
      rating: feedback.rating,
      comment: feedback.comment,
      question: question.content,
      answer: messages.content,
      at: feedback.updatedAt,
    })
    .from(feedback)
    .innerJoin(messages, eq(messages.id, feedback.messageId))
    .innerJoin(users, eq(users.id, feedback.userId))
    .leftJoin(question, eq(question.id, messages.parentId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(feedback.updatedAt))
    .limit(q.limit ?? 1_000);
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}
