import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { usageLogs, users } from '../../db/schema';
import type { UsageEvent } from '../../infra/bus/types';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { insertUsageBatch } from './batcher';

type User = Awaited<ReturnType<Harness['signup']>>;
interface Totals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
  costUsd: number;
}

const FROM = '2026-03-10T12:00:00.000Z';
const TO = '2026-03-12T06:00:00.000Z';
// Both ends fall inside a day, so the report reads whole days from usage_daily and both partial days from usage_logs.
const TIMES = [
  '2026-03-10T11:59:59.999Z',
  '2026-03-10T12:00:00.000Z',
  '2026-03-10T23:59:59.999Z',
  '2026-03-11T00:00:00.000Z',
  '2026-03-11T13:30:00.000Z',
  '2026-03-12T05:59:59.999Z',
  '2026-03-12T06:00:00.000Z',
  '2026-03-13T09:00:00.000Z',
];
const MODELS = ['openai/gpt-4o-mini', 'anthropic/claude-haiku-4-5', 'offline'];

for (const backend of testDatabases()) {
  describe(`/api/admin/usage on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    let ann: User;
    let bob: User;
    let formula: string;
    let groupIds: { both: string; bobs: string };
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      ann = await h.signup('ann@example.com');
      bob = await h.signup('bob@example.com');
      [{ id: formula }] = await h.ctx.database.db.insert(users).values({ email: '=sum(a1)@example.com', passwordHash: '-' }).returning();
      const group = async (name: string, members: string[]) =>
        (await h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name, members } })).body.id as string;
      groupIds = { both: await group('both', [ann.id, bob.id]), bobs: await group('bobs, "quoted"', [bob.id]) };
      const events: UsageEvent[] = [];
      let n = 0;
      for (const at of TIMES)
        for (const userId of [ann.id, bob.id, formula])
          for (const model of MODELS) {
            n++;
            events.push({
              requestId: `r-${n}`,
              userId,
              model,
              provider: model.split('/')[0],
              promptTokens: 10 + (n % 7),
              completionTokens: 20 + (n % 5),
              latencyMs: 5,
              status: n % 11 === 0 ? 'error' : 'ok',
              costUsd: model === 'offline' ? null : 0.0001 * (n % 3),
              at,
            });
          }
      // Three inserts, one a redelivery, as the batcher may write them.
      await insertUsageBatch(h.ctx.database.db, events.slice(0, 30));
      await insertUsageBatch(h.ctx.database.db, events.slice(20));
    });
    afterAll(() => backend.cleanup());

    const report = (query: string, who = admin) => h.json('GET', `/api/admin/usage?${query}`, { cookie: who.cookie });

    /** The same totals summed straight from usage_logs. */
    async function fromRows(from: string, to: string, userIds?: string[]): Promise<Totals> {
      const [row] = await h.ctx.database.rows<Record<string, number>>(sql`
        select count(*)::float8 as requests, coalesce(sum(prompt_tokens), 0)::float8 as p, coalesce(sum(completion_tokens), 0)::float8 as c,
          coalesce(sum(cost_usd::float8), 0)::float8 as usd
        from usage_logs where created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz
          and (${
            userIds
              ? sql`user_id in (${sql.join(
                  userIds.map((u) => sql`${u}::uuid`),
                  sql`, `,
                )})`
              : sql`true`
          })`);
      return { requests: row.requests, promptTokens: row.p, completionTokens: row.c, tokens: row.p + row.c, costUsd: row.usd };
    }
    const sum = (rows: Totals[]): Totals =>
      rows.reduce(
        (a, r) => ({
          requests: a.requests + r.requests,
          promptTokens: a.promptTokens + r.promptTokens,
          completionTokens: a.completionTokens + r.completionTokens,
          tokens: a.tokens + r.tokens,
          costUsd: a.costUsd + r.costUsd,
        }),
        { requests: 0, promptTokens: 0, completionTokens: 0, tokens: 0, costUsd: 0 },
      );
    /** Equal totals; costs are summed in a different order, so they match to a nano-dollar. */
    const same = (a: Totals, b: Totals) => {
      const counts = (t: Totals) => ({
        requests: t.requests,
        promptTokens: t.promptTokens,
        completionTokens: t.completionTokens,
        tokens: t.tokens,
      });
      expect(counts(a)).toEqual(counts(b));
      expect(a.costUsd).toBeCloseTo(b.costUsd, 9);
    };

    test('answers-401-anonymous-and-403-to-a-non-admin', async () => {
      expect((await h.json('GET', '/api/admin/usage')).status).toBe(401);
      const refused = await report('groupBy=model', ann);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await h.json('GET', '/api/usage')).status).toBe(401);
    });

    test('totals-equal-the-usage-logs-rows-for-every-grouping-and-partial-days', async () => {
      const expected = await fromRows(FROM, TO);
      expect(expected.requests).toBe(5 * 3 * 3);
      for (const groupBy of ['user', 'model', 'day', 'group']) {
        const res = await report(`from=${FROM}&to=${TO}&groupBy=${groupBy}`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ from: FROM, to: TO, groupBy });
        same(res.body.totals, expected);
        if (groupBy !== 'group') same(sum(res.body.rows), expected);
      }
      const days = (await report(`from=${FROM}&to=${TO}&groupBy=day`)).body.rows;
      expect(days.map((r: { key: string; requests: number }) => [r.key, r.requests])).toEqual([
        ['2026-03-10', 18],
        ['2026-03-11', 18],
        ['2026-03-12', 9],
      ]);
    });

    test('grouped-by-group-counts-each-member-in-each-of-their-groups', async () => {
      const byGroup = (await report(`from=${FROM}&to=${TO}&groupBy=group`)).body.rows;
      const row = (key: string | null) => byGroup.find((r: { key: string | null }) => r.key === key);
      same(row(groupIds.both), await fromRows(FROM, TO, [ann.id, bob.id]));
      same(row(groupIds.bobs), await fromRows(FROM, TO, [bob.id]));
      same(row(null), await fromRows(FROM, TO, [formula, admin.id]));
      expect(row(groupIds.bobs).label).toBe('bobs, "quoted"');
      const byUser = (await report(`from=${FROM}&to=${TO}&groupBy=user`)).body.rows;
      expect(byUser.map((r: { label: string }) => r.label).sort()).toEqual(['=sum(a1)@example.com', 'ann@example.com', 'bob@example.com']);
    });

    test('dates-mean-whole-utc-days-and-the-default-range-is-this-month', async () => {
      same(
        (await report('from=2026-03-10&to=2026-03-13&groupBy=model')).body.totals,
        await fromRows('2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z'),
      );
      const month = (await report('groupBy=model')).body;
      expect(month.from).toBe(`${new Date().toISOString().slice(0, 7)}-01T00:00:00.000Z`);
      expect(month.totals.requests).toBe(0);
    });

    test('csv-export-has-the-rows-and-its-cells-cannot-run-as-formulas', async () => {
      const res = await h.request('GET', `/api/admin/usage?from=${FROM}&to=${TO}&groupBy=group&format=csv`, { cookie: admin.cookie });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/csv');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="usage-by-group-2026-03-10-2026-03-12.csv"');
      const lines = (await res.text()).trimEnd().split('\r\n');
      expect(lines[0]).toBe('key,label,requests,prompt_tokens,completion_tokens,tokens,cost_usd');
      expect(lines).toHaveLength(4);
      expect(lines).toContainEqual(expect.stringContaining(`${groupIds.bobs},"bobs, ""quoted""",`));
      const users = await (await h.request('GET', `/api/admin/usage?from=${FROM}&to=${TO}&format=csv`, { cookie: admin.cookie })).text();
      expect(users).toContain(`${formula},'=sum(a1)@example.com,`);
    });

    test('bad-queries-answer-400-in-the-one-error-shape', async () => {
      for (const [query, code] of [
        ['groupBy=team', 'validation_error'],
        ['format=xml', 'validation_error'],
        ['from=yesterday', 'validation_error'],
        [`from=${TO}&to=${FROM}`, 'invalid_range'],
        ['from=2026-03-10&to=2026-03-10', 'invalid_range'],
      ]) {
        const res = await report(query);
        expect({ query, status: res.status, code: res.body.error.code }).toEqual({ query, status: 400, code });
      }
    });

    test('daily-sums-stay-equal-to-usage-logs-through-deletes', async () => {
      const db = h.ctx.database.db;
      const everything = { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' };
      await db.delete(usageLogs).where(eq(usageLogs.requestId, 'r-5'));
      await db.delete(users).where(eq(users.id, formula));
      const res = await report(`from=2026-01-01&to=2026-12-31&groupBy=day`);
      same(res.body.totals, await fromRows(everything.from, everything.to));
      same(sum(res.body.rows), await fromRows(everything.from, everything.to));
      const [{ n }] = await h.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from usage_daily where user_id = ${formula}`);
      expect(n).toBe(0);
    });
  });
}
