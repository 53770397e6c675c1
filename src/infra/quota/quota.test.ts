import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { AppError } from '../../lib/errors';
import { MemoryQuotaStore } from './memory-store';
import { createQuotaLimiter, type QuotaLimits, toUnits, windowsAt } from './quota-limiter';
import { RedisQuotaStore } from './redis-store';
import type { CounterSpec, QuotaStore } from './types';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('TEST_REDIS_URL is not set: skipping the Redis quota variants');

const prefix = () => `confab:test:${crypto.randomUUID()}:`;
const stores: { name: string; make(opts?: { holdMs?: number }): QuotaStore }[] = [{ name: 'memory', make: () => new MemoryQuotaStore() }];
if (redisUrl)
  stores.push({
    name: 'redis',
    make: (opts) => new RedisQuotaStore(redisUrl, { prefix: prefix(), commandTimeoutMs: 5_000, ...opts }),
  });

const opened: QuotaStore[] = [];
afterAll(() => Promise.all(opened.map((s) => s.close())));
const open = <T extends QuotaStore>(make: () => T): T => {
  const store = make();
  opened.push(store);
  return store;
};

const TOKENS_ONLY: QuotaLimits = { tokensPerDay: 1_000, usdPerMonth: null };
const counter = (): CounterSpec => ({ key: crypto.randomUUID(), endsAt: Date.now() + 3_600_000 });

async function outcomes(promises: Promise<unknown>[]) {
  const settled = await Promise.allSettled(promises);
  const refused = settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason);
  return { admitted: settled.length - refused.length, refused };
}

