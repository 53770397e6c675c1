import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { mcpServers } from '../db/schema';
import { runPlugin } from '../plugins';
import { createHarness, type Harness, testConfig } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';

const EVERYTHING = join(import.meta.dir, '..', '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const node = Bun.which('node');
const [tdb] = testDatabases();
const stdioServer = { name: 'local', command: node ?? 'node', args: [EVERYTHING, 'stdio'] };

if (!node) console.warn('skipping stdio MCP tests: no node on PATH to run server-everything');

describe.skipIf(!node)('stdio MCP servers', () => {
  let on: Harness;
  let off: Harness;
  let admin: { id: string; cookie: string };
  let offAdmin: { cookie: string };

  beforeAll(async () => {
    const database = await tdb.open();
    on = createHarness(database, testConfig({ MCP_STDIO: 'on', OPENAI_API_KEY: 'sk-must-not-leak-0000' }));
    off = createHarness(await tdb.open(), testConfig());
    admin = await on.signup();
    offAdmin = await off.signup();
  }, 60_000);
  afterAll(async () => {
    await on.close();
    await off.close();
    await tdb.cleanup();
  });

  test('are-refused-unless-the-operator-allows-them-and-nothing-is-stored', async () => {
    const res = await off.json('POST', '/api/admin/mcp-servers', { cookie: offAdmin.cookie, body: stdioServer });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('mcp_stdio_disabled');
    expect(await off.ctx.database.db.select().from(mcpServers)).toEqual([]);
  });

  test('run-the-command-and-serve-its-tools-without-the-servers-secrets', async () => {
    const res = await on.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: stdioServer });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ transport: 'stdio', url: null, command: stdioServer.command, connected: true });
    const opts = { userId: admin.id, services: on.ctx.plugins.services, signal: new AbortController().signal };
    const echo = await runPlugin(on.ctx.plugins.registry, 'mcp:local:echo', { message: 'over stdio' }, opts);
    expect(echo).toMatchObject({ ok: true, data: { result: 'Echo: over stdio' } });
    const env = await runPlugin(on.ctx.plugins.registry, 'mcp:local:get-env', {}, opts);
    expect(env.ok).toBe(true);
    expect(JSON.stringify(env)).toContain('PATH');
    expect(JSON.stringify(env)).not.toContain('sk-must-not-leak');
  });

  test('a-url-with-a-command-is-refused', async () => {
    const res = await on.json('POST', '/api/admin/mcp-servers', {
      cookie: admin.cookie,
      body: { ...stdioServer, name: 'both', url: 'http://127.0.0.1:9/mcp' },
    });
    expect(res.status).toBe(400);
  });
});
