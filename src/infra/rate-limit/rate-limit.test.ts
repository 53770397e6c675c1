import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AppError } from '../../lib/errors';
import { registry } from '../../lib/metrics';
import { createRateLimiter } from './limiter';
import { MemoryRateLimitStore } from './memory-store';
import { RedisRateLimitStore } from './redis-store';
import type { RateLimitStore } from './types';

const HOUR = 3_600_000;
const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('TEST_REDIS_URL is not set: skipping the Redis rate-limit variants');

const stores: { name: string; make(): RateLimitStore }[] = [{ name: 'memory', make: () => new MemoryRateLimitStore() }];
if (redisUrl)
  stores.push({
    name: 'redis',
    make: () => new RedisRateLimitStore(redisUrl, { prefix: `confab:test:${crypto.randomUUID()}:`, commandTimeoutMs: 5_000 }),
  });

const opened: RateLimitStore[] = [];
afterAll(() => Promise.all(opened.map((s) => s.close())));

async function admitted(
  limiter: ReturnType<typeof createRateLimiter>,
  n: number,
  subject: { userId: string; apiKeyId?: string },
  tokens = 1,
) {
  const outcomes = await Promise.allSettled(Array.from({ length: n }, () => limiter.reserve(subject, tokens)));
  return outcomes.filter((o) => o.status === 'fulfilled').length;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return Number(v?.value ?? 0);
}

for (const s of stores) {
  describe(`rate limiter on ${s.name}`, () => {
    const store = s.make();
    opened.push(store);
    let failuresBefore = 0;
    beforeAll(async () => {
      if (store instanceof RedisRateLimitStore) expect(await store.waitReady(5_000)).toBe(true);
      failuresBefore = await metric('confab_rate_limit_store_failures_total');
    });
    // Every decision in this block came from the store itself, never from the fallback.
    afterAll(async () => expect(await metric('confab_rate_limit_store_failures_total')).toBe(failuresBefore));

    test('admits-exactly-the-limit-under-concurrency', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 25, tpm: 0, periodMs: HOUR });
      expect(await admitted(limiter, 200, { userId: crypto.randomUUID() })).toBe(25);
    });

    test('token-bucket-admits-exactly-what-fits', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 0, tpm: 1_000, periodMs: HOUR });
      expect(await admitted(limiter, 60, { userId: crypto.randomUUID() }, 100)).toBe(10);
    });

    test('api-key-bucket-limits-independently-of-user', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 5, tpm: 0, periodMs: HOUR });
      const userId = crypto.randomUUID();
      expect(await admitted(limiter, 20, { userId, apiKeyId: 'key-a' })).toBe(5);
      // The user's own bucket is now empty too, so another key of the same user is refused.
      expect(await admitted(limiter, 5, { userId, apiKeyId: 'key-b' })).toBe(0);
    });

    test('raising-a-limit-is-there-at-once-and-cutting-it-is-charged-at-once', async () => {
      const subject = { userId: crypto.randomUUID() };
      const at = (rpm: number) => createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm, tpm: 0, periodMs: HOUR });
      expect(await admitted(at(3), 2, subject)).toBe(2);
      // Two of three used; raised to ten, eight are left, not the one the old bucket had.
      expect(await admitted(at(10), 20, subject)).toBe(8);
      // All ten used; cut to five, the user is five over and waits for the refill.
      expect(await admitted(at(5), 5, subject)).toBe(0);
      const remaining = Number((await at(20).reserve(subject, 1)).headers['X-RateLimit-Remaining-Requests']);
      expect(remaining).toBe(9);
    });

    test('refusal-carries-retry-after-and-ratelimit-headers', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 1, tpm: 500, periodMs: 60_000 });
      const subject = { userId: crypto.randomUUID() };
      const ok = await limiter.reserve(subject, 100);
      expect(ok.headers['X-RateLimit-Remaining-Requests']).toBe('0');
      expect(ok.headers['X-RateLimit-Remaining-Tokens']).toBe('400');
      const before = await metric('confab_rate_limit_rejections_total', { bucket: 'user_requests' });
      const err = (await limiter.reserve(subject, 100).catch((e) => e)) as AppError;
      expect(err).toBeInstanceOf(AppError);
      expect(err.status).toBe(429);
      expect(Number(err.headers!['Retry-After'])).toBeGreaterThanOrEqual(1);
      expect(err.headers!['X-RateLimit-Limit-Requests']).toBe('1');
      expect(await metric('confab_rate_limit_rejections_total', { bucket: 'user_requests' })).toBe(before + 1);
    });

    test('settling-returns-unused-reserved-tokens', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 0, tpm: 1_000, periodMs: HOUR });
      const subject = { userId: crypto.randomUUID() };
      const r = await limiter.reserve(subject, 900);
      await r.settle(100);
      expect(await admitted(limiter, 10, subject, 100)).toBe(9);
    });

    test('settling-above-the-estimate-charges-the-difference', async () => {
      const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 0, tpm: 1_000, periodMs: HOUR });
      const subject = { userId: crypto.randomUUID() };
      const r = await limiter.reserve(subject, 100);
      await r.settle(700);
      expect(await admitted(limiter, 10, subject, 100)).toBe(3);
    });
  });
}

describe('when Redis is unreachable', () => {
  test('fails-open-to-an-exact-in-process-limit-and-counts-it', async () => {
    const store = new RedisRateLimitStore('redis://127.0.0.1:1', { commandTimeoutMs: 100 });
    opened.push(store);
    const limiter = createRateLimiter({ store, fallback: new MemoryRateLimitStore(), rpm: 7, tpm: 0, periodMs: HOUR });
    const before = await metric('confab_rate_limit_store_failures_total');
    expect(await admitted(limiter, 30, { userId: crypto.randomUUID() })).toBe(7);
    expect(await metric('confab_rate_limit_store_failures_total')).toBe(before + 30);
  });
});
