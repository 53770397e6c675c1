import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { runPlugin } from '../plugins';
import { createHarness, type Harness } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';

const ROOT = join(import.meta.dir, '..', '..');
const EVERYTHING = join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const LOOPBACK_ONLY = join(ROOT, 'scripts', 'services', 'loopback-only.mjs');
const node = Bun.which('node');
const [tdb] = testDatabases();

if (!node) console.warn('skipping the HTTP+SSE MCP test: no node on PATH to run server-everything');

/** server-everything in its older HTTP+SSE mode, on a port the OS picks. */
async function startSseServer(): Promise<{ url: string; proc: Bun.Subprocess }> {
  const proc = Bun.spawn([node!, '--import', LOOPBACK_ONLY, EVERYTHING, 'sse'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0' },
    stdout: 'ignore',
    stderr: 'pipe',
  });
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  let out = '';
  for (;;) {
    const port = /listening on (\d+)/.exec(out)?.[1];
    if (port) {
      reader.releaseLock();
      return { url: `http://127.0.0.1:${port}/sse`, proc };
    }
    const { value, done } = await reader.read();
    if (done) throw new Error(`server-everything (sse) did not start: ${out}`);
    out += new TextDecoder().decode(value);
  }
}

describe.skipIf(!node)('an MCP server that speaks only HTTP+SSE', () => {
  let h: Harness;
  let server: { url: string; proc: Bun.Subprocess };
  let admin: { id: string; cookie: string };

  beforeAll(async () => {
    server = await startSseServer();
    h = createHarness(await tdb.open());
    admin = await h.signup();
  }, 60_000);
  afterAll(async () => {
    await h.close();
    server.proc.kill();
    await tdb.cleanup();
  });

  test('is-reached-by-falling-back-from-streamable-http-and-its-tools-run', async () => {
    const res = await h.json('POST', '/api/admin/mcp-servers', { cookie: admin.cookie, body: { name: 'legacy', url: server.url } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ transport: 'auto', connected: true });
    expect(res.body.tools).toContain('echo');
    const out = await runPlugin(
      h.ctx.plugins.registry,
      'mcp:legacy:echo',
      { message: 'over sse' },
      {
        userId: admin.id,
        services: h.ctx.plugins.services,
        signal: new AbortController().signal,
      },
    );
    expect(out).toMatchObject({ ok: true, data: { result: 'Echo: over sse' } });
  });
});
