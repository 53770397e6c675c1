import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { count, eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { conversations, groupMembers, groups, modelSettings, usageLogs } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, openaiErrorReply, startFakeUpstream } from '../../testing/fake-upstream';
import { isEnd, TestSocket } from '../../testing/test-socket';

type Who = { cookie: string; id: string; email: string };
type Listed = { id: string; provider: string };

for (const tdb of testDatabases()) {
  describe(`model administration on ${tdb.name}`, () => {
    let h: Harness;
    let admin: Who;
    let insider: Who;
    let outsider: Who;
    let wsUrl: string;
    let v1Base: string;
    let upstream: FakeUpstream;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
      upstream = await startFakeUpstream({ tokens: 8 });
      h = createHarness(
        await tdb.open(),
        testConfig({
          OPENAI_API_KEY: 'sk-test-openai-000000',
          OPENAI_BASE_URL: `${upstream.url}/openai/v1`,
          ANTHROPIC_API_KEY: 'sk-ant-test-000000',
          ANTHROPIC_BASE_URL: `${upstream.url}/anthropic`,
        }),
      );
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      wsUrl = `ws://127.0.0.1:${h.app.server!.port}/ws/chat`;
      v1Base = `http://127.0.0.1:${h.app.server!.port}/v1`;
      admin = await h.signup('boss@example.com');
      insider = await h.signup('researcher@example.com');
      outsider = await h.signup('visitor@example.com');
      const [research] = await h.ctx.database.db.insert(groups).values({ name: 'research' }).returning();
      await h.ctx.database.db.insert(groupMembers).values({ groupId: research.id, userId: insider.id });
    });
    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await h.app.stop(true);
      await upstream.stop();
      await tdb.cleanup();
    });

    const asAdmin = (method: string, path: string, body?: unknown) => h.json(method, path, { cookie: admin.cookie, body });
    const patchModel = (id: string, body: unknown) => asAdmin('PATCH', `/api/admin/models/${encodeURIComponent(id)}`, body);
    const listed = async (who: Who) =>
      (await h.json('GET', '/api/models', { cookie: who.cookie })).body as { default: string; models: Listed[] };
    const ids = async (who: Who) => (await listed(who)).models.map((m) => m.id);
    const chat = (who: Who, model?: string) => h.json('POST', '/api/chat', { cookie: who.cookie, body: { model, message: 'Hello' } });
    const sdkFor = async (who: Who) => {
      const key = (await h.json('POST', '/api/keys', { cookie: who.cookie, body: { name: 'sdk' } })).body.key;
      return new OpenAI({ apiKey: key, baseURL: v1Base, maxRetries: 0 });
    };
    const v1Ids = async (sdk: OpenAI) => {
      const out: string[] = [];
      for await (const m of sdk.models.list()) out.push(m.id);
      return out;
    };
    const conversationCount = async (who: Who) =>
      (await h.ctx.database.db.select({ n: count() }).from(conversations).where(eq(conversations.userId, who.id)))[0].n;

    test('lists-every-model-with-provider-enabled-access-price-and-the-default', async () => {
      const res = await asAdmin('GET', '/api/admin/models');
      expect(res.status).toBe(200);
      const byId = new Map(res.body.models.map((m: { id: string }) => [m.id, m]));
      expect(byId.get('gpt-4o-mini')).toMatchObject({
        provider: 'openai',
        kind: 'openai',
        displayName: null,
        enabled: true,
        access: null,
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
        priceSource: 'list',
        isDefault: true,
      });
      expect(byId.get('claude-haiku-4-5')).toMatchObject({ provider: 'anthropic', isDefault: false });
      expect(byId.get('offline')).toMatchObject({ provider: 'offline', price: { inputPerMTok: 0, outputPerMTok: 0 } });
    });

    test('a-model-restricted-to-a-group-is-invisible-and-refused-to-others-everywhere-and-serves-its-members', async () => {
      const patched = await patchModel('gpt-4o-mini', { access: { groups: ['research'] }, displayName: 'Research mini' });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ id: 'gpt-4o-mini', access: { groups: ['research'] }, displayName: 'Research mini' });

      const seen = await listed(outsider);
      expect(seen.models.map((m) => m.id)).not.toContain('gpt-4o-mini');
      expect(seen.default).not.toBe('gpt-4o-mini');
      const before = await conversationCount(outsider);
      const refused = await chat(outsider, 'gpt-4o-mini');
      expect([refused.status, refused.body.error.code]).toEqual([403, 'model_forbidden']);
      expect(await conversationCount(outsider)).toBe(before);

      const ws = await TestSocket.open(wsUrl, { cookie: outsider.cookie });
      sockets.push(ws);
      const requestId = crypto.randomUUID();
      ws.send({ type: 'chat', requestId, message: 'Hello', model: 'gpt-4o-mini' });
      expect(await ws.until(isEnd(requestId))).toMatchObject({ type: 'error', code: 'model_forbidden' });

      const sdk = await sdkFor(outsider);
      expect(await v1Ids(sdk)).not.toContain('gpt-4o-mini');
      for (const stream of [false, true]) {
        const err = await sdk.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream })
          .catch((e) => e);
        expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
        expect(err.error).toMatchObject({ type: 'permission_error', code: 'model_forbidden' });
      }

      const bench = await h.json('POST', '/api/benchmark', {
        cookie: outsider.cookie,
        body: { prompt: 'Hi', models: ['gpt-4o-mini', 'offline'] },
      });
      expect(bench.body.results.map((r: { ok: boolean; error?: { code: string } }) => r.error?.code ?? r.ok)).toEqual([
        'model_forbidden',
        true,
      ]);

      expect(await ids(insider)).toContain('gpt-4o-mini');
      expect((await listed(insider)).models.find((m) => m.id === 'gpt-4o-mini')).toMatchObject({ displayName: 'Research mini' });
      const served = await chat(insider, 'gpt-4o-mini');
      expect(served.status).toBe(200);
      expect(served.body.message.model).toBe('openai/gpt-4o-mini');
      const insiderSdk = await sdkFor(insider);
      expect(await v1Ids(insiderSdk)).toContain('gpt-4o-mini');
      const completion = await insiderSdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
      expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);
    });

    test('a-role-grants-a-restricted-model-and-an-admin-gets-nothing-by-default', async () => {
      expect((await chat(admin, 'gpt-4o-mini')).body.error.code).toBe('model_forbidden');
      await patchModel('gpt-4o-mini', { access: { roles: ['admin'], groups: ['research'] } });
      expect((await chat(admin, 'gpt-4o-mini')).body.message.model).toBe('openai/gpt-4o-mini');
      expect((await chat(outsider, 'gpt-4o-mini')).body.error.code).toBe('model_forbidden');
    });

    test('a-disabled-model-is-listed-nowhere-and-refused-to-everyone', async () => {
      await patchModel('gpt-4.1', { enabled: false });
      for (const who of [admin, insider, outsider]) expect(await ids(who)).not.toContain('gpt-4.1');
      expect((await asAdmin('GET', '/api/admin/models')).body.models.find((m: Listed) => m.id === 'gpt-4.1')).toMatchObject({
        enabled: false,
      });
      const refused = await chat(admin, 'gpt-4.1');
      expect([refused.status, refused.body.error.code]).toEqual([400, 'unknown_model']);
      await patchModel('gpt-4.1', { enabled: true });
      expect(await ids(outsider)).toContain('gpt-4.1');
    });

    test('an-admin-price-feeds-the-usage-cost-of-the-next-call', async () => {
      const priced = await patchModel('gpt-4o', { price: { inputPerMTok: 1000, outputPerMTok: 2000 } });
      expect(priced.body).toMatchObject({ price: { inputPerMTok: 1000, outputPerMTok: 2000 }, priceSource: 'admin' });
      const sdk = await sdkFor(outsider);
      const completion = await sdk.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Price me' }] });
      const { prompt_tokens: p, completion_tokens: c } = completion.usage!;
      const expected = (p * 1000 + c * 2000) / 1_000_000;
      let row: typeof usageLogs.$inferSelect | undefined;
      for (let i = 0; i < 200 && !row; i++) {
        [row] = await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.requestId, completion.id));
        if (!row) await Bun.sleep(20);
      }
      expect(row!.costUsd!).toBeCloseTo(expected, 6);
      const bench = await h.json('POST', '/api/benchmark', { cookie: outsider.cookie, body: { prompt: 'Price me', models: ['gpt-4o'] } });
      const [result] = bench.body.results;
      expect(result.costUsd).toBeCloseTo((result.usage.promptTokens * 1000 + result.usage.completionTokens * 2000) / 1_000_000, 9);
      await patchModel('gpt-4o', { price: null });
      expect((await asAdmin('GET', '/api/admin/models')).body.models.find((m: Listed) => m.id === 'gpt-4o')).toMatchObject({
        price: { inputPerMTok: 2.5, outputPerMTok: 10 },
        priceSource: 'list',
      });
    });

    test('the-default-model-an-admin-sets-applies-to-those-who-may-use-it-and-the-next-one-to-others', async () => {
      const set = await asAdmin('PATCH', '/api/admin/settings', { defaultModel: 'gpt-4o-mini' });
      expect(set.body).toMatchObject({ defaultModel: 'gpt-4o-mini' });
      expect((await asAdmin('GET', '/api/admin/settings')).body).toMatchObject({ defaultModel: 'gpt-4o-mini' });
      expect((await listed(insider)).default).toBe('gpt-4o-mini');
      const outsiderDefault = (await listed(outsider)).default;
      expect(outsiderDefault).not.toBe('gpt-4o-mini');
      const answered = await chat(outsider);
      expect(answered.status).toBe(200);
      expect(answered.body.message.model).toBe(`openai/${outsiderDefault}`);

      const unknown = await asAdmin('PATCH', '/api/admin/settings', { defaultModel: 'gpt-17' });
      expect([unknown.status, unknown.body.error.code]).toEqual([400, 'unknown_model']);
      expect((await asAdmin('PATCH', '/api/admin/settings', { defaultModel: null })).body).toMatchObject({ defaultModel: null });
    });

    test('bad-patches-get-a-4xx-in-the-one-error-shape-and-change-nothing', async () => {
      const before = await h.ctx.database.db.select().from(modelSettings);
      const cases: [id: string, body: unknown, status: number, code: string][] = [
        ['no-such-model', { enabled: false }, 404, 'not_found'],
        ['offline', { enabled: false }, 400, 'validation_error'],
        ['offline', { access: { roles: ['admin'] } }, 400, 'validation_error'],
        ['gpt-4o', { access: { groups: ['no-such-group'] } }, 400, 'validation_error'],
        ['gpt-4o', { access: { roles: ['owner'] } }, 400, 'validation_error'],
        ['gpt-4o', { price: { inputPerMTok: -1, outputPerMTok: 1 } }, 400, 'validation_error'],
        ['gpt-4o', { price: { inputPerMTok: 1 } }, 400, 'validation_error'],
        ['gpt-4o', { enabled: 'yes' }, 400, 'validation_error'],
        ['gpt-4o', { displayName: '' }, 400, 'validation_error'],
      ];
      for (const [id, body, status, code] of cases) {
        const res = await patchModel(id, body);
        expect({ id, body, status: res.status, code: res.body.error?.code }).toEqual({ id, body, status, code });
      }
      expect(await h.ctx.database.db.select().from(modelSettings)).toEqual(before);
    });

    test('model-and-settings-changes-are-audited-with-what-changed', async () => {
      const models = (await asAdmin('GET', '/api/admin/audit?action=model.update')).body.entries;
      const restricted = models.find((e: { target: string }) => e.target === 'model:gpt-4o-mini');
      expect(restricted).toMatchObject({ actorEmail: admin.email, details: { changes: { access: { to: { groups: ['research'] } } } } });
      const settings = (await asAdmin('GET', '/api/admin/audit?action=settings.update')).body.entries;
      expect(settings[0]).toMatchObject({ target: 'settings', details: { defaultModel: { from: 'gpt-4o-mini', to: null } } });
    });

    // Last: the refused key takes openai/gpt-4o-mini out of rotation for the rest of this harness.
    test('fallbacks-skip-a-model-the-caller-may-not-use', async () => {
      await patchModel('claude-haiku-4-5', { access: { roles: ['admin'] } });
      upstream.always('/openai/v1/chat/completions', openaiErrorReply(401, 'Incorrect API key provided.'));
      expect((await chat(insider, 'gpt-4o-mini')).body.message.model).toBe('offline');
      expect((await chat(admin, 'gpt-4o-mini')).body.message.model).toBe('anthropic/claude-haiku-4-5');
    });
  });
}
