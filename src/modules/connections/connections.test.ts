import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { count } from 'drizzle-orm';
import OpenAI from 'openai';
import { auditLog, connections, conversations, modelSettings, settings } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, openaiErrorReply, startFakeUpstream } from '../../testing/fake-upstream';
import { isEnd, TestSocket } from '../../testing/test-socket';
import { suggestLocalServers } from './local-servers';

const OPENAI_KEY = 'sk-team-4f9c2b7e1d0a5566';
const ANTHROPIC_KEY = 'sk-ant-team-8e1f3a2b9c7d4411';
const ELSEWHERE = '00000000-0000-4000-8000-000000000000';

let openaiUp: FakeUpstream;
let anthropicUp: FakeUpstream;
beforeAll(async () => {
  openaiUp = await startFakeUpstream({ apiKey: OPENAI_KEY, models: ['gpt-4o-mini', 'text-embedding-3-small', 'team-model'], record: true });
  // Not key-checking: this SDK sends the key as a bearer token, where the fake looks for x-api-key.
  anthropicUp = await startFakeUpstream({ models: ['claude-fake'], record: true });
});
afterAll(async () => {
  await openaiUp.stop();
  await anthropicUp.stop();
});

type Who = { cookie: string; id: string; email: string };

/** Every route of this part, with a body a non-admin might send. */
const ADMIN_ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/api/admin/connections'],
  ['POST', '/api/admin/connections', { kind: 'openai', name: 'sneaky', apiKey: 'sk-sneaky-000000000' }],
  ['GET', '/api/admin/connections/suggestions'],
  ['PATCH', `/api/admin/connections/${ELSEWHERE}`, { enabled: false }],
  ['DELETE', `/api/admin/connections/${ELSEWHERE}`],
  ['POST', `/api/admin/connections/${ELSEWHERE}/test`],
  ['GET', '/api/admin/models'],
  ['PATCH', '/api/admin/models/offline', { displayName: 'Mine now' }],
  ['GET', '/api/admin/settings'],
  ['PATCH', '/api/admin/settings', { defaultModel: 'offline' }],
];

