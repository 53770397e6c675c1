import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { usageLogs } from '../../db/schema';
import { fromUnits } from '../../infra/quota';
import { countMessageTokens } from '../../lib/tokens';
import { estimateCostUsd } from '../../providers/pricing';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { isEnd, TestSocket } from '../../testing/test-socket';

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('TEST_REDIS_URL is not set: skipping the Redis quota variants');
const stores: { name: string; env: Record<string, string> }[] = [{ name: 'memory', env: {} }];
if (redisUrl) stores.push({ name: 'redis', env: { REDIS_URL: redisUrl } });

const MODEL = 'gpt-4o-mini';
const MESSAGES = [{ role: 'user' as const, content: 'Count to three, please.' }];
const MAX_TOKENS = 20;
// Under /exact every completion reports exactly what Confab reserves for it, so each admitted
// turn spends its whole reservation and the number a budget admits does not depend on timing.
const PROMPT_TOKENS = countMessageTokens(MESSAGES);
const TURN_TOKENS = PROMPT_TOKENS + MAX_TOKENS;
const TURN_USD = estimateCostUsd('openai', MODEL, { inputTokens: PROMPT_TOKENS, outputTokens: MAX_TOKENS })!;

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ tokens: 12, models: [MODEL] });
  upstream.always('/exact/v1/chat/completions', {
    status: 200,
    body: {
      id: 'chatcmpl-exact',
      object: 'chat.completion',
      created: 0,
      model: MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content: 'One, two, three.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: PROMPT_TOKENS, completion_tokens: MAX_TOKENS, total_tokens: TURN_TOKENS },
    },
  });
});
afterAll(() => upstream.stop());

const env = (prefix: string, extra: Record<string, string> = {}) =>
  testConfig({
    OPENAI_API_KEY: 'sk-upstream-000000',
    OPENAI_BASE_URL: `${upstream.url}${prefix}`,
    RATE_LIMIT_RPM: '0',
    RATE_LIMIT_TPM: '0',
    ...extra,
  });

async function usageRows(h: Harness, userId: string, count: number) {
  for (let i = 0; i < 500; i++) {
    const rows = await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.userId, userId));
    if (rows.length >= count) return rows;
    await Bun.sleep(20);
  }
  throw new Error(`expected ${count} usage rows`);
}

const completion = (h: Harness, cookie: string, extra: Record<string, unknown> = {}) =>
  h.request('POST', '/v1/chat/completions', { cookie, body: { model: MODEL, messages: MESSAGES, max_tokens: MAX_TOKENS, ...extra } });

async function levelsOf(h: Harness, userId: string) {
  const [day, month] = await h.ctx.quotas.levels(userId);
  return {
    tokens: day.level && fromUnits('tokensPerDay', day.level.used),
    usd: month.level && fromUnits('usdPerMonth', month.level.used),
    reserved: (day.level?.reserved ?? 0) + (month.level?.reserved ?? 0),
  };
}