for (const s of stores) {
  describe(`quotas on ${s.name}`, () => {
    const store = open(() => s.make());
    beforeAll(async () => {
      if (store instanceof RedisQuotaStore) expect(await store.waitReady(5_000)).toBe(true);
    });
    const limiter = (recorded: () => number = () => 0) => createQuotaLimiter({ store, fallback: store, recorded: async () => recorded() });

    test('admits-exactly-what-the-budget-allows-among-200-concurrent-reservations', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const { admitted, refused } = await outcomes(
        Array.from({ length: 200 }, () => quotas.reserve(userId, { tokens: 30, usd: 0 }, TOKENS_ONLY)),
      );
      expect(admitted).toBe(33);
      expect(refused).toHaveLength(167);
      expect(refused.every((e) => e instanceof AppError && e.code === 'quota_exceeded' && e.status === 429)).toBe(true);
      const [day] = await quotas.levels(userId);
      expect(day.level).toEqual({ used: 0, reserved: 990 });
    });

    test('settling-replaces-the-hold-with-what-was-spent', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const hold = await quotas.reserve(userId, { tokens: 900, usd: 0 }, TOKENS_ONLY);
      await expect(quotas.reserve(userId, { tokens: 200, usd: 0 }, TOKENS_ONLY)).rejects.toMatchObject({ code: 'quota_exceeded' });
      await hold.settle({ tokens: 120, usd: 0 });
      await hold.settle({ tokens: 120, usd: 0 });
      const [day] = await quotas.levels(userId);
      expect(day.level).toEqual({ used: 120, reserved: 0 });
      expect(
        (await outcomes(Array.from({ length: 10 }, () => quotas.reserve(userId, { tokens: 200, usd: 0 }, TOKENS_ONLY)))).admitted,
      ).toBe(4);
    });

    test('a-counter-starts-from-what-the-database-recorded-read-once', async () => {
      let reads = 0;
      const quotas = limiter(() => {
        reads++;
        return 700;
      });
      const userId = crypto.randomUUID();
      const { admitted } = await outcomes(Array.from({ length: 20 }, () => quotas.reserve(userId, { tokens: 100, usd: 0 }, TOKENS_ONLY)));
      expect(admitted).toBe(3);
      expect(reads).toBe(1);
    });

    test('the-refusal-says-which-quota-and-when-it-resets', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const limits: QuotaLimits = { tokensPerDay: null, usdPerMonth: 1 };
      await quotas.reserve(userId, { tokens: 10, usd: 0.6 }, limits);
      const err = (await quotas.reserve(userId, { tokens: 10, usd: 0.6 }, limits).catch((e) => e)) as AppError;
      const month = windowsAt(userId, Date.now())[1];
      expect(err.details).toEqual({ quota: 'usdPerMonth', resetsAt: month.end.toISOString() });
      expect(Number(err.headers!['Retry-After'])).toBe(Math.ceil((+month.end - Date.now()) / 1000));
      expect(err.publicMessage).toContain(month.end.toISOString());
    });

    test('a-new-utc-day-starts-a-new-token-counter-and-a-new-month-a-new-spend-counter', async () => {
      // The last half second of this month: the store keeps counters only for windows not yet over.
      const today = new Date();
      const nextMonth = Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1);
      const next = new Date(nextMonth).toISOString();
      let at = nextMonth - 500;
      const quotas = createQuotaLimiter({ store, fallback: store, recorded: async () => 0, now: () => at });
      const userId = crypto.randomUUID();
      const both: QuotaLimits = { tokensPerDay: 100, usdPerMonth: 1 };
      await (await quotas.reserve(userId, { tokens: 100, usd: 1 }, both)).settle({ tokens: 100, usd: 1 });
      const spent = (await quotas.reserve(userId, { tokens: 1, usd: 0 }, both).catch((e) => e)) as AppError;
      expect(spent.details).toEqual({ quota: 'tokensPerDay', resetsAt: next });
      at = nextMonth + 500;
      const [day, month] = await quotas.levels(userId);
      expect(day.window.start.toISOString()).toBe(next);
      expect(month.window.start.toISOString()).toBe(next);
      await (await quotas.reserve(userId, { tokens: 100, usd: 1 }, both)).settle({ tokens: 100, usd: 1 });
      expect((await quotas.levels(userId)).map((l) => l.level?.used)).toEqual([100, toUnits('usdPerMonth', 1)]);
    });

    test('a-free-turn-passes-a-spent-budget-and-a-priced-one-does-not', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const limits: QuotaLimits = { tokensPerDay: null, usdPerMonth: 0.5 };
      const hold = await quotas.reserve(userId, { tokens: 10, usd: 0.5 }, limits);
      await hold.settle({ tokens: 10, usd: 0.75 });
      await expect(quotas.reserve(userId, { tokens: 10, usd: 0.000001 }, limits)).rejects.toMatchObject({ code: 'quota_exceeded' });
      await (await quotas.reserve(userId, { tokens: 10, usd: 0 }, limits)).settle({ tokens: 10, usd: 0 });
    });

    test('a-turn-estimated-above-the-whole-limit-still-starts-on-an-unused-quota-once', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const limits: QuotaLimits = { tokensPerDay: 500, usdPerMonth: null };
      const hold = await quotas.reserve(userId, { tokens: 1_050, usd: 0 }, limits);
      expect((await quotas.levels(userId))[0].level).toEqual({ used: 0, reserved: 500 });
      await hold.settle({ tokens: 80, usd: 0 });
      await (await quotas.reserve(userId, { tokens: 420, usd: 0 }, limits)).settle({ tokens: 420, usd: 0 });
      await expect(quotas.reserve(userId, { tokens: 1, usd: 0 }, limits)).rejects.toMatchObject({ code: 'quota_exceeded' });
    });

    test('a-zero-limit-refuses-every-turn', async () => {
      const quotas = limiter();
      await expect(
        quotas.reserve(crypto.randomUUID(), { tokens: 1, usd: 0 }, { tokensPerDay: 0, usdPerMonth: null }),
      ).rejects.toMatchObject({
        code: 'quota_exceeded',
      });
    });

    test('spending-of-a-user-without-quotas-keeps-an-existing-counter-current', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      await (await quotas.reserve(userId, { tokens: 10, usd: 0 }, TOKENS_ONLY)).settle({ tokens: 10, usd: 0 });
      await (await quotas.reserve(userId, { tokens: 10, usd: 0 }, { tokensPerDay: null, usdPerMonth: null })).settle({
        tokens: 15,
        usd: 0,
      });
      await quotas.charge(userId, { tokens: 5, usd: 0.25 });
      const [day, month] = await quotas.levels(userId);
      expect(day.level).toEqual({ used: 30, reserved: 0 });
      expect(month.level).toBeUndefined();
    });

    test('costs-add-up-exactly-in-nano-dollars', async () => {
      const quotas = limiter();
      const userId = crypto.randomUUID();
      const limits: QuotaLimits = { tokensPerDay: null, usdPerMonth: 10 };
      for (let i = 0; i < 10; i++) await (await quotas.reserve(userId, { tokens: 1, usd: 0.1 }, limits)).settle({ tokens: 1, usd: 0.1 });
      const [, month] = await quotas.levels(userId);
      expect(month.level).toEqual({ used: toUnits('usdPerMonth', 1), reserved: 0 });
    });

    test('a-hold-is-released-once-and-spending-lands-only-on-counters-the-store-has', async () => {
      const [a, b] = [counter(), counter()];
      await store.seed(a, 5);
      await store.seed(a, 999);
      expect(await store.reserve('h1', [a, b], [100, 100], [10, 10])).toEqual({ outcome: 'unseeded', missing: [1] });
      await store.seed(b, 0);
      expect((await store.reserve('h1', [a, b], [100, 100], [10, 10])).outcome).toBe('allowed');
      await store.settle('h1', [a, b], [{ counter: a, amount: 3 }]);
      await store.settle('h1', [a, b], [{ counter: counter(), amount: 3 }]);
      expect(await store.read([a, b, counter()])).toEqual([{ used: 8, reserved: 0 }, { used: 0, reserved: 0 }, undefined]);
    });
  });
}

describe.skipIf(!redisUrl)('quota holds on redis', () => {
  test('a-hold-left-by-a-process-that-died-is-released-after-its-deadline', async () => {
    const store = open(() => new RedisQuotaStore(redisUrl!, { prefix: prefix(), commandTimeoutMs: 5_000, holdMs: 0 }));
    expect(await store.waitReady(5_000)).toBe(true);
    const c = counter();
    await store.seed(c, 0);
    expect((await store.reserve('crashed', [c], [100], [100])).outcome).toBe('allowed');
    const next = await store.reserve('next', [c], [100], [100]);
    expect(next).toEqual({ outcome: 'allowed', levels: [{ used: 0, reserved: 100 }] });
    await store.settle('crashed', [c], [{ counter: c, amount: 40 }]);
    expect(await store.read([c])).toEqual([{ used: 40, reserved: 100 }]);
  });

  test('counts-in-process-from-the-database-while-redis-is-unreachable', async () => {
    const store = open(() => new RedisQuotaStore('redis://127.0.0.1:1', { commandTimeoutMs: 100 }));
    const quotas = createQuotaLimiter({ store, fallback: new MemoryQuotaStore(), recorded: async () => 950 });
    const userId = crypto.randomUUID();
    const { admitted } = await outcomes(Array.from({ length: 10 }, () => quotas.reserve(userId, { tokens: 10, usd: 0 }, TOKENS_ONLY)));
    expect(admitted).toBe(5);
  });
});
