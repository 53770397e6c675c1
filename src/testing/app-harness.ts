import { createScheduler, type Scheduler } from '../../scheduler/index';
import { createApp } from '../app';
import { type Config, loadConfig } from '../config';
import type { AppContext } from '../context';
import { type ContextOverrides, createContext } from '../create-context';
import type { Database } from '../db/client';
import { CPU_HANDLERS_PATH } from '../rag/cpu-handlers';

export interface Harness {
  ctx: AppContext;
  app: ReturnType<typeof createApp>;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  json<T = any>(method: string, path: string, opts?: RequestOptions): Promise<{ status: number; body: T; headers: Headers }>;
  /** Signs up a user and returns its session cookie header value. */
  signup(email?: string, password?: string): Promise<{ cookie: string; id: string; email: string }>;
  /** Stops background work as shutdown does; the database stays open for its owner. */
  close(): Promise<void>;
}

export interface RequestOptions {
  body?: unknown;
  raw?: BodyInit;
  cookie?: string;
  bearer?: string;
  headers?: Record<string, string>;
}

/**
 * The config tests run with: quiet, on a fresh data dir, and without the per-address sign-up limit,
 * because every in-process request comes from one unknown address and tests sign up freely (tests
 * of that limit set `SIGNUP_RATE_PER_HOUR`).
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: `/tmp/confab-test-${crypto.randomUUID()}`, SIGNUP_RATE_PER_HOUR: '0', ...env });
}

let scheduler: Scheduler | undefined;
const sharedScheduler = () => (scheduler ??= createScheduler({ handlers: CPU_HANDLERS_PATH, workers: 1 }));

/**
 * Drives the app in-process (no socket) against the given database, built by the same composition
 * root as production; every harness of the test process shares one scheduler.
 */
export function createHarness(
  database: Database,
  config: Config = testConfig(),
  overrides: Omit<ContextOverrides, 'database'> = {},
): Harness {
  const root = createContext(config, { scheduler: sharedScheduler(), ...overrides, database });
  // A test may close its database before start-up finished; only its own requests could notice.
  root.started.catch(() => {});
  const app = createApp(root.ctx);
  const request = async (method: string, path: string, opts: RequestOptions = {}) => {
    await root.started;
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
  return { ctx: root.ctx, app, request, json, signup, close: root.close };
}
