import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import OpenAI from 'openai';
import { usageLogs } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { recordUsage } from '../usage/service';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ tokens: 12, models: ['gpt-4o-mini'] });
});
afterAll(() => upstream.stop());

async function usageRows(h: Harness, userId: string, count: number) {
  for (let i = 0; i < 200; i++) {
    const rows = await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.userId, userId));
    if (rows.length >= count) return rows;
    await Bun.sleep(20);
  }
  throw new Error(`expected ${count} usage rows`);
}

for (const tdb of testDatabases()) {
  describe(`/v1 on ${tdb.name}`, () => {
    let h: Harness;
    let client: OpenAI;
    let key: string;
    let userId: string;

    beforeAll(async () => {
      h = createHarness(
        await tdb.open(),
        testConfig({ OPENAI_API_KEY: 'sk-upstream-000000', OPENAI_BASE_URL: `${upstream.url}/v1`, RATE_LIMIT_RPM: '8' }),
      );
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      const user = await h.signup();
      userId = user.id;
      key = (await h.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'sdk' } })).body.key;
      client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${h.app.server!.port}/v1`, maxRetries: 0 });
    });
    afterAll(async () => {
      await h.app.stop(true);
      await tdb.cleanup();
    });

    test('non-streamed-completion-through-the-openai-client', async () => {
      const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi there' }] });
      expect(res.object).toBe('chat.completion');
      expect(res.choices[0].message.content!.length).toBeGreaterThan(0);
      expect(res.choices[0].finish_reason).toBe('stop');
      expect(res.usage!.completion_tokens).toBe(12);
    });

    test('streamed-completion-ends-with-usage-and-done', async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(finish).toBe('stop');
      expect(usage!.completion_tokens).toBe(12);
    });

    test('offline-model-and-model-list', async () => {
      const models = await client.models.list();
      expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(['gpt-4o-mini', 'offline']));
      const res = await client.chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'Hello' }] });
      expect(res.choices[0].message.content).toContain('offline model');
    });

    test('errors-use-the-openai-envelope', async () => {
      const bad = new OpenAI({ apiKey: 'cf_wrong', baseURL: client.baseURL, maxRetries: 0 });
      const unauthorized = await bad.models.list().catch((e) => e);
      expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
    });

    test('usage-logged-once-per-call-and-idempotent-by-request-id', async () => {
      const rows = await usageRows(h, userId, 3);
      expect(new Set(rows.map((r) => r.requestId)).size).toBe(rows.length);
      expect(rows.every((r) => r.promptTokens > 0 && r.completionTokens > 0)).toBe(true);
      const { id: _id, createdAt, ...row } = rows[0];
      await recordUsage(h.ctx.database.db, { ...row, at: createdAt.toISOString(), status: row.status } as never);
      expect(await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.userId, userId))).toHaveLength(rows.length);
    });

    test('usage-names-the-deployment-that-answered', async () => {
      const rows = await usageRows(h, userId, 3);
      expect(rows.map((r) => [r.model, r.provider, r.costUsd === null]).sort()).toEqual([
        ['offline', 'offline', false],
        ['openai/gpt-4o-mini', 'openai', false],
        ['openai/gpt-4o-mini', 'openai', false],
      ]);
    });

    test('client-disconnect-mid-stream-cancels-the-call', async () => {
      const before = (await usageRows(h, userId, 3)).length;
      upstream.configure({ tps: 5 });
      try {
        const abort = new AbortController();
        const res = await fetch(`${client.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Stream slowly' }], stream: true }),
          signal: abort.signal,
        });
        const reader = res.body!.getReader();
        let seen = '';
        while (!seen.includes('"content":"') || seen.includes('"content":""}'))
          seen = new TextDecoder().decode((await reader.read()).value);
        abort.abort();
        const rows = await usageRows(h, userId, before + 1);
        expect(rows.filter((r) => r.status === 'cancelled')).toHaveLength(1);
      } finally {
        upstream.configure({ tps: 0 });
      }
    });

    test('a-stream-whose-client-left-before-its-first-byte-is-logged-as-cancelled', async () => {
      const before = (await usageRows(h, userId, 4)).length;
      const port = h.app.server!.port!;
      const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Gone at once' }], stream: true });
      const request =
        `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: Bearer ${key}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
      const socket = await Bun.connect({ hostname: '127.0.0.1', port, socket: { data() {} } });
      socket.write(request);
      socket.end();
      const rows = await usageRows(h, userId, before + 1);
      expect(rows.filter((r) => r.status === 'cancelled')).toHaveLength(2);
    });

    test('parallel-requests-admit-exactly-the-limit-with-429-headers', async () => {
      const used = (await usageRows(h, userId, 3)).length;
      const remaining = 8 - used;
      const calls = Array.from({ length: 20 }, () =>
        fetch(`${client.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'offline', messages: [{ role: 'user', content: 'x' }] }),
        }),
      );
      const responses = await Promise.all(calls);
      expect(responses.filter((r) => r.status === 200)).toHaveLength(remaining);
      const refused = responses.filter((r) => r.status === 429);
      expect(refused).toHaveLength(20 - remaining);
      expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused[0].headers.get('x-ratelimit-remaining-requests')).toBe('0');
      expect(((await refused[0].json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    });
  });
}

