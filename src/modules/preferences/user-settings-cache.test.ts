import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { plugins, users } from '../../db/schema';
import { MemoryBroadcast, RedisBroadcast } from '../../infra/broadcast';
import { createRedis, type RedisHandle } from '../../infra/redis/client';
import { testDatabases } from '../../testing/databases';
import { createUser } from '../../testing/users';
import { createUserSettingsCache, USER_SETTINGS_CHANNEL } from './user-settings-cache';

const HOUR = 3_600_000;

for (const tdb of testDatabases()) {
  describe(`user settings cache on ${tdb.name}`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await tdb.open();
    });
    afterAll(() => tdb.cleanup());

    const setPrompt = (userId: string, systemPrompt: string) =>
      database.db
        .update(users)
        .set({ preferences: { systemPrompt, defaultModel: null, defaultPlugins: [] } })
        .where(eq(users.id, userId));

    test('reads-a-users-preferences-and-switched-off-plugins', async () => {
      const userId = await createUser(database);
      await setPrompt(userId, 'be brief');
      await database.db.insert(plugins).values([
        { userId, name: 'web_search', enabled: false },
        { userId, name: 'calculator', enabled: true },
      ]);
      const cache = createUserSettingsCache(database, new MemoryBroadcast());
      expect((await cache.preferences(userId)).systemPrompt).toBe('be brief');
      expect([...(await cache.disabledPlugins(userId))]).toEqual(['web_search']);
      const other = await createUser(database);
      expect(await cache.preferences(other)).toEqual({ systemPrompt: null, defaultModel: null, defaultPlugins: [] });
      expect((await cache.disabledPlugins(other)).size).toBe(0);
    });

    test('a-change-made-here-applies-to-the-next-read', async () => {
      const userId = await createUser(database);
      const cache = createUserSettingsCache(database, new MemoryBroadcast(), { ttlMs: HOUR });
      expect((await cache.preferences(userId)).systemPrompt).toBeNull();
      await setPrompt(userId, 'in French');
      await database.db.insert(plugins).values({ userId, name: 'web_search', enabled: false });
      await cache.changed(userId);
      expect((await cache.preferences(userId)).systemPrompt).toBe('in French');
      expect(await cache.disabledPlugins(userId)).toEqual(new Set(['web_search']));
    });

    test('a-change-made-elsewhere-is-read-again-after-the-ttl', async () => {
      const userId = await createUser(database);
      let now = 0;
      const cache = createUserSettingsCache(database, new MemoryBroadcast(), { ttlMs: 5_000, now: () => now });
      expect((await cache.preferences(userId)).systemPrompt).toBeNull();
      await setPrompt(userId, 'formal');
      now = 5_000;
      expect((await cache.preferences(userId)).systemPrompt).toBe('formal');
    });
  });
}

const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
if (!TEST_REDIS_URL) console.warn('TEST_REDIS_URL is not set: skipping the user settings cache across replicas');

describe.skipIf(!TEST_REDIS_URL)('user settings cache across replicas', () => {
  const tdb = testDatabases().find((d) => d.name === (TEST_DATABASE_URL ? 'postgres' : 'pglite'))!;
  let database: Database;
  const handles: RedisHandle[] = [];
  const broadcasts: RedisBroadcast[] = [];
  // Both replicas on one channel prefix of their own, as two processes of one deployment.
  const prefix = `confab-test-${crypto.randomUUID()}:`;
  beforeAll(async () => {
    database = await tdb.open();
    for (let i = 0; i < 2; i++) {
      const redis = createRedis(TEST_REDIS_URL!);
      await redis.waitReady(5_000);
      handles.push(redis);
      broadcasts.push(new RedisBroadcast(redis, { prefix }));
    }
  });
  afterAll(async () => {
    for (const b of broadcasts) await b.close();
    for (const h of handles) await h.close();
    await tdb.cleanup();
  });

  test('a-change-on-one-replica-reaches-the-others-cache-before-its-ttl', async () => {
    const userId = await createUser(database);
    const [here, there] = broadcasts.map((b) => createUserSettingsCache(database, b, { ttlMs: HOUR }));
    // Both subscribed before anything is published, as replicas that have been up a while.
    const channel = `${prefix}${USER_SETTINGS_CHANNEL}`;
    for (let i = 0; i < 500; i++) {
      const [, count] = (await handles[0].client.pubsub('NUMSUB', channel)) as [string, number];
      if (Number(count) >= 2) break;
      await Bun.sleep(10);
    }
    expect((await there.preferences(userId)).defaultModel).toBeNull();
    await database.db
      .update(users)
      .set({ preferences: { systemPrompt: null, defaultModel: 'gpt-4o-mini', defaultPlugins: [] } })
      .where(eq(users.id, userId));
    await here.changed(userId);
    let seen: string | null = null;
    for (let i = 0; i < 200 && seen === null; i++) {
      seen = (await there.preferences(userId)).defaultModel;
      if (seen === null) await Bun.sleep(10);
    }
    expect(seen).toBe('gpt-4o-mini');
  });
});
