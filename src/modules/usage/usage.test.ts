import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { usageLogs, users } from '../../db/schema';
import type { UsageEvent } from '../../infra/bus/types';
import { testDatabases } from '../../testing/databases';
import { createUsageBatcher, insertUsageBatch } from './batcher';

for (const tdb of testDatabases()) {
  describe(`usage batches on ${tdb.name}`, () => {
    let database: Database;
    let userId: string;
    beforeAll(async () => {
      database = await tdb.open();
      const [user] = await database.db
        .insert(users)
        .values({ email: `usage-${tdb.name}@example.com`, passwordHash: 'x' })
        .returning();
      userId = user.id;
    });
    afterAll(() => tdb.cleanup());

    const event = (requestId: string, extra: Partial<UsageEvent> = {}): UsageEvent => ({
      requestId,
      userId,
      model: 'openai/gpt-4o-mini',
      provider: 'openai',
      promptTokens: 12,
      completionTokens: 7,
      latencyMs: 3,
      status: 'ok',
      at: '2025-01-02T03:04:05.678Z',
      ...extra,
    });
    const rowsOf = (requestId: string) => database.db.select().from(usageLogs).where(eq(usageLogs.requestId, requestId));

    test('stores-every-field-of-each-event', async () => {
      const apiKeyId = crypto.randomUUID();
      await insertUsageBatch(database.db, [
        event('full-1', { apiKeyId, latencyMs: 41.6, ttftMs: 9.4, costUsd: 0.25, status: 'cancelled' }),
        event('full-2', { ttftMs: null, apiKeyId: null }),
      ]);
      const [first] = await rowsOf('full-1');
      expect(first).toMatchObject({
        userId,
        apiKeyId,
        conversationId: null,
        model: 'openai/gpt-4o-mini',
        provider: 'openai',
        promptTokens: 12,
        completionTokens: 7,
        latencyMs: 42,
        ttftMs: 9,
        status: 'cancelled',
        costUsd: 0.25,
      });
      expect(first.createdAt.toISOString()).toBe('2025-01-02T03:04:05.678Z');
      const [second] = await rowsOf('full-2');
      expect(second).toMatchObject({ apiKeyId: null, ttftMs: null, costUsd: null });
    });

    test('skips-redelivered-request-ids-within-and-across-batches', async () => {
      await insertUsageBatch(database.db, [event('dup-1'), event('dup-1', { completionTokens: 99 })]);
      await insertUsageBatch(database.db, [event('dup-1', { completionTokens: 50 }), event('dup-2')]);
      const rows = await rowsOf('dup-1');
      expect(rows).toHaveLength(1);
      expect(rows[0].completionTokens).toBe(7);
      expect(await rowsOf('dup-2')).toHaveLength(1);
    });

    test('usage-of-a-deleted-user-is-dropped-without-blocking-the-batch', async () => {
      await insertUsageBatch(database.db, [event('gone-1', { userId: crypto.randomUUID() }), event('kept-1')]);
      expect(await rowsOf('gone-1')).toHaveLength(0);
      expect(await rowsOf('kept-1')).toHaveLength(1);
    });

    test('batcher-writes-queued-events-on-flush', async () => {
      const batcher = createUsageBatcher(database.db, { maxBatch: 3, flushMs: 10_000 });
      for (let i = 0; i < 7; i++) await batcher.add(event(`queued-${i}`));
      await batcher.flush();
      const rows = await database.db.select().from(usageLogs);
      expect(rows.filter((r) => r.requestId.startsWith('queued-'))).toHaveLength(7);
    });

    test('a-malformed-event-is-dropped-alone-and-the-events-around-it-are-written', async () => {
      const batcher = createUsageBatcher(database.db, { maxBatch: 8, flushMs: 10_000 });
      const events = Array.from({ length: 8 }, (_, i) => event(`poison-${i}`));
      // As an event from another version could arrive off the bus: an id the database cannot read.
      events[5] = event('poison-5', { apiKeyId: 'not-a-uuid' });
      for (const e of events) await batcher.add(e);
      await batcher.flush();
      const written = (await database.db.select().from(usageLogs)).map((r) => r.requestId).filter((id) => id.startsWith('poison-'));
      expect(written.sort()).toEqual(['poison-0', 'poison-1', 'poison-2', 'poison-3', 'poison-4', 'poison-6', 'poison-7']);
    });
  });
}