/** What the OpenAI client raised, with the fields it read off OpenAI's error envelope. */
const raised = (e: unknown) => {
  const err = e as InstanceType<typeof OpenAI.APIError>;
  return {
    status: err.status,
    type: err.type,
    code: err.code,
    param: err.param,
    worded: typeof (err.error as { message?: unknown })?.message === 'string',
  };
};

for (const tdb of testDatabases()) {
  describe(`/v1 errors as OpenAI sends them on ${tdb.name}`, () => {
    let h: Harness;
    let baseURL: string;
    let key: string;
    /** A client whose requests the test rewrites on the way out, as a broken or hostile client would send them. */
    const clientSending = (rewrite: (init: RequestInit) => RequestInit = (init) => init) =>
      new OpenAI({ apiKey: key, baseURL, maxRetries: 0, fetch: (url, init) => fetch(url, rewrite(init ?? {})) });

    beforeAll(async () => {
      h = createHarness(await tdb.open());
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      const user = await h.signup();
      key = (await h.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'sdk' } })).body.key;
      baseURL = `http://127.0.0.1:${h.app.server!.port}/v1`;
    });
    afterAll(async () => {
      await h.app.stop(true);
      await tdb.cleanup();
    });

    test('an-unknown-model-is-openais-404-model-not-found', async () => {
      const client = clientSending();
      for (const stream of [false, true]) {
        const err = await client.chat.completions
          .create({ model: 'nope', messages: [{ role: 'user', content: 'x' }], stream })
          .catch((e) => e);
        expect(err).toBeInstanceOf(OpenAI.NotFoundError);
        expect(raised(err)).toEqual({ status: 404, type: 'invalid_request_error', code: 'model_not_found', param: null, worded: true });
      }
    });

    test('malformed-json-on-v1-answers-in-openais-envelope', async () => {
      const truncated = clientSending((init) => ({ ...init, body: String(init.body).slice(0, 10) }));
      const err = await truncated.chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(raised(err)).toEqual({ status: 400, type: 'invalid_request_error', code: 'invalid_body', param: null, worded: true });
    });

    test('every-refusal-on-v1-uses-openais-envelope', async () => {
      const asText = clientSending((init) => ({
        ...init,
        headers: { ...(init.headers as Record<string, string>), 'content-type': 'text/plain' },
      }));
      const deep = clientSending((init) => ({ ...init, body: `{"model":"offline","messages":${'['.repeat(100)}${']'.repeat(100)}}` }));
      const client = clientSending();
      const attempts = [
        await asText.chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e),
        await deep.chat.completions.create({ model: 'offline', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e),
        await client.models.list({ query: { q: 'a\u0000b' } }).catch((e) => e),
        await client.get('/nowhere').catch((e) => e),
      ];
      expect(attempts.map(raised)).toEqual([
        { status: 415, type: 'invalid_request_error', code: 'unsupported_media_type', param: null, worded: true },
        { status: 400, type: 'invalid_request_error', code: 'body_too_deep', param: null, worded: true },
        { status: 400, type: 'invalid_request_error', code: 'invalid_text', param: null, worded: true },
        { status: 404, type: 'invalid_request_error', code: 'not_found', param: null, worded: true },
      ]);
      expect(attempts[3]).toBeInstanceOf(OpenAI.NotFoundError);
    });
  });
}