for (const tdb of testDatabases()) {
  for (const store of stores) {
    describe(`budgets under 200 concurrent turns on ${store.name} and ${tdb.name}`, () => {
      let h: Harness;
      let admin: Awaited<ReturnType<Harness['signup']>>;
      beforeAll(async () => {
        h = createHarness(await tdb.open(), env('/exact/v1', store.env));
        admin = await h.signup();
      });
      afterAll(async () => {
        await h.close();
        await tdb.cleanup();
      });

      async function race(limits: Record<string, number>) {
        const user = await h.signup();
        const patched = await h.json('PATCH', `/api/admin/users/${user.id}`, { cookie: admin.cookie, body: { limits } });
        expect(patched.status).toBe(200);
        const responses = await Promise.all(Array.from({ length: 200 }, () => completion(h, user.cookie)));
        const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ error?: { code: string } }>));
        const ok = responses.filter((r) => r.status === 200).length;
        const refused = bodies.filter((b, i) => responses[i].status === 429 && b.error?.code === 'insufficient_quota').length;
        return { user, ok, refused };
      }

      test('tokens-per-day-admit-exactly-what-fits-and-charge-exactly-the-rows', async () => {
        const { user, ok, refused } = await race({ tokensPerDay: 7 * TURN_TOKENS + TURN_TOKENS - 1 });
        expect(ok).toBe(7);
        expect(refused).toBe(193);
        const rows = await usageRows(h, user.id, 7);
        const rowTokens = rows.reduce((n, r) => n + r.promptTokens + r.completionTokens, 0);
        expect(rowTokens).toBe(7 * TURN_TOKENS);
        expect(await levelsOf(h, user.id)).toEqual({ tokens: rowTokens, usd: undefined, reserved: 0 });
      });

      test('spend-per-month-admits-exactly-what-fits-and-charges-exactly-the-rows', async () => {
        const { user, ok, refused } = await race({ usdPerMonth: 5.5 * TURN_USD });
        expect(ok).toBe(5);
        expect(refused).toBe(195);
        const rows = await usageRows(h, user.id, 5);
        const rowUsd = rows.reduce((n, r) => n + (r.costUsd ?? 0), 0);
        const charged = await levelsOf(h, user.id);
        expect(charged.usd!).toBeCloseTo(5 * TURN_USD, 12);
        expect(charged.usd!).toBeCloseTo(rowUsd, 10);
        expect(charged.reserved).toBe(0);
      });
    });
  }

  describe(`quotas over every way in on ${tdb.name}`, () => {
    let h: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    let baseUrl: string;
    beforeAll(async () => {
      h = createHarness(await tdb.open(), env('/v1'));
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      baseUrl = `127.0.0.1:${h.app.server!.port}`;
      admin = await h.signup();
    });
    afterAll(async () => {
      await h.app.stop(true);
      await tdb.cleanup();
    });
    const limit = async (userId: string, limits: Record<string, number | null> | null) =>
      expect((await h.json('PATCH', `/api/admin/users/${userId}`, { cookie: admin.cookie, body: { limits } })).status).toBe(200);
    const chat = (cookie: string, body: Record<string, unknown> = {}) =>
      h.json('POST', '/api/chat', { cookie, body: { message: 'Hello there', model: 'offline', ...body } });

    test('a-users-own-limit-wins-over-their-groups-and-a-groups-over-the-default', async () => {
      const [inGroup, own, neither] = [await h.signup(), await h.signup(), await h.signup()];
      const settings = await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { defaultLimits: { tokensPerDay: 0 } } });
      expect(settings.body.effectiveDefaultLimits.tokensPerDay).toBe(0);
      const group = await h.json('POST', '/api/admin/groups', {
        cookie: admin.cookie,
        body: { name: 'generous', members: [inGroup.id, own.id], limits: { tokensPerDay: 1_000_000 } },
      });
      expect(group.status).toBe(201);
      await limit(own.id, { tokensPerDay: 0 });
      try {
        expect((await chat(inGroup.cookie)).status).toBe(200);
        expect((await chat(own.cookie)).body.error.code).toBe('quota_exceeded');
        expect((await chat(neither.cookie)).body.error.code).toBe('quota_exceeded');
        const sources = async (cookie: string) => (await h.json('GET', '/api/usage', { cookie })).body.limits.tokensPerDay;
        expect(await sources(inGroup.cookie)).toMatchObject({ limit: 1_000_000, source: 'group' });
        expect(await sources(own.cookie)).toMatchObject({ limit: 0, source: 'user' });
        expect(await sources(neither.cookie)).toMatchObject({ limit: 0, source: 'default' });
      } finally {
        await h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { defaultLimits: null } });
      }
    });

    test('the-most-generous-of-a-users-groups-applies-and-only-to-members', async () => {
      const [member, outsider] = [await h.signup(), await h.signup()];
      const make = (name: string, limits: Record<string, number | null>, members: string[]) =>
        h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name, members, limits } });
      await make('tight', { tokensPerDay: 1, usdPerMonth: 5 }, [member.id]);
      await make('roomy', { tokensPerDay: 500_000, usdPerMonth: null }, [member.id]);
      await make('blocked', { tokensPerDay: 0 }, [outsider.id]);
      const mine = (await h.json('GET', '/api/usage', { cookie: member.cookie })).body.limits;
      expect(mine.tokensPerDay).toMatchObject({ limit: 500_000, source: 'group' });
      expect(mine.usdPerMonth).toMatchObject({ limit: null, source: 'group', remaining: null });
      expect((await chat(member.cookie)).status).toBe(200);
      const refused = await chat(outsider.cookie);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('quota_exceeded');
    });

    test('over-budget-is-refused-over-rest-websocket-v1-and-the-benchmark-with-when-it-resets', async () => {
      const user = await h.signup();
      await limit(user.id, { tokensPerDay: 0 });
      const before = await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.userId, user.id));

      const rest = await chat(user.cookie);
      expect(rest.status).toBe(429);
      const resetsAt = rest.body.error.details.resetsAt;
      expect(rest.body.error.details).toEqual({ quota: 'tokensPerDay', resetsAt });
      expect(new Date(resetsAt).toISOString()).toBe(`${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);
      expect(Number(rest.headers.get('retry-after'))).toBe(Math.ceil((Date.parse(resetsAt) - Date.now()) / 1000));

      const ws = await TestSocket.open(`ws://${baseUrl}/ws/chat`, { cookie: user.cookie });
      try {
        const requestId = `q-${crypto.randomUUID()}`;
        ws.send({ type: 'chat', requestId, message: 'Hello', model: 'offline' });
        expect(await ws.until(isEnd(requestId))).toMatchObject({ type: 'error', code: 'quota_exceeded' });
      } finally {
        await ws.close();
      }

      const key = (await h.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'sdk' } })).body.key;
      const client = new OpenAI({ apiKey: key, baseURL: `http://${baseUrl}/v1`, maxRetries: 2 });
      const err = await client.chat.completions.create({ model: MODEL, messages: MESSAGES }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.RateLimitError);
      expect(err.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
      expect(err.headers.get('x-should-retry')).toBe('false');

      const bench = await h.json('POST', '/api/benchmark', { cookie: user.cookie, body: { prompt: 'Hi', models: ['offline', MODEL] } });
      expect(bench.body.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual(['quota_exceeded', 'quota_exceeded']);

      const conversations = await h.json('GET', '/api/conversations', { cookie: user.cookie });
      expect(conversations.body.items).toHaveLength(0);
      expect(await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.userId, user.id))).toEqual(before);
    });

    test('get-api-usage-matches-what-was-charged-titles-and-streams-included', async () => {
      const user = await h.signup();
      await limit(user.id, { tokensPerDay: 1_000_000, usdPerMonth: 100 });
      expect((await h.json('POST', '/api/chat', { cookie: user.cookie, body: { message: 'A first question', model: MODEL } })).status).toBe(
        200,
      );
      const stream = await completion(h, user.cookie, { stream: true, max_tokens: 500 });
      expect(await stream.text()).toContain('[DONE]');
      // The turn, its conversation's title and the streamed completion.
      const rows = await usageRows(h, user.id, 3);
      const tokens = rows.reduce((n, r) => n + r.promptTokens + r.completionTokens, 0);
      const usd = rows.reduce((n, r) => n + (r.costUsd ?? 0), 0);
      for (let i = 0; i < 200 && (await levelsOf(h, user.id)).tokens !== tokens; i++) await Bun.sleep(10);
      const charged = await levelsOf(h, user.id);
      expect(charged.tokens).toBe(tokens);
      expect(charged.usd!).toBeCloseTo(usd, 10);
      expect(charged.reserved).toBe(0);
      const mine = (await h.json('GET', '/api/usage', { cookie: user.cookie })).body;
      expect(mine.today).toMatchObject({ requests: 3, tokens });
      expect(mine.month.costUsd).toBeCloseTo(usd, 10);
      expect(mine.limits.tokensPerDay).toMatchObject({
        limit: 1_000_000,
        source: 'user',
        used: tokens,
        reserved: 0,
        remaining: 1_000_000 - tokens,
      });
      expect(mine.limits.usdPerMonth.used).toBeCloseTo(usd, 10);
      expect(mine.limits.usdPerMonth.remaining).toBeCloseTo(100 - usd, 10);
      expect(mine.limits.rpm).toEqual({ limit: null, source: 'default' });
    });

    test('a-streamed-turn-holds-its-estimate-and-is-charged-its-real-usage-when-it-ends', async () => {
      const user = await h.signup();
      await limit(user.id, { tokensPerDay: 10_000 });
      upstream.configure({ tps: 50, tokens: 30 });
      try {
        const res = await completion(h, user.cookie, { stream: true, max_tokens: 2_000 });
        const reader = res.body!.getReader();
        await reader.read();
        const during = (await h.json('GET', '/api/usage', { cookie: user.cookie })).body.limits.tokensPerDay;
        expect(during.reserved).toBe(PROMPT_TOKENS + 2_000);
        while (!(await reader.read()).done);
      } finally {
        upstream.configure({ tps: 0, tokens: 12 });
      }
      const [row] = await usageRows(h, user.id, 1);
      for (let i = 0; i < 200 && (await levelsOf(h, user.id)).reserved !== 0; i++) await Bun.sleep(10);
      expect(await levelsOf(h, user.id)).toEqual({ tokens: row.promptTokens + row.completionTokens, usd: undefined, reserved: 0 });
      expect(row.completionTokens).toBe(30);
    });
  });
}
