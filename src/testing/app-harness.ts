import { createApp } from '../app';
import { type Config, loadConfig } from '../config';
import type { AppContext } from '../context';
import type { Database } from '../db/client';
import { MemoryBus } from '../infra/bus/memory-bus';
import { createMemoryIngestQueue } from '../infra/bus/memory-ingest-queue';
import { type ChatRuntimeOptions, createChatRuntime } from '../modules/chat/runtime';
import { KeyCache } from '../modules/keys/key-cache';
import { startUsageConsumer } from '../modules/usage/consumer';
import { createIngestion, type Ingestion } from '../rag/ingestion';

export interface Harness {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  json<T = any>(method: string, path: string, opts?: RequestOptions): Promise<{ status: number; body: T; headers: Headers }>;
  /** Signs up a user and returns its session cookie header value. */
  signup(email?: string, password?: string): Promise<{ cookie: string; id: string; email: string }>;
}

export interface RequestOptions {
  body?: unknown;
  raw?: BodyInit;
  cookie?: string;
  bearer?: string;
  headers?: Record<string, string>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: `/tmp/confab-test-${crypto.randomUUID()}`, ...env });
}

/** Drives the real app in-process (no socket) against the given database. */
export function createHarness(database: Database, config: Config = testConfig(), runtime: ChatRuntimeOptions = {}): Harness {
  const bus = new MemoryBus();
  void startUsageConsumer(bus, database.db);
  const chat = createChatRuntime(config, database, runtime);
  // Ingestion runs inline (no worker pool) so each harness stays light.
  const ingestion: Ingestion = createIngestion({
    database,
    embedder: chat.embedder,
    queue: createMemoryIngestQueue(),
    dataDir: config.dataDir,
    backoffMs: 50,
  });
  // A test may close the database before the start-up scan ran; nothing is left to ingest then.
  ingestion.start().catch(() => {});
  const ctx: AppContext = {
    config,
    database,
    lifecycle: { draining: false, closers: [() => ingestion.stop()] },
    keys: new KeyCache(database.db),
    bus,
    ingestion,
    ...chat,
  };
  const app = createApp(ctx);
  const request = (method: string, path: string, opts: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
  };
  const json = async (method: string, path: string, opts?: RequestOptions) => {
    const res = await request(method, path, opts);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const signup = async (email = `u${crypto.randomUUID().slice(0, 8)}@example.com`, password = 'correct horse battery') => {
    const res = await request('POST', '/api/auth/signup', { body: { email, password } });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    const user = (await res.json()) as { id: string };
    return { cookie, id: user.id, email };
  };
  return { ctx, app, request, json, signup };
}