for (const tdb of testDatabases()) {
  describe(`admin connections on ${tdb.name}`, () => {
    let h: Harness;
    let admin: Who;
    let user: Who;
    let sdk: OpenAI;
    let wsUrl: string;
    const sockets: TestSocket[] = [];

    beforeAll(async () => {
      h = createHarness(await tdb.open(), testConfig());
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      wsUrl = `ws://127.0.0.1:${h.app.server!.port}/ws/chat`;
      admin = await h.signup('admin@example.com');
      user = await h.signup('user@example.com');
      const key = (await h.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'sdk' } })).body.key;
      sdk = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${h.app.server!.port}/v1`, maxRetries: 0 });
    });
    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await h.app.stop(true);
      await tdb.cleanup();
    });

    const asAdmin = (method: string, path: string, body?: unknown) => h.json(method, path, { cookie: admin.cookie, body });
    const modelIds = async (cookie = user.cookie) =>
      (await h.json('GET', '/api/models', { cookie })).body.models.map((m: { id: string }) => m.id) as string[];
    const chat = (model: string, cookie = user.cookie) => h.json('POST', '/api/chat', { cookie, body: { model, message: 'Hello there' } });
    const wsTurn = async (model: string) => {
      const ws = await TestSocket.open(wsUrl, { cookie: user.cookie });
      sockets.push(ws);
      const requestId = crypto.randomUUID();
      ws.send({ type: 'chat', requestId, message: 'Hello over the socket', model });
      return ws.until(isEnd(requestId));
    };
    const tableCounts = async () => {
      const db = h.ctx.database.db;
      const n = async (table: typeof connections | typeof modelSettings | typeof settings | typeof auditLog) =>
        (await db.select({ n: count() }).from(table))[0].n;
      return { connections: await n(connections), models: await n(modelSettings), settings: await n(settings), audit: await n(auditLog) };
    };

    test('every-admin-route-answers-401-anonymous-and-403-to-a-non-admin-and-changes-nothing', async () => {
      const before = await tableCounts();
      for (const [method, path, body] of ADMIN_ROUTES) {
        const anonymous = await h.json(method, path, { body });
        expect({ method, path, status: anonymous.status, code: anonymous.body.error.code }).toEqual({
          method,
          path,
          status: 401,
          code: 'unauthorized',
        });
        const refused = await h.json(method, path, { cookie: user.cookie, body });
        expect({ method, path, status: refused.status, code: refused.body.error.code }).toEqual({
          method,
          path,
          status: 403,
          code: 'forbidden',
        });
      }
      expect(await tableCounts()).toEqual(before);
    });

    test('an-openai-connection-added-through-the-api-serves-the-next-turn-over-rest-websocket-and-v1', async () => {
      expect(await modelIds()).not.toContain('team/gpt-4o-mini');
      const created = await asAdmin('POST', '/api/admin/connections', {
        kind: 'openai',
        name: 'team',
        baseUrl: `${openaiUp.url}/v1`,
        apiKey: OPENAI_KEY,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ kind: 'openai', name: 'team', enabled: true, source: 'admin', readOnly: false });
      expect(created.body.apiKeyMasked).toBe(`sk-…${OPENAI_KEY.slice(-4)}`);
      expect(created.body).not.toHaveProperty('apiKey');

      const listed = await modelIds();
      expect(listed).toEqual(expect.arrayContaining(['team/gpt-4o-mini', 'team/team-model']));
      expect(listed).not.toContain('team/text-embedding-3-small');

      openaiUp.reset();
      const rest = await chat('team/gpt-4o-mini');
      expect(rest.status).toBe(200);
      expect(rest.body.message.model).toBe('team/gpt-4o-mini');
      expect(rest.body.message.content.length).toBeGreaterThan(0);
      const upstreamCall = openaiUp.requests.find((r) => r.path === '/v1/chat/completions')!;
      expect(upstreamCall.headers.get('authorization')).toBe(`Bearer ${OPENAI_KEY}`);
      expect(upstreamCall.body).toMatchObject({ model: 'gpt-4o-mini' });

      const done = await wsTurn('team/team-model');
      expect(done.type).toBe('done');

      const completion = await sdk.chat.completions.create({ model: 'team/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
      expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);
      const v1Models = [];
      for await (const m of sdk.models.list()) v1Models.push(m.id);
      expect(v1Models).toContain('team/gpt-4o-mini');
    });

    test('an-anthropic-connection-added-through-the-api-serves-rest-and-v1', async () => {
      const created = await asAdmin('POST', '/api/admin/connections', {
        kind: 'anthropic',
        name: 'claude-team',
        baseUrl: anthropicUp.url,
        apiKey: ANTHROPIC_KEY,
      });
      expect(created.status).toBe(201);
      expect(await modelIds()).toContain('claude-team/claude-fake');
      anthropicUp.reset();
      const rest = await chat('claude-team/claude-fake');
      expect(rest.status).toBe(200);
      expect(rest.body.message.model).toBe('claude-team/claude-fake');
      const sent = anthropicUp.requests.find((r) => r.path === '/v1/messages')!;
      expect([sent.headers.get('x-api-key'), sent.headers.get('authorization')]).toContain(
        sent.headers.has('x-api-key') ? ANTHROPIC_KEY : `Bearer ${ANTHROPIC_KEY}`,
      );
      expect(sent.body).toMatchObject({ model: 'claude-fake' });
      const completion = await sdk.chat.completions.create({
        model: 'claude-team/claude-fake',
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(completion.choices[0].message.content?.length).toBeGreaterThan(0);
      expect(completion.model).toBe('claude-team/claude-fake');
    });

    test('a-disabled-or-deleted-connection-no-longer-serves', async () => {
      const created = await asAdmin('POST', '/api/admin/connections', {
        kind: 'openai-compatible',
        name: 'lab',
        baseUrl: `${openaiUp.url}/v1`,
        apiKey: OPENAI_KEY,
      });
      expect(created.status).toBe(201);
      expect((await chat('lab/team-model')).status).toBe(200);

      const disabled = await asAdmin('PATCH', `/api/admin/connections/${created.body.id}`, { enabled: false });
      expect(disabled.body.enabled).toBe(false);
      expect((await modelIds()).filter((id) => id.startsWith('lab/'))).toEqual([]);
      const conversationsBefore = (await h.ctx.database.db.select({ n: count() }).from(conversations))[0].n;
      const refused = await chat('lab/team-model');
      expect([refused.status, refused.body.error.code]).toEqual([400, 'unknown_model']);
      expect((await h.ctx.database.db.select({ n: count() }).from(conversations))[0].n).toBe(conversationsBefore);
      const v1 = await sdk.chat.completions.create({ model: 'lab/team-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
      expect(v1).toBeInstanceOf(OpenAI.NotFoundError);
      expect(v1.error).toMatchObject({ code: 'model_not_found' });

      await asAdmin('PATCH', `/api/admin/connections/${created.body.id}`, { enabled: true });
      expect((await chat('lab/team-model')).status).toBe(200);

      const deleted = await asAdmin('DELETE', `/api/admin/connections/${created.body.id}`);
      expect(deleted.status).toBe(200);
      expect((await modelIds()).filter((id) => id.startsWith('lab/'))).toEqual([]);
      expect((await chat('lab/team-model')).body.error.code).toBe('unknown_model');
      expect((await asAdmin('DELETE', `/api/admin/connections/${created.body.id}`)).status).toBe(404);
    });

    test('a-new-key-serves-the-next-turn-after-the-old-one-was-refused', async () => {
      const created = await asAdmin('POST', '/api/admin/connections', {
        kind: 'openai',
        name: 'rekeyed',
        baseUrl: `${openaiUp.url}/v1`,
        apiKey: 'sk-wrong-000000000000',
      });
      // The fake lists models to anyone; an upstream that checks keys there refuses this one.
      openaiUp.script('/v1/models', openaiErrorReply(401, 'Incorrect API key provided: sk-wrong-000000000000'));
      const failed = await asAdmin('POST', `/api/admin/connections/${created.body.id}/test`);
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ ok: false, models: [], error: { code: 'upstream_auth_failed' } });
      expect(failed.body.error.message).toBe(
        "The model provider refused this server's credentials. Pick another model, or ask an administrator to check the key.",
      );
      expect(JSON.stringify(failed.body)).not.toContain('sk-wrong');
      // The refused key takes the deployment out of rotation: the turn falls back to the offline model.
      expect((await chat('rekeyed/gpt-4o-mini')).body.message.model).toBe('offline');

      await asAdmin('PATCH', `/api/admin/connections/${created.body.id}`, { apiKey: OPENAI_KEY });
      const passed = await asAdmin('POST', `/api/admin/connections/${created.body.id}/test`);
      expect(passed.body).toMatchObject({ ok: true, models: ['gpt-4o-mini', 'team-model'] });
      expect(passed.body.latencyMs).toBeGreaterThanOrEqual(0);
      const answered = await chat('rekeyed/gpt-4o-mini');
      expect(answered.body.message.model).toBe('rekeyed/gpt-4o-mini');
    });

    test('a-renamed-connection-serves-under-its-new-name-and-keeps-its-models-settings', async () => {
      const created = await asAdmin('POST', '/api/admin/connections', {
        kind: 'openai',
        name: 'before',
        baseUrl: `${openaiUp.url}/v1`,
        apiKey: OPENAI_KEY,
      });
      await asAdmin('PATCH', `/api/admin/models/${encodeURIComponent('before/team-model')}`, { displayName: 'Team model' });
      await asAdmin('PATCH', `/api/admin/connections/${created.body.id}`, { name: 'after' });
      const ids = await modelIds();
      expect(ids).toContain('after/team-model');
      expect(ids.filter((id) => id.startsWith('before/'))).toEqual([]);
      const models = (await h.json('GET', '/api/models', { cookie: user.cookie })).body.models;
      expect(models.find((m: { id: string }) => m.id === 'after/team-model').displayName).toBe('Team model');
      expect((await chat('after/team-model')).status).toBe(200);
    });

    test('bad-input-gets-a-4xx-in-the-one-error-shape-and-changes-nothing', async () => {
      const existing = (await asAdmin('GET', '/api/admin/connections')).body.find((c: { name: string }) => c.name === 'team');
      const before = await tableCounts();
      const SECRET = 'sk-never-echo-5566778899';
      const cases: [method: string, path: string, body: unknown, status: number, code: string][] = [
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'team', apiKey: SECRET }, 409, 'connection_name_taken'],
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'openai', apiKey: SECRET }, 409, 'connection_name_taken'],
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'nokey' }, 400, 'validation_error'],
        ['POST', '/api/admin/connections', { kind: 'openai-compatible', name: 'nourl', apiKey: SECRET }, 400, 'validation_error'],
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'Bad Name', apiKey: SECRET }, 400, 'validation_error'],
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'badurl', baseUrl: 'ftp://x', apiKey: SECRET }, 400, 'validation_error'],
        ['POST', '/api/admin/connections', { kind: 'gemini', name: 'other', apiKey: SECRET }, 400, 'validation_error'],
        ['POST', '/api/admin/connections', { kind: 'openai', name: 'spaced', apiKey: `${SECRET} x` }, 400, 'validation_error'],
        ['PATCH', `/api/admin/connections/${existing.id}`, { name: 'claude-team' }, 409, 'connection_name_taken'],
        ['PATCH', `/api/admin/connections/${existing.id}`, { apiKey: null }, 400, 'validation_error'],
        ['PATCH', `/api/admin/connections/${existing.id}`, { kind: 'openai-compatible', baseUrl: null }, 400, 'validation_error'],
        ['PATCH', `/api/admin/connections/${ELSEWHERE}`, { enabled: false }, 404, 'not_found'],
        ['PATCH', '/api/admin/connections/not-a-uuid', { enabled: false }, 404, 'not_found'],
        ['POST', `/api/admin/connections/${ELSEWHERE}/test`, undefined, 404, 'not_found'],
        ['POST', '/api/admin/connections/env:openai/test', undefined, 404, 'not_found'],
      ];
      for (const [method, path, body, status, code] of cases) {
        const res = await asAdmin(method, path, body);
        expect({ path, body, status: res.status, code: res.body.error?.code }).toEqual({ path, body, status, code });
        expect(typeof res.body.error.message).toBe('string');
        expect(JSON.stringify(res.body)).not.toContain(SECRET);
      }
      expect(await tableCounts()).toEqual(before);
      expect((await asAdmin('GET', '/api/admin/connections')).body.find((c: { id: string }) => c.id === existing.id)).toEqual(existing);
    });

    test('changes-are-audited-with-what-changed-and-never-the-key', async () => {
      const entries = (await asAdmin('GET', '/api/admin/audit?action=connection.')).body.entries as {
        action: string;
        actorEmail: string;
        details: unknown;
      }[];
      expect(new Set(entries.map((e) => e.action))).toEqual(new Set(['connection.create', 'connection.update', 'connection.delete']));
      expect(entries.every((e) => e.actorEmail === admin.email)).toBe(true);
      const rekey = entries.find((e) => e.action === 'connection.update' && JSON.stringify(e.details).includes('replaced'));
      expect(rekey?.details).toMatchObject({ name: 'rekeyed', changes: { apiKey: 'replaced' } });
      for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, 'sk-wrong-000000000000']) expect(JSON.stringify(entries)).not.toContain(secret);
    });

    test('a-connection-its-upstream-refuses-falls-back-and-the-upstream-words-never-reach-the-user', async () => {
      // Its own path on the fake, so no other request (a background title) takes the scripted refusal.
      openaiUp.always('/refused/v1/chat/completions', openaiErrorReply(401, `Incorrect API key provided: ${OPENAI_KEY}`));
      await asAdmin('POST', '/api/admin/connections', {
        kind: 'openai',
        name: 'refused',
        baseUrl: `${openaiUp.url}/refused/v1`,
        apiKey: OPENAI_KEY,
      });
      const res = await chat('refused/gpt-4o-mini');
      expect(res.status).toBe(200);
      expect(res.body.message.model).toBe('offline');
      expect(JSON.stringify(res.body)).not.toContain(OPENAI_KEY);
    });
  });
}

describe('environment providers as connections', () => {
  const pglite = testDatabases()[0];
  let h: Harness;
  let upstream: FakeUpstream;
  let admin: Who;
  const envKey = 'sk-env-1234567890abcd';
  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: envKey, models: ['gpt-4o-mini'] });
    h = createHarness(await pglite.open(), testConfig({ OPENAI_API_KEY: envKey, OPENAI_BASE_URL: `${upstream.url}/v1` }));
    admin = await h.signup();
  });
  afterAll(async () => {
    await upstream.stop();
    await pglite.cleanup();
  });

  test('are-listed-read-only-with-the-key-masked-and-refuse-changes', async () => {
    const list = await h.json('GET', '/api/admin/connections', { cookie: admin.cookie });
    expect(list.body).toEqual([
      {
        id: 'env:openai',
        kind: 'openai',
        name: 'openai',
        baseUrl: `${upstream.url}/v1`,
        apiKeyMasked: 'sk-…abcd',
        enabled: true,
        source: 'environment',
        readOnly: true,
        createdAt: null,
        updatedAt: null,
      },
    ]);
    for (const [method, body] of [
      ['PATCH', { enabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const res = await h.json(method, '/api/admin/connections/env:openai', { cookie: admin.cookie, body });
      expect([res.status, res.body.error.code]).toEqual([409, 'connection_read_only']);
    }
    const tested = await h.json('POST', '/api/admin/connections/env:openai/test', { cookie: admin.cookie });
    expect(tested.body).toMatchObject({ ok: true, models: ['gpt-4o-mini'] });
  });
});

describe('local server suggestions', () => {
  test('offer-the-servers-that-answer-with-their-models-and-skip-those-already-connected', async () => {
    const ollama = await startFakeUpstream({ models: ['llama3.2:3b', 'qwen2.5:7b'] });
    try {
      const servers = [
        { name: 'ollama', label: 'Ollama', baseUrl: `${ollama.url}/v1` },
        { name: 'lm-studio', label: 'LM Studio', baseUrl: 'http://127.0.0.1:9/v1' },
      ];
      expect(await suggestLocalServers([], servers)).toEqual([
        { kind: 'openai-compatible', name: 'ollama', label: 'Ollama', baseUrl: `${ollama.url}/v1`, models: ['llama3.2:3b', 'qwen2.5:7b'] },
      ]);
      expect(await suggestLocalServers([`${ollama.url.replace('127.0.0.1', 'localhost')}/v1/`], servers)).toEqual([]);
    } finally {
      await ollama.stop();
    }
  });

  test('the-route-answers-an-admin-with-the-suggestion-shape', async () => {
    const pglite = testDatabases()[0];
    try {
      const h = createHarness(await pglite.open());
      const admin = await h.signup();
      const res = await h.json('GET', '/api/admin/connections/suggestions', { cookie: admin.cookie });
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.suggestions)).toBe(true);
    } finally {
      await pglite.cleanup();
    }
  });
});
