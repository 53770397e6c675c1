import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import dashboard from '../../../grafana/dashboards/confab.json';
import { type RunningServer, startServer } from '../../server';
import { testConfig } from '../../testing/app-harness';
import { uploadDocument } from '../documents/service';

const prometheusBin = process.env.PROMETHEUS_BIN;
if (!prometheusBin) console.warn('PROMETHEUS_BIN is not set: skipping the dashboard test against a real Prometheus');

/** Each panel query as Grafana would send it; $__rate_interval becomes a window the test's scrapes fill. */
const queries = dashboard.panels.flatMap((panel) =>
  panel.targets.map((t) => ({ panel: panel.title, expr: t.expr.replaceAll('$__rate_interval', '30s') })),
);

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

/** A little of everything the dashboard shows: API calls, errors, a fallback, streamed and WebSocket turns, a rate-limit rejection, an ingestion. */
async function generateLoad(server: RunningServer, dataDir: string) {
  const base = server.url;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'dash@example.com', password: 'correct horse battery' }),
  });
  const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0];
  const user = (await signup.json()) as { id: string };
  const headers = { cookie, 'content-type': 'application/json' };
  for (const path of ['/api/conversations', '/api/models', '/nowhere']) await (await fetch(base + path, { headers })).text();
  const chat = (model: string) =>
    fetch(`${base}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ message: 'hello there', model }) });
  // OPENAI_BASE_URL points at a closed port, so this falls back to the offline model.
  expect((await chat('gpt-4o-mini')).status).toBe(200);
  const streamed = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'offline', stream: true, messages: [{ role: 'user', content: 'stream please' }] }),
  });
  expect(streamed.status).toBe(200);
  await streamed.text();
  await websocketTurn(base, cookie);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await chat('offline')).status);
  expect(statuses).toContain(429);
  await ingestOne(server, user.id, dataDir);
}

async function websocketTurn(base: string, cookie: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/chat`, { headers: { cookie } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () =>
      ws.send(JSON.stringify({ type: 'chat', requestId: crypto.randomUUID(), message: 'over the socket', model: 'offline' }));
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      if (frame.type === 'done') resolve();
      if (frame.type === 'error') reject(new Error(frame.message));
    };
    ws.onerror = () => reject(new Error('websocket failed'));
  });
  ws.close();
}

async function ingestOne(server: RunningServer, userId: string, dataDir: string) {
  // The server's own ingestion: chunking and embedding run on its scheduler's workers.
  const { database, ingestion } = server.ctx;
  const { document } = await uploadDocument(
    { db: database.db, dataDir, maxUploadBytes: 1 << 20, submit: (doc) => ingestion.submit(doc) },
    userId,
    { bytes: new TextEncoder().encode('# Notes\n\nPrometheus scrapes the server every second.'), fileName: 'notes.md' },
  );
  await until(async () => {
    const [row] = await database.rows<{ status: string }>(sqlStatus(document.id));
    return row?.status === 'ready' ? true : undefined;
  }, 'the document to be ingested');
}

const sqlStatus = (id: string) => sql`select status from documents where id = ${id}`;

describe.skipIf(!prometheusBin)('grafana dashboard against a real Prometheus', () => {
  let server: RunningServer;
  let prometheus: ReturnType<typeof Bun.spawn>;
  let promUrl: string;
  const dir = mkdtempSync(join(tmpdir(), 'confab-dash-'));

  beforeAll(async () => {
    const config = testConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      RATE_LIMIT_RPM: '4',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1`,
    });
    server = await startServer(config);
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    await Bun.write(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: confab',
        `    static_configs: [{ targets: ['${new URL(server.url).host}'] }]`,
      ].join('\n'),
    );
    prometheus = Bun.spawn(
      [
        prometheusBin!,
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      { stdout: 'ignore', stderr: 'ignore' },
    );
    await until(async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined), 'Prometheus to be ready');
  });

  afterAll(async () => {
    prometheus?.kill();
    await prometheus?.exited;
    await server?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (expr: string) => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  };

  test('every-panel-query-returns-data-after-a-little-load', async () => {
    await generateLoad(server, join(dir, 'data'));
    const loadDone = Date.now();
    // A few scrapes after the load, so every counter has samples on both sides of a rate window.
    await until(
      async () =>
        (await query(`count_over_time(up{job="confab"}[${Math.ceil((Date.now() - loadDone) / 1000) + 1}s]) >= 4`)).length
          ? true
          : undefined,
      'scrapes',
    );
    const empty: string[] = [];
    for (const { panel, expr } of queries) if ((await query(expr)).length === 0) empty.push(`${panel}: ${expr}`);
    expect(empty).toEqual([]);
    expect(queries.length).toBeGreaterThanOrEqual(dashboard.panels.length);
  });
});