for (const tdb of testDatabases()) {
  describe(`/v1 passthrough to an OpenAI-compatible upstream on ${tdb.name}`, () => {
    let h: Harness;
    let recorded: FakeUpstream;
    let client: OpenAI;
    let userId: string;
    let cookie: string;
    const lastBody = () => recorded.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)?.body;

    beforeAll(async () => {
      recorded = await startFakeUpstream({ tokens: 5, models: ['gpt-4o-mini'], record: true });
      h = createHarness(await tdb.open(), testConfig({ OPENAI_API_KEY: 'sk-upstream-000000', OPENAI_BASE_URL: `${recorded.url}/v1` }));
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      const user = await h.signup();
      userId = user.id;
      cookie = user.cookie;
      const key = (await h.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'sdk' } })).body.key;
      client = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${h.app.server!.port}/v1`, maxRetries: 0 });
    });
    afterAll(async () => {
      await h.app.stop(true);
      await recorded.stop();
      await tdb.cleanup();
    });

    const extras = { seed: 7, stop: ['END'], top_p: 0.5, user: 'end-user-1', response_format: { type: 'json_object' as const } };

    test('fields-confab-does-not-model-reach-an-openai-compatible-upstream', async () => {
      await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        max_completion_tokens: 33,
        ...extras,
      });
      const plain = lastBody();
      expect(plain).toMatchObject({ model: 'gpt-4o-mini', max_completion_tokens: 33, ...extras });
      expect(plain).not.toHaveProperty('stream');
      expect(plain).not.toHaveProperty('stream_options');

      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
        ...extras,
      });
      let text = '';
      let sawUsage = false;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        sawUsage ||= Boolean(chunk.usage);
      }
      expect(text.length).toBeGreaterThan(0);
      expect(lastBody()).toMatchObject({ stream: true, stream_options: { include_usage: true }, ...extras });
      // Confab asked for usage to account for it; the caller did not, so it does not see it.
      expect(sawUsage).toBe(false);
    });

    test('the-upstreams-own-completion-comes-back-under-confabs-id-and-the-requested-model', async () => {
      const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello again' }] });
      expect(res).toMatchObject({
        object: 'chat.completion',
        model: 'gpt-4o-mini',
        system_fingerprint: 'fp_fake_upstream',
        service_tier: 'default',
      });
      expect(res.usage).toMatchObject({ completion_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } });
      for (let i = 0; i < 200 && !(await loggedRequest(h, res.id)); i++) await Bun.sleep(20);
      expect(await loggedRequest(h, res.id)).toMatchObject({ userId, completionTokens: 5, status: 'ok' });
    });

    /** A client on a key of its own, and the function that revokes that key. */
    async function revocableClient() {
      const { id, key } = (await h.json('POST', '/api/keys', { cookie, body: { name: 'revoked soon' } })).body;
      const revoke = async () => expect((await h.json('DELETE', `/api/keys/${id}`, { cookie })).status).toBeLessThan(300);
      return { client: new OpenAI({ apiKey: key, baseURL: client.baseURL, maxRetries: 0 }), revoke };
    }

    test('revoking-a-key-ends-its-running-stream-with-an-authentication-error', async () => {
      const { client: doomed, revoke } = await revocableClient();
      recorded.configure({ tps: 2 });
      try {
        const stream = await doomed.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Slowly' }],
          stream: true,
        });
        let text = '';
        let revoked: Promise<void> | undefined;
        const revokeOnce = () => (revoked ??= revoke());
        const read = (async () => {
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? '';
            if (text) await revokeOnce();
          }
        })();
        const err = await read.then(() => null).catch((e) => e);
        expect(err).toBeInstanceOf(OpenAI.APIError);
        expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
          type: 'authentication_error',
          message: 'The API key of this call was revoked',
        });
        // Five tokens at two a second: the stream ended long before the answer would have.
        expect(text.split(' ').length).toBeLessThan(5);
      } finally {
        recorded.configure({ tps: 0 });
      }
    });

    test('revoking-a-key-while-its-call-waits-answers-401', async () => {
      const { client: doomed, revoke } = await revocableClient();
      recorded.configure({ ttftMs: 3_000 });
      try {
        const pending = doomed.chat.completions
          .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Wait' }] })
          .catch((e) => e);
        for (let i = 0; i < 200 && recorded.requests.filter((r) => r.body?.messages?.[0]?.content === 'Wait').length === 0; i++)
          await Bun.sleep(10);
        await revoke();
        const err = await pending;
        expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
        expect(raised(err)).toMatchObject({ status: 401, type: 'authentication_error' });
      } finally {
        recorded.configure({ ttftMs: 0 });
      }
    });

    test('an-upstream-failure-on-the-passthrough-is-retried-then-falls-back-like-any-other', async () => {
      const before = recorded.requests.length;
      recorded.configure({ error: '500' });
      const res = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })
        .finally(() => recorded.configure({ error: null }));
      // A 5xx read from the passthrough is the SDK's InternalServerError: retried, then the chain moves on.
      expect(recorded.requests.length - before).toBeGreaterThan(1);
      expect(res.choices[0].message.content).toContain('offline model');
      for (let i = 0; i < 200 && !(await loggedRequest(h, res.id)); i++) await Bun.sleep(20);
      expect(await loggedRequest(h, res.id)).toMatchObject({ provider: 'offline', status: 'ok' });
    });
  });
}

async function loggedRequest(h: Harness, requestId: string) {
  const [row] = await h.ctx.database.db.select().from(usageLogs).where(eq(usageLogs.requestId, requestId));
  return row;
}
