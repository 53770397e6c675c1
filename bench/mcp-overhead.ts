/**
 * What Confab adds to an MCP tool call: the same `echo` tool of one MCP server (the SDK's, in a
 * child process, over Streamable HTTP on loopback) called in pairs, in random order, by the SDK's
 * client directly (the baseline) and through Confab's plugin runner as a chat turn's tool loop
 * calls it (registry lookup, argument check, deadline and cancellation, per-user concurrency,
 * result conversion and cap, metrics, over Confab's own pooled connection). Prints p50/p99 of
 * each and the difference. Target: at most 5 ms more at p99.
 *
 *   bun run bench:mcp [--rounds 5] [--calls 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createContext } from '../src/create-context';
import { openPglite } from '../src/db/client';
import { runPlugin } from '../src/plugins';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CALLS = Number(arg('calls') ?? 1_000);
const ROUNDS = Number(arg('rounds') ?? 5);
const TARGET_MS = 5;
const SERVER = join(import.meta.dir, '..', 'src', 'mcp', '__fixtures__', 'failing-server.ts');

const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(2)}`;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

async function startServer(): Promise<{ url: string; proc: Bun.Subprocess }> {
  const proc = Bun.spawn(['bun', 'run', SERVER], { stdout: 'pipe', stderr: 'inherit' });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = '';
  while (!out.includes('\n')) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the MCP server did not start');
    out += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return { url: `http://127.0.0.1:${out.trim()}/mcp`, proc };
}

async function main() {
  const server = await startServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-mcp-'));
  const database = openPglite('memory://');
  await database.migrate();
  const root = createContext(loadConfig({ LOG_LEVEL: 'error', DATA_DIR: dataDir }), { database });
  await root.started;
  const app = createApp(root.ctx);
  const direct = new Client({ name: 'bench', version: '1.0.0' });
  try {
    const signup = await app.handle(
      new Request('http://localhost/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bench@confab.invalid', password: 'bench password 1' }),
      }),
    );
    const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0];
    const userId = ((await signup.json()) as { id: string }).id;
    const created = await app.handle(
      new Request('http://localhost/api/admin/mcp-servers', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ name: 'bench', url: server.url, transport: 'streamable-http' }),
      }),
    );
    if (created.status !== 201) throw new Error(`registering the server: ${created.status} ${await created.text()}`);
    await direct.connect(new StreamableHTTPClientTransport(new URL(server.url)));

    const registry = root.ctx.plugins.registry;
    const services = root.ctx.plugins.services;
    const args = { message: 'hello' };
    const viaDirect = async () => {
      const t = performance.now();
      const r = await direct.callTool({ name: 'echo', arguments: args });
      if (r.isError) throw new Error('direct call failed');
      return performance.now() - t;
    };
    const viaConfab = async () => {
      const t = performance.now();
      const r = await runPlugin(registry, 'mcp__bench__echo', args, { userId, services, signal: new AbortController().signal });
      if (!r.ok) throw new Error(`Confab call failed: ${r.error.code}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 200; i++) await Promise.all([viaDirect(), viaConfab()]);

    console.log(`MCP tool call, ${ROUNDS} rounds × ${CALLS} calls each way (p50 / p99 ms)`);
    const diffs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const base: number[] = [];
      const confab: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        if (Math.random() < 0.5) {
          base.push(await viaDirect());
          confab.push(await viaConfab());
        } else {
          confab.push(await viaConfab());
          base.push(await viaDirect());
        }
      }
      const [b50, b99, c50, c99] = [percentile(base, 0.5), percentile(base, 0.99), percentile(confab, 0.5), percentile(confab, 0.99)];
      diffs.push(c99 - b99);
      console.log(
        `round ${round}: SDK directly ${b50.toFixed(2)} / ${b99.toFixed(2)}, through Confab ${c50.toFixed(2)} / ${c99.toFixed(2)}, ` +
          `p99 ${signed(c99 - b99)} ms (ratio ${(c99 / b99).toFixed(2)})`,
      );
    }
    const median = percentile(diffs, 0.5);
    console.log(`median p99 overhead: ${signed(median)} ms (target ≤ ${TARGET_MS} ms): ${median <= TARGET_MS ? 'met' : 'NOT met'}`);
  } finally {
    await direct.close();
    await root.close();
    await database.close();
    server.proc.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
