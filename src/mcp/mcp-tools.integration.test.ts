import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { auditLog, mcpServers } from '../db/schema';
import { runPlugin } from '../plugins';
import { createHarness, type Harness, testConfig } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../testing/fake-upstream';
import { isEnd, TestSocket } from '../testing/test-socket';

const EVERYTHING = process.env.TEST_MCP_EVERYTHING_URL;
const FAILING_SERVER = join(import.meta.dir, '__fixtures__', 'failing-server.ts');
const [tdb] = testDatabases();

/** The failing server as a child process; `port` pins the address so a restart is the same server to Confab. */
async function startFailing(port = 0): Promise<{ port: number; proc: Bun.Subprocess }> {
  const proc = Bun.spawn(['bun', 'run', FAILING_SERVER], {
    env: { ...process.env, PORT: String(port) },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = '';
  while (!out.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the failing MCP server did not start');
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { port: Number(out.trim()), proc };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await Bun.sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

if (!EVERYTHING)
  console.warn('skipping MCP client tests: TEST_MCP_EVERYTHING_URL is not set (scripts/services/up.sh starts server-everything)');

describe.skipIf(!EVERYTHING)('MCP tools in a chat turn', () => {
  let upstream: FakeUpstream;
  let h: Harness;
  let failing: { port: number; proc: Bun.Subprocess };
  let admin: Awaited<ReturnType<Harness['signup']>>;
  let user: Awaited<ReturnType<Harness['signup']>>;
  let baseUrl: string;
  let failingId: string;

  const opts = (userId: string, signal = new AbortController().signal, timeoutMs?: number) => ({
    userId,
    services: h.ctx.plugins.services,
    signal,
    timeoutMs,
  });
  const stats = async () => {
    const out = await runPlugin(h.ctx.plugins.registry, 'mcp:failing:stats', {}, opts(admin.id));
    return out.ok
      ? (JSON.parse((out.data as { result: string }).result) as { cancelled: number; calls: number; auth: string | null })
      : undefined;
  };
  /** The last tool result the model was sent (a title request may have come after it). */
  const toolMessage = (path: string) =>
    upstream.requests
      .filter((r) => r.path === path)
      .flatMap((r) => r.body.messages ?? [])
      .filter((m: { role: string }) => m.role === 'tool')
      .at(-1);

  /** A conversation with history, so a turn in it asks for no title (a title request, made after the answer, would take a scripted reply meant for a later turn). */
  const conversation = async () =>
    (
      await h.json('POST', '/api/conversations', {
        cookie: user.cookie,
        body: {
          title: 'mcp',
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
          ],
        },
      })
    ).body.id as string;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini', 'claude-fake'], record: true });
    failing = await startFailing();
    h = createHarness(
      await tdb.open(),
      testConfig({
        OPENAI_API_KEY: 'sk-test-0000000',
        OPENAI_BASE_URL: `${upstream.url}/v1`,
        ANTHROPIC_API_KEY: 'sk-ant-test-0000000',
        ANTHROPIC_BASE_URL: `${upstream.url}/anthropic`,
        MCP_RESULT_MAX_CHARS: '1000',
        MCP_USER_CONCURRENCY: '1',
      }),
    );
    h.app.listen({ port: 0, hostname: '127.0.0.1' });
    baseUrl = `127.0.0.1:${h.app.server!.port}`;
    admin = await h.signup();
    user = await h.signup();
    const everything = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'everything', url: EVERYTHING },
    });
    expect(everything.status).toBe(201);
    const created = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: {
        name: 'failing',
        url: `http://127.0.0.1:${failing.port}/mcp`,
        transport: 'streamable-http',
        headers: { 'X-Team': 'header-secret-value' },
        token: 'tok-secret-0123456789',
      },
    });
    expect(created.status).toBe(201);
    failingId = created.body.id;
  }, 60_000);
  afterAll(async () => {
    failing.proc.kill();
    await h.app.stop(true);
    await h.close();
    await upstream.stop();
    await tdb.cleanup();
  });

  test('registered-credentials-are-sealed-sent-to-the-server-and-never-shown', async () => {
    const list = await h.json('GET', '/api/admin/mcp-servers', { cookie: admin.cookie });
    const view = list.body.find((s: { name: string }) => s.name === 'failing');
    expect(view).toMatchObject({ headerNames: ['X-Team'], tokenMasked: 'tok…6789', connected: true, enabled: true });
    expect(JSON.stringify(list.body)).not.toContain('secret');
    const [row] = await h.ctx.database.db.select().from(mcpServers).where(eq(mcpServers.id, failingId));
    expect(JSON.stringify(row)).not.toContain('secret');
    const audit = await h.ctx.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.target, `mcp-server:${failingId}`));
    expect(audit.map((a) => a.action)).toEqual(['mcp_server.create']);
    expect(JSON.stringify(audit)).not.toContain('secret');
    expect((await stats())?.auth).toBe('Bearer tok-secret-0123456789');
  });

  test('only-admins-manage-servers-and-a-bad-body-changes-nothing', async () => {
    expect((await h.json('GET', '/api/admin/mcp-servers', { cookie: user.cookie })).status).toBe(403);
    const bad = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: { name: 'Bad Name', url: 'ftp://x' } });
    expect(bad.status).toBe(400);
    const dup = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: { name: 'failing', url: EVERYTHING } });
    expect(dup.body.error.code).toBe('mcp_server_name_taken');
    expect(await h.ctx.database.db.select().from(mcpServers)).toHaveLength(2);
  });

  test('test-connects-and-lists-the-tools', async () => {
    const servers = (await h.json('GET', '/api/admin/mcp-servers', { cookie: admin.cookie })).body;
    const everything = servers.find((s: { name: string }) => s.name === 'everything');
    const res = await h.json('POST', `/api/admin/mcp-servers/${everything.id}/test`, { cookie: admin.cookie });
    expect(res.body.ok).toBe(true);
    expect(res.body.tools.map((t: { name: string }) => t.name)).toContain('echo');
  });

  test('users-see-the-tools-in-plugins-under-mcp-names', async () => {
    const res = await h.json('GET', '/api/plugins', { cookie: user.cookie });
    const names = res.body.plugins.map((p: { name: string }) => p.name);
    expect(names).toContain('mcp:everything:echo');
    expect(names).toContain('mcp:failing:slow');
    const echo = res.body.plugins.find((p: { name: string }) => p.name === 'mcp:everything:echo');
    expect(echo).toMatchObject({ available: true, enabled: true });
    // People read a short line naming the server; the model gets the server's own description.
    expect(echo.summary).toMatch(/\(from everything\)$/);
    expect(echo.description).toContain('tool of the MCP server everything');
  });

  test('an-openai-model-calls-a-tool-the-conversation-switched-on-and-reads-its-result', async () => {
    upstream.script(
      '/v1/chat/completions',
      { text: '', toolCalls: [{ id: 'call_1', name: 'mcp__everything__echo', arguments: '{"message":"hello mcp"}' }] },
      { text: 'It echoed hello.' },
    );
    const res = await h.json('POST', '/api/chat', {
      cookie: user.cookie,
      body: { conversationId: await conversation(), message: 'Echo hello', model: 'gpt-4o-mini', plugins: ['mcp:everything:echo'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.message.content).toBe('It echoed hello.');
    const first = upstream.requests.find((r) => r.path === '/v1/chat/completions' && r.body.tools)!;
    const offered = first.body.tools.map((t: { function: { name: string } }) => t.function.name);
    expect(offered).toContain('mcp__everything__echo');
    expect(offered.filter((n: string) => n.startsWith('mcp__'))).toEqual(['mcp__everything__echo']);
    expect(toolMessage('/v1/chat/completions').content).toContain('Echo: hello mcp');
    const conv = await h.json('GET', `/api/conversations/${res.body.conversationId}`, { cookie: user.cookie });
    expect(conv.body.messages.at(-1).plugins[0]).toMatchObject({
      name: 'mcp:everything:echo',
      via: 'tool',
      ok: true,
      args: { message: 'hello mcp' },
      data: { server: 'everything', tool: 'echo', result: 'Echo: hello mcp', truncated: false },
    });
  });

  test('a-conversation-that-switched-a-tool-on-offers-it-on-every-turn', async () => {
    const id = await conversation();
    const patched = await h.json('PATCH', `/api/conversations/${id}`, {
      cookie: user.cookie,
      body: { plugins: ['mcp:everything:get-sum'] },
    });
    expect(patched.status).toBe(200);
    upstream.reset();
    upstream.script(
      '/v1/chat/completions',
      { text: '', toolCalls: [{ id: 'call_2', name: 'mcp__everything__get-sum', arguments: '{"a":4,"b":5}' }] },
      { text: 'Nine.' },
    );
    const res = await h.json('POST', '/api/chat', {
      cookie: user.cookie,
      body: { conversationId: id, message: 'Add 4 and 5', model: 'gpt-4o-mini' },
    });
    expect(res.body.message.content).toBe('Nine.');
    expect(toolMessage('/v1/chat/completions').content).toContain('The sum of 4 and 5 is 9.');
  });

  test('tools-a-turn-does-not-name-are-not-offered', async () => {
    upstream.reset();
    await h.json('POST', '/api/chat', {
      cookie: user.cookie,
      body: { conversationId: await conversation(), message: 'Hi', model: 'gpt-4o-mini' },
    });
    const turn = upstream.requests.find((r) => r.path === '/v1/chat/completions' && r.body.messages.at(-1).content === 'Hi')!;
    expect(turn.body.tools.map((t: { function: { name: string } }) => t.function.name)).toContain('rag_lookup');
    const tools = turn.body.tools;
    expect(tools.map((t: { function: { name: string } }) => t.function.name).filter((n: string) => n.startsWith('mcp__'))).toEqual([]);
  });

  test('an-anthropic-model-streams-a-tool-call-and-the-socket-shows-server-args-and-result', async () => {
    const models = (await h.json('GET', '/api/models', { cookie: user.cookie })).body;
    const claude = models.models.find((m: { provider: string }) => m.provider === 'anthropic').id;
    upstream.script(
      '/anthropic/v1/messages',
      { text: '', toolCalls: [{ id: 'toolu_1', name: 'mcp__everything__get-sum', arguments: '{"a":2,"b":3}' }] },
      { text: 'The sum is 5.' },
    );
    const ws = await TestSocket.open(`ws://${baseUrl}/ws/chat`, { cookie: user.cookie });
    try {
      const requestId = `mcp-${crypto.randomUUID()}`;
      ws.send({
        type: 'chat',
        requestId,
        conversationId: await conversation(),
        message: 'Add 2 and 3',
        model: claude,
        plugins: ['mcp:everything:get-sum'],
      });
      expect(await ws.until(isEnd(requestId))).toMatchObject({ type: 'done' });
      const frame = ws.of(requestId).find((f) => f.type === 'plugin' && f.status === 'ok')!;
      expect(frame).toMatchObject({
        name: 'mcp:everything:get-sum',
        via: 'tool',
        data: { server: 'everything', tool: 'get-sum', arguments: { a: 2, b: 3 }, result: 'The sum of 2 and 3 is 5.' },
      });
      expect(ws.text(requestId)).toBe('The sum is 5.');
      const sent = upstream.requests.filter((r) => r.path === '/anthropic/v1/messages').at(-1)!.body.messages;
      expect(JSON.stringify(sent)).toContain('The sum of 2 and 3 is 5.');
    } finally {
      await ws.close();
    }
  });

  test('a-failing-tool-is-a-tool-error-and-a-plugin-frame-never-a-failed-turn', async () => {
    upstream.script(
      '/v1/chat/completions',
      { text: '', toolCalls: [{ id: 'c1', name: 'mcp__failing__fail', arguments: '{}' }] },
      { text: 'It failed.' },
    );
    const ws = await TestSocket.open(`ws://${baseUrl}/ws/chat`, { cookie: user.cookie });
    try {
      const requestId = `mcp-${crypto.randomUUID()}`;
      ws.send({
        type: 'chat',
        requestId,
        conversationId: await conversation(),
        message: 'Try it',
        model: 'gpt-4o-mini',
        plugins: ['mcp:failing:fail'],
      });
      expect(await ws.until(isEnd(requestId))).toMatchObject({ type: 'done' });
      const frame = ws.of(requestId).find((f) => f.type === 'plugin' && f.status === 'error')!;
      expect(frame.error.code).toBe('mcp_tool_error');
      expect(frame.error.message).toContain('the disk is on fire');
    } finally {
      await ws.close();
    }
    expect(toolMessage('/v1/chat/completions').content).toContain('the disk is on fire');
  });

  test('image-and-resource-results-reach-the-model-as-text-and-notes', async () => {
    const run = async (tool: string, args: Record<string, unknown> = {}) => {
      const out = await runPlugin(h.ctx.plugins.registry, `mcp:everything:${tool}`, args, opts(user.id));
      expect(out.ok).toBe(true);
      return (out as { data: { result: string } }).data.result;
    };
    expect(await run('get-tiny-image')).toMatch(/\[image \(image\/png, \d+ bytes\) not shown\]/);
    expect(await run('get-resource-reference', { resourceType: 'Text', resourceId: 1 })).toMatch(/\[resource [^\]]+\]\n/);
    expect(await run('get-resource-links', { count: 2 })).toContain('[resource link ');
    expect(await run('get-structured-content', { location: 'Chicago' })).toContain('temperature');
  });

  test('a-huge-result-is-truncated-with-a-marker', async () => {
    const out = await runPlugin(h.ctx.plugins.registry, 'mcp:failing:huge', {}, opts(user.id));
    expect(out.ok).toBe(true);
    const data = (out as { data: { result: string; truncated: boolean } }).data;
    expect(data.truncated).toBe(true);
    expect(data.result).toContain('[… truncated: 1000 of 200000 characters shown]');
    expect(data.result.length).toBeLessThan(1100);
  });

  test('the-deadline-ends-a-call-and-the-server-is-told-it-was-cancelled', async () => {
    const before = (await stats())!.cancelled;
    const out = await runPlugin(h.ctx.plugins.registry, 'mcp:failing:slow', {}, opts(user.id, undefined, 300));
    expect(out).toMatchObject({ ok: false, error: { code: 'plugin_timeout' } });
    await waitFor('the cancellation', async () => ((await stats())!.cancelled > before ? true : undefined));
  });

  test('stopping-the-turn-cancels-the-running-call-on-the-server', async () => {
    const before = (await stats())!.cancelled;
    upstream.script('/v1/chat/completions', { text: '', toolCalls: [{ id: 'c1', name: 'mcp__failing__slow', arguments: '{}' }] });
    const ws = await TestSocket.open(`ws://${baseUrl}/ws/chat`, { cookie: user.cookie });
    try {
      const requestId = `mcp-${crypto.randomUUID()}`;
      ws.send({
        type: 'chat',
        requestId,
        conversationId: await conversation(),
        message: 'Wait',
        model: 'gpt-4o-mini',
        plugins: ['mcp:failing:slow'],
      });
      await ws.until((f) => f.requestId === requestId && f.type === 'plugin' && f.status === 'running');
      ws.send({ type: 'stop', requestId });
      expect(await ws.until(isEnd(requestId))).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    } finally {
      await ws.close();
    }
    await waitFor('the cancellation', async () => ((await stats())!.cancelled > before ? true : undefined));
  });

  test('one-users-calls-beyond-the-concurrency-limit-are-refused-as-busy', async () => {
    const ctl = new AbortController();
    const slow = runPlugin(h.ctx.plugins.registry, 'mcp:failing:slow', {}, opts(user.id, ctl.signal));
    await waitFor('the slow call to start', async () => ((await stats())!.calls > 0 ? true : undefined));
    const second = await runPlugin(h.ctx.plugins.registry, 'mcp:everything:echo', { message: 'x' }, opts(user.id));
    expect(second).toMatchObject({ ok: false, error: { code: 'mcp_busy' } });
    const other = await runPlugin(h.ctx.plugins.registry, 'mcp:everything:echo', { message: 'x' }, opts(admin.id));
    expect(other.ok).toBe(true);
    ctl.abort();
    expect((await slow).ok).toBe(false);
  });

  test('a-tool-list-change-is-picked-up', async () => {
    expect(h.ctx.plugins.registry.get('mcp:failing:added')).toBeUndefined();
    expect((await runPlugin(h.ctx.plugins.registry, 'mcp:failing:grow', {}, opts(user.id))).ok).toBe(true);
    await waitFor('the added tool', async () => h.ctx.plugins.registry.get('mcp:failing:added'));
    const out = await runPlugin(h.ctx.plugins.registry, 'mcp__failing__added', {}, opts(user.id));
    expect(out).toMatchObject({ ok: true, plugin: 'mcp:failing:added' });
  });

  test('a-server-that-crashes-mid-call-is-a-tool-error-and-is-reconnected-when-back', async () => {
    const out = await runPlugin(h.ctx.plugins.registry, 'mcp:failing:crash', {}, opts(user.id));
    expect(out.ok).toBe(false);
    await failing.proc.exited;
    failing = await startFailing(failing.port);
    const back = await waitFor('the reconnection', async () => {
      const r = await runPlugin(h.ctx.plugins.registry, 'mcp:failing:stats', {}, opts(user.id));
      return r.ok ? r : undefined;
    });
    expect(JSON.parse((back.data as { result: string }).result).calls).toBe(1);
  });

  test('deleting-a-server-withdraws-its-tools-and-is-audited', async () => {
    const res = await h.json('DELETE', `/api/admin/mcp-servers/${failingId}`, { cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(h.ctx.plugins.registry.get('mcp:failing:slow')).toBeUndefined();
    const audit = await h.ctx.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.target, `mcp-server:${failingId}`));
    expect(audit.map((a) => a.action).sort()).toEqual(['mcp_server.create', 'mcp_server.delete']);
  });
});
