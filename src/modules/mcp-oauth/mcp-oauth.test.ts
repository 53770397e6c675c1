import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import { auditLog, mcpOauthCredentials, mcpServers } from '../../db/schema';
import { runPlugin } from '../../plugins';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { type OAuthMcpServer, startOAuthMcpServer } from '../../testing/oauth-mcp-server';
import { McpOAuthClientProvider } from './client-provider';

const [tdb] = testDatabases();
const randomKey = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
const keyA = randomKey();
type User = Awaited<ReturnType<Harness['signup']>>;

describe('per-user OAuth for MCP servers', () => {
  let upstream: FakeUpstream;
  let oauth: OAuthMcpServer;
  let h: Harness;
  let admin: User;
  let alice: User;
  let bob: User;
  let serverId: string;

  /** Starts connecting and follows the authorization server's redirects to the consent page, as `login`. */
  const authorize = async (user: User, login: string): Promise<URL> => {
    const start = await h.json('POST', '/api/mcp/oauth/start', { cookie: user.cookie, body: { server: serverId } });
    expect(start.status).toBe(200);
    expect(start.body.connected).toBe(false);
    const authUrl = new URL(start.body.authorizationUrl);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const toConsent = await fetch(authUrl, { redirect: 'manual' });
    expect(toConsent.status).toBe(302);
    const consent = new URL(toConsent.headers.get('location')!, authUrl);
    consent.searchParams.set('login', login);
    const back = await fetch(consent, { redirect: 'manual' });
    expect(back.status).toBe(302);
    return new URL(back.headers.get('location')!);
  };
  const callback = (user: User, url: URL, accept = 'text/html') =>
    h.request('GET', `${url.pathname}${url.search}`, { cookie: user.cookie, headers: { accept } });
  const connect = async (user: User, login: string) => {
    const res = await callback(user, await authorize(user, login));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/settings?mcp_connected=team');
  };
  const account = async (user: User) =>
    (await h.json('GET', '/api/mcp/oauth', { cookie: user.cookie })).body.servers.find((s: { name: string }) => s.name === 'team');
  const plugin = async (user: User, name: string) =>
    (await h.json('GET', '/api/plugins', { cookie: user.cookie })).body.plugins.find((p: { name: string }) => p.name === name);
  const rows = () => h.ctx.database.db.select().from(mcpOauthCredentials);
  /** A conversation with history, so its turn asks for no title that would take a scripted reply. */
  const conversation = async (user: User) =>
    (
      await h.json('POST', '/api/conversations', {
        cookie: user.cookie,
        body: {
          title: 'oauth',
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: 'hello' },
          ],
        },
      })
    ).body.id as string;
  /** A chat turn in which the model calls `whoami`; answers the tool message the model read. */
  const whoamiTurn = async (user: User) => {
    upstream.reset();
    upstream.script(
      '/v1/chat/completions',
      { text: '', toolCalls: [{ id: 'call_who', name: 'mcp__team__whoami', arguments: '{}' }] },
      { text: 'Done.' },
    );
    const res = await h.json('POST', '/api/chat', {
      cookie: user.cookie,
      body: { conversationId: await conversation(user), message: 'Who am I?', model: 'gpt-4o-mini', plugins: ['mcp:team:whoami'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.message.content).toBe('Done.');
    const tool = upstream.requests
      .filter((r) => r.path === '/v1/chat/completions')
      .flatMap((r) => r.body.messages ?? [])
      .filter((m: { role: string }) => m.role === 'tool')
      .at(-1);
    return { toolText: String(tool?.content ?? ''), offered: upstream.requests.find((r) => r.body.tools)?.body.tools ?? [] };
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini'], record: true });
    oauth = await startOAuthMcpServer();
    h = createHarness(
      await tdb.open(),
      testConfig({ SECRET_KEY: keyA, OPENAI_API_KEY: 'sk-test-0000000', OPENAI_BASE_URL: `${upstream.url}/v1` }),
    );
    admin = await h.signup();
    alice = await h.signup();
    bob = await h.signup();
    const created = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'team', url: oauth.url, transport: 'streamable-http', auth: 'oauth' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ auth: 'oauth', oauthClientId: null, oauthClientSecretSet: false });
    serverId = created.body.id;
  }, 60_000);
  afterAll(async () => {
    await h.close();
    await oauth.stop();
    await upstream.stop();
    await tdb.cleanup();
  });

  test('the-admin-test-finds-the-authorization-server-and-a-token-is-refused-for-an-oauth-server', async () => {
    const res = await h.json('POST', `/api/admin/mcp-servers/${serverId}/test`, { cookie: admin.cookie });
    expect(res.body).toMatchObject({ ok: true, authorizationServer: `${oauth.issuer}/` });
    const bad = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'mixed', url: oauth.url, auth: 'oauth', token: 'tok-shared-123' },
    });
    expect(bad.status).toBe(400);
    const secretWithoutId = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'mixed', url: oauth.url, auth: 'oauth', oauthClientSecret: 'cs-123' },
    });
    expect(secretWithoutId.status).toBe(400);
  });

  test('before-anyone-connects-the-server-waits-for-an-account-and-a-call-is-only-a-tool-error', async () => {
    expect(await account(bob)).toMatchObject({ serverId, connected: false, connectedAt: null, tools: [] });
    const { toolText, offered } = await whoamiTurn(bob);
    expect(offered.map((t: { function: { name: string } }) => t.function.name)).not.toContain('mcp__team__whoami');
    expect(toolText).toContain('The plugin failed');
    expect(oauth.calls).toEqual([]);
  });

  test('bad-foreign-or-missing-state-is-refused-and-stores-nothing', async () => {
    const before = await rows();
    const forged = await h.json('GET', '/api/mcp/oauth/callback?code=abc&state=forged', { cookie: alice.cookie });
    expect(forged.status).toBe(400);
    expect(forged.body.error.code).toBe('mcp_oauth_invalid_state');
    expect((await h.json('GET', '/api/mcp/oauth/callback?code=abc', { cookie: alice.cookie })).status).toBe(400);
    // Alice's own sign-in, brought back by Bob's browser, does nothing for either of them.
    const alicesReturn = await authorize(alice, 'alice');
    const foreign = await callback(bob, alicesReturn, 'application/json');
    expect(foreign.status).toBe(400);
    expect((await rows()).filter((r) => r.userId === bob.id)).toEqual(before.filter((r) => r.userId === bob.id));
    expect((await rows()).every((r) => r.tokensSealed === null)).toBe(true);
    // A browser is sent back to the UI with the code.
    const page = await callback(bob, alicesReturn);
    expect(page.headers.get('location')).toBe('/settings?mcp_error=mcp_oauth_invalid_state');
    expect((await h.json('GET', '/api/mcp/oauth/callback?state=x')).status).toBe(401);
  });

  test('an-expired-state-is-refused', async () => {
    const back = await authorize(alice, 'alice');
    await h.ctx.database.db
      .update(mcpOauthCredentials)
      .set({ stateExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(mcpOauthCredentials.userId, alice.id));
    const res = await callback(alice, back, 'application/json');
    expect(res.status).toBe(400);
    const [row] = (await rows()).filter((r) => r.userId === alice.id);
    expect(row.tokensSealed).toBeNull();
  });

  test('connecting-lists-the-tools-and-a-chat-turn-calls-them-with-the-users-own-token', async () => {
    await connect(alice, 'alice');
    const mine = await account(alice);
    expect(mine).toMatchObject({ connected: true, tools: ['whoami', 'echo'] });
    expect(await plugin(alice, 'mcp:team:whoami')).toMatchObject({ available: true, enabled: true });
    const { toolText, offered } = await whoamiTurn(alice);
    expect(offered.map((t: { function: { name: string } }) => t.function.name)).toContain('mcp__team__whoami');
    expect(toolText).toContain('You are alice.');
    expect(oauth.calls).toEqual([{ login: 'alice', tool: 'whoami' }]);
    expect(oauth.registrations).toBe(1);
    const audit = await h.ctx.database.db.select().from(auditLog).where(eq(auditLog.actorId, alice.id));
    expect(audit.map((a) => [a.action, a.target])).toContainEqual(['mcp_oauth.connect', `mcp-server:${serverId}`]);
    expect(JSON.stringify(audit)).not.toContain('at-');
  });

  test('a-state-works-once-and-connecting-again-with-a-live-refresh-token-needs-no-sign-in', async () => {
    const back = await authorize(bob, 'bob');
    expect((await callback(bob, back)).headers.get('location')).toBe('/settings?mcp_connected=team');
    const again = await callback(bob, back, 'application/json');
    expect(again.status).toBe(400);
    expect((await account(bob)).connected).toBe(true);
    const restart = await h.json('POST', '/api/mcp/oauth/start', { cookie: bob.cookie, body: { server: serverId } });
    expect(restart.body).toEqual({ connected: true });
    expect((await h.json('DELETE', `/api/mcp/oauth/${serverId}`, { cookie: bob.cookie })).status).toBe(200);
  });

  test('tokens-client-and-verifier-are-sealed-at-rest-and-never-returned', async () => {
    const [row] = (await rows()).filter((r) => r.userId === alice.id);
    expect(row.tokensSealed).toStartWith('v1.');
    expect(row.clientSealed).toStartWith('v1.');
    expect(row.verifierSealed).toBeNull();
    const raw = JSON.stringify(await h.ctx.database.rows(sql`select * from mcp_oauth_credentials`));
    expect(oauth.issued.length).toBeGreaterThan(0);
    for (const token of oauth.issued) expect(raw).not.toContain(token);
    const api = JSON.stringify([await account(alice), await h.json('GET', '/api/admin/mcp-servers', { cookie: admin.cookie })]);
    for (const token of oauth.issued) expect(api).not.toContain(token);
  });

  test('another-user-sees-the-tools-as-needing-their-own-account-and-never-uses-the-first-users', async () => {
    expect(await account(bob)).toMatchObject({ connected: false, tools: [] });
    const status = await plugin(bob, 'mcp:team:whoami');
    expect(status).toMatchObject({ available: false });
    expect(status.reason).toContain('connect your account');
    const calls = oauth.calls.length;
    const { toolText } = await whoamiTurn(bob);
    expect(toolText).toContain('connect your account');
    expect(oauth.calls.length).toBe(calls);
    await connect(bob, 'bob');
    expect((await whoamiTurn(bob)).toolText).toContain('You are bob.');
    expect((await whoamiTurn(alice)).toolText).toContain('You are alice.');
  });

  test('an-expired-access-token-is-refreshed-by-the-sdk', async () => {
    const refreshes = oauth.refreshes;
    const [before] = (await rows()).filter((r) => r.userId === alice.id);
    oauth.expireAccessTokens();
    expect((await whoamiTurn(alice)).toolText).toContain('You are alice.');
    expect(oauth.refreshes).toBe(refreshes + 1);
    const [after] = (await rows()).filter((r) => r.userId === alice.id);
    expect(after.tokensSealed).not.toBe(before.tokensSealed);
  });

  test('disconnecting-forgets-the-tokens-and-the-tool-asks-to-connect-again', async () => {
    const res = await h.json('DELETE', `/api/mcp/oauth/${serverId}`, { cookie: bob.cookie });
    expect(res.body).toEqual({ connected: false });
    expect((await rows()).filter((r) => r.userId === bob.id)).toEqual([]);
    expect(await account(bob)).toMatchObject({ connected: false });
    const audit = await h.ctx.database.db.select().from(auditLog).where(eq(auditLog.actorId, bob.id));
    expect(audit.map((a) => a.action)).toContain('mcp_oauth.disconnect');
    const calls = oauth.calls.length;
    expect((await whoamiTurn(bob)).toolText).toContain('connect your account');
    expect(oauth.calls.length).toBe(calls);
    expect((await whoamiTurn(alice)).toolText).toContain('You are alice.');
  });

  test('a-server-without-per-user-sign-in-or-an-unknown-one-is-refused', async () => {
    const unknown = await h.json('POST', '/api/mcp/oauth/start', { cookie: alice.cookie, body: { server: crypto.randomUUID() } });
    expect(unknown.status).toBe(404);
    const bad = await h.json('POST', '/api/mcp/oauth/start', { cookie: alice.cookie, body: { server: 'nope' } });
    expect(bad.status).toBe(400);
    expect((await h.json('POST', '/api/mcp/oauth/start', { body: { server: serverId } })).status).toBe(401);
    const shared = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'shared', url: oauth.url, transport: 'streamable-http', enabled: true },
    });
    const notOauth = await h.json('POST', '/api/mcp/oauth/start', { cookie: alice.cookie, body: { server: shared.body.id } });
    expect(notOauth.status).toBe(400);
    expect(notOauth.body.error.code).toBe('mcp_oauth_not_used');
    expect((await rows()).filter((r) => r.serverId === shared.body.id)).toEqual([]);
  });

  test('a-client-the-admin-registered-is-used-with-its-secret-instead-of-registering-one', async () => {
    oauth.preRegister({
      client_id: 'confab-pre',
      client_secret: 'cs-Pr3Reg1stered9',
      redirect_uris: ['http://localhost/api/mcp/oauth/callback'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    const created = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'desk', url: oauth.url, auth: 'oauth', oauthClientId: 'confab-pre', oauthClientSecret: 'cs-Pr3Reg1stered9' },
    });
    const registrations = oauth.registrations;
    const start = await h.json('POST', '/api/mcp/oauth/start', { cookie: bob.cookie, body: { server: created.body.id } });
    const authUrl = new URL(start.body.authorizationUrl);
    expect(authUrl.searchParams.get('client_id')).toBe('confab-pre');
    const consent = new URL((await fetch(authUrl, { redirect: 'manual' })).headers.get('location')!, authUrl);
    consent.searchParams.set('login', 'bob');
    const back = new URL((await fetch(consent, { redirect: 'manual' })).headers.get('location')!);
    const res = await callback(bob, back);
    expect(res.headers.get('location')).toBe('/settings?mcp_connected=desk');
    expect(oauth.registrations).toBe(registrations);
    const desk = (await h.json('GET', '/api/mcp/oauth', { cookie: bob.cookie })).body.servers.find(
      (s: { name: string }) => s.name === 'desk',
    );
    expect(desk).toMatchObject({ connected: true, tools: ['whoami', 'echo'] });
    const [row] = (await rows()).filter((r) => r.userId === bob.id && r.serverId === created.body.id);
    expect(row.clientSealed).toBeNull();
    expect((await h.json('DELETE', `/api/admin/mcp-servers/${created.body.id}`, { cookie: admin.cookie })).status).toBe(200);
    expect((await rows()).filter((r) => r.serverId === created.body.id)).toEqual([]);
  });

  test('another-replica-uses-the-stored-tokens-and-a-disconnect-there-reaches-this-one', async () => {
    await connect(bob, 'bob');
    expect((await plugin(bob, 'mcp:team:whoami')).available).toBe(true);
    const other = createHarness(h.ctx.database, testConfig({ SECRET_KEY: keyA }));
    try {
      const there = (await other.json('GET', '/api/plugins', { cookie: bob.cookie })).body.plugins;
      expect(there.find((p: { name: string }) => p.name === 'mcp:team:whoami')).toMatchObject({ available: true });
      const run = await runPlugin(
        other.ctx.plugins.registry,
        'mcp:team:whoami',
        {},
        { userId: bob.id, services: other.ctx.plugins.services },
      );
      expect(run.ok && run.text).toContain('You are bob.');
      expect((await other.json('DELETE', `/api/mcp/oauth/${serverId}`, { cookie: bob.cookie })).status).toBe(200);
      const status = await plugin(bob, 'mcp:team:whoami');
      expect(status).toMatchObject({ available: false });
      expect(status.reason).toContain('connect your account');
    } finally {
      await other.close();
    }
  });

  // Last: the first harness holds only the old key, so it cannot open what this reseals.
  test('a-users-oauth-values-sealed-under-a-previous-key-are-sealed-again-at-start-up', async () => {
    const [before] = (await rows()).filter((r) => r.userId === alice.id);
    const preset = await h.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { name: 'preset', url: oauth.url, auth: 'oauth', oauthClientId: 'confab', oauthClientSecret: 'cs-Qw8Lz2Rt5Yp0Mn3' },
    });
    expect(preset.body).toMatchObject({ oauthClientId: 'confab', oauthClientSecretSet: true });
    expect(JSON.stringify(preset.body)).not.toContain('cs-Qw8Lz2Rt5Yp0Mn3');
    const server = async () => (await h.ctx.database.db.select().from(mcpServers).where(eq(mcpServers.id, preset.body.id)))[0];
    const secretBefore = (await server()).oauthClientSecretSealed;
    expect(secretBefore).not.toContain('cs-Qw8Lz2Rt5Yp0Mn3');
    const rotated = createHarness(h.ctx.database, testConfig({ SECRET_KEY: randomKey(), SECRET_KEY_PREVIOUS: keyA }));
    try {
      await rotated.json('GET', '/health');
      const [after] = (await rows()).filter((r) => r.userId === alice.id);
      for (const column of ['tokensSealed', 'clientSealed', 'discoverySealed'] as const) {
        expect(after[column]).not.toBe(before[column]);
        expect(rotated.ctx.secrets.isStale(after[column]!)).toBe(false);
      }
      const secretAfter = (await server()).oauthClientSecretSealed!;
      expect(secretAfter).not.toBe(secretBefore);
      expect(rotated.ctx.secrets.isStale(secretAfter)).toBe(false);
      const spec = h.ctx.mcp.oauthServers().find((s) => s.name === 'team')!;
      const tokens = await new McpOAuthClientProvider(
        { db: h.ctx.database.db, secrets: rotated.ctx.secrets },
        alice.id,
        spec,
        '',
        false,
      ).tokens();
      expect(oauth.issued).toContain(String(tokens?.access_token));
    } finally {
      await rotated.close();
    }
  });
});
