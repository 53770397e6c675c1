import { afterAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { conversations, messages, users } from '../../db/schema';
import { testDatabases } from '../../testing/databases';
import { interruptStaleTurns } from './stale-turns';

for (const backend of testDatabases()) {
  describe(`stale turns on ${backend.name}`, () => {
    afterAll(() => backend.cleanup());

    test('answers-left-streaming-become-interrupted-with-their-text-kept', async () => {
      const database = await backend.open();
      const { db } = database;
      const [user] = await db.insert(users).values({ email: 's@example.com', passwordHash: 'h' }).returning();
      const [conv] = await db.insert(conversations).values({ userId: user.id }).returning();
      const base = { conversationId: conv.id, userId: user.id, role: 'assistant' as const, status: 'streaming' as const };
      const [old] = await db
        .insert(messages)
        .values({ ...base, content: 'half an ans', createdAt: new Date(Date.now() - 3_600_000) })
        .returning();
      const [fresh] = await db
        .insert(messages)
        .values({ ...base, content: 'still going' })
        .returning();

      expect(await interruptStaleTurns(database)).toBe(1);
      const [oldAfter] = await db.select().from(messages).where(eq(messages.id, old.id));
      expect(oldAfter.status).toBe('interrupted');
      expect(oldAfter.content).toBe('half an ans');
      expect(oldAfter.error).toContain('stopped');
      const [freshAfter] = await db.select().from(messages).where(eq(messages.id, fresh.id));
      expect(freshAfter.status).toBe('streaming');

      expect(await interruptStaleTurns(database, { all: true })).toBe(1);
      const [freshFinal] = await db.select().from(messages).where(eq(messages.id, fresh.id));
      expect(freshFinal.status).toBe('interrupted');
    });
  });
}
