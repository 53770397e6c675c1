import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { MemoryBackoffStore } from './memory-store';
import { RedisBackoffStore } from './redis-store';
import type { BackoffRule, BackoffStore } from './types';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('TEST_REDIS_URL is not set: skipping the Redis backoff variants');

const stores: { name: string; make(): BackoffStore }[] = [{ name: 'memory', make: () => new MemoryBackoffStore() }];
if (redisUrl)
  stores.push({
    name: 'redis',
    make: () => new RedisBackoffStore(redisUrl, { prefix: `confab:test:${crypto.randomUUID()}:`, commandTimeoutMs: 5_000 }),
  });

const T0 = 1_800_000_000_000;
const rule = (key: string, free = 5): BackoffRule => ({ key, free, baseMs: 1_000, maxMs: 16_000, forgetMs: 60_000 });
const fresh = () => crypto.randomUUID();

for (const s of stores) {
  describe(`backoff on ${s.name}`, () => {
    const store = s.make();
    beforeAll(async () => {
      if (store instanceof RedisBackoffStore) expect(await store.waitReady(5_000)).toBe(true);
    });
    afterAll(() => store.close());

    test('admits-exactly-the-free-attempts-under-concurrency', async () => {
      const r = rule(fresh());
      const decisions = await Promise.all(Array.from({ length: 150 }, () => store.reserve([r], T0)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
      expect(decisions.filter((d) => !d.allowed).every((d) => d.retryAfterMs === 1_000 && d.limitedBy === 0)).toBe(true);
    });

    test('delays-double-after-the-free-attempts-up-to-the-cap', async () => {
      const r = rule(fresh(), 2);
      let now = T0;
      const waits: number[] = [];
      expect((await store.reserve([r], now)).allowed).toBe(true);
      expect((await store.reserve([r], now)).allowed).toBe(true);
      for (let i = 0; i < 7; i++) {
        const refused = await store.reserve([r], now);
        expect(refused.allowed).toBe(false);
        waits.push(refused.retryAfterMs);
        now += refused.retryAfterMs;
        expect((await store.reserve([r], now)).allowed).toBe(true);
      }
      expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]);
    });

    test('a-refused-attempt-is-not-counted', async () => {
      const r = rule(fresh(), 1);
      await store.reserve([r], T0);
      for (let i = 0; i < 20; i++) expect((await store.reserve([r], T0 + 500)).retryAfterMs).toBe(500);
      expect((await store.reserve([r], T0 + 1_000)).allowed).toBe(true);
      expect((await store.reserve([r], T0 + 1_000)).retryAfterMs).toBe(2_000);
    });

    test('counts-every-key-or-none-and-names-the-longest-wait', async () => {
      const pair = rule(fresh(), 1);
      const wide = rule(fresh(), 3);
      await store.reserve([pair, wide], T0);
      const refused = await store.reserve([pair, wide], T0);
      expect(refused).toEqual({ allowed: false, limitedBy: 0, retryAfterMs: 1_000 });
      // The refused attempt left the wide key untouched: two more fit before its own delay starts.
      expect((await store.reserve([wide], T0)).allowed).toBe(true);
      expect((await store.reserve([wide], T0)).allowed).toBe(true);
      expect((await store.reserve([wide], T0)).allowed).toBe(false);
    });

    test('a-failure-restarts-the-current-delay-from-when-it-failed', async () => {
      const r = rule(fresh(), 2);
      await store.reserve([r], T0);
      await store.reserve([r], T0);
      // The second attempt took 5 s to fail: its 1 s delay runs from then, not from when it began.
      await store.fail([r], T0 + 5_000);
      expect(await store.reserve([r], T0 + 5_500)).toEqual({ allowed: false, limitedBy: 0, retryAfterMs: 500 });
      const early = rule(fresh(), 2);
      await store.reserve([early], T0);
      await store.fail([early], T0 + 5_000);
      expect((await store.reserve([early], T0 + 5_000)).allowed).toBe(true);
    });

    test('release-gives-an-attempt-back-and-clear-starts-over', async () => {
      const r = rule(fresh(), 2);
      await store.reserve([r], T0);
      await store.reserve([r], T0);
      expect((await store.reserve([r], T0)).allowed).toBe(false);
      await store.release([r.key]);
      expect((await store.reserve([r], T0)).allowed).toBe(true);
      expect((await store.reserve([r], T0)).allowed).toBe(false);
      await store.clear([r.key]);
      expect((await store.reserve([r], T0)).allowed).toBe(true);
      expect((await store.reserve([r], T0)).allowed).toBe(true);
    });
  });
}

describe('backoff in memory', () => {
  test('a-key-is-forgotten-after-its-forget-time', async () => {
    const store = new MemoryBackoffStore();
    const r = rule(fresh(), 1);
    await store.reserve([r], T0);
    expect((await store.reserve([r], T0 + 1_000)).allowed).toBe(true);
    expect((await store.reserve([r], T0 + 3_000 + 60_000)).allowed).toBe(true);
    expect((await store.reserve([r], T0 + 3_000 + 60_000)).retryAfterMs).toBe(1_000);
  });
});
