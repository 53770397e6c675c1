import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`/api/admin/settings on ${backend.name}`, () => {
    let h: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    let user: Awaited<ReturnType<Harness['signup']>>;
    beforeAll(async () => {
      h = createHarness(await backend.open(), testConfig({ QUOTA_TOKENS_PER_DAY: '200000', RATE_LIMIT_RPM: '30' }));
      admin = await h.signup('root@example.com');
      user = await h.signup();
    });
    afterAll(() => backend.cleanup());
    const settings = (method = 'GET', body?: unknown, cookie = admin.cookie) => h.json(method, '/api/admin/settings', { cookie, body });
    const mine = async () => (await h.json('GET', '/api/usage', { cookie: user.cookie })).body.limits;

    test('answers-401-anonymous-and-403-to-a-non-admin', async () => {
      for (const method of ['GET', 'PATCH']) {
        expect((await h.json(method, '/api/admin/settings', { body: method === 'PATCH' ? {} : undefined })).status).toBe(401);
        const refused = await settings(method, method === 'PATCH' ? { defaultLimits: null } : undefined, user.cookie);
        expect(refused.status).toBe(403);
        expect(refused.body.error.code).toBe('forbidden');
      }
    });

    test('default-limits-set-at-runtime-override-the-environment-until-removed', async () => {
      expect((await settings()).body).toEqual({
        signup: 'open',
        defaultModel: null,
        defaultLimits: null,
        effectiveDefaultLimits: { rpm: 30, tpm: 100_000, tokensPerDay: 200_000, usdPerMonth: null },
      });
      const set = await settings('PATCH', { defaultLimits: { tokensPerDay: null, usdPerMonth: 2.5 } });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({
        signup: 'open',
        defaultModel: null,
        defaultLimits: { tokensPerDay: null, usdPerMonth: 2.5 },
        effectiveDefaultLimits: { rpm: 30, tpm: 100_000, tokensPerDay: null, usdPerMonth: 2.5 },
      });
      expect((await mine()).usdPerMonth).toMatchObject({ limit: 2.5, source: 'default', remaining: 2.5 });
      expect((await mine()).tokensPerDay).toMatchObject({ limit: null, remaining: null });
      const removed = await settings('PATCH', { defaultLimits: null });
      expect(removed.body.effectiveDefaultLimits).toEqual({ rpm: 30, tpm: 100_000, tokensPerDay: 200_000, usdPerMonth: null });
      expect((await mine()).tokensPerDay.limit).toBe(200_000);
      const entries = (await h.json('GET', '/api/admin/audit?action=settings.update', { cookie: admin.cookie })).body.entries;
      expect(entries.map((e: { details: unknown }) => e.details)).toEqual([
        { defaultLimits: { from: { tokensPerDay: null, usdPerMonth: 2.5 }, to: null } },
        { defaultLimits: { from: null, to: { tokensPerDay: null, usdPerMonth: 2.5 } } },
      ]);
    });

    test('bad-input-answers-400-and-changes-nothing', async () => {
      const before = (await settings()).body;
      for (const body of [
        { defaultLimits: { tokensPerDay: -1 } },
        { defaultLimits: { usdPerMonth: 1e9 } },
        { defaultLimits: 5 },
        { signup: 'sometimes' },
        { signup: true },
      ]) {
        const res = await settings('PATCH', body);
        expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status: 400, code: 'validation_error' });
      }
      expect((await settings()).body).toEqual(before);
    });
  });
}
