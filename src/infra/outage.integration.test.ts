import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type RunningServer, startServer } from '../server';
import { testConfig } from '../testing/app-harness';

// Private Redis and Kafka processes: this test stops and restarts them, so it must not use the shared ones.
const services = `${import.meta.dir}/../../scripts/services`;
const enabled = Boolean(process.env.TEST_REDIS_URL && process.env.TEST_KAFKA_BROKERS && Bun.which('redis-server'));
if (!enabled) console.warn('TEST_REDIS_URL, TEST_KAFKA_BROKERS and redis-server are needed: skipping the outage test');

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

const startRedis = (port: number) =>
  Bun.spawn(['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdout: 'ignore',
    stderr: 'ignore',
  });

/** librdkafka's mock broker, built by the service scripts; its port is printed on its first line. */
async function startKafka(): Promise<{ proc: ReturnType<typeof Bun.spawn>; brokers: string }> {
  const bin = Bun.spawnSync(['bash', '-c', `source ${services}/lib.sh && source ${services}/kafka.sh && kafka_binary`])
    .stdout.toString()
    .trim();
  const proc = Bun.spawn([bin], { stdout: 'pipe', stderr: 'ignore' });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let out = '';
  while (!out.includes('\n')) out += new TextDecoder().decode((await reader.read()).value);
  reader.releaseLock();
  return { proc, brokers: out.trim() };
}

describe.skipIf(!enabled)('Redis and Kafka going away and coming back', () => {
  const redisPort = freePort();
  let redis: ReturnType<typeof Bun.spawn>;
  let kafka: Awaited<ReturnType<typeof startKafka>>;
  let server: RunningServer;
  let cookie = '';

  beforeAll(async () => {
    redis = startRedis(redisPort);
    kafka = await startKafka();
    server = await startServer(
      testConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        KAFKA_BROKERS: kafka.brokers,
      }),
    );
    const res = await fetch(`${server.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'outage@example.com', password: 'correct horse battery' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  });

  afterAll(async () => {
    await server?.shutdown();
    redis?.kill();
    kafka?.proc.kill('SIGCONT');
    kafka?.proc.kill();
  });

  const ready = async () =>
    (await (await fetch(`${server.url}/ready`)).json()) as { status: string; dependencies?: Record<string, string> };
  const chat = async () =>
    (
      await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'still there?' }),
      })
    ).status;

  test('keeps-serving-reports-what-is-down-and-recovers-without-a-restart', async () => {
    await until(async () => ((await ready()).status === 'ready' ? true : undefined), 'both services up');

    redis.kill('SIGKILL');
    await redis.exited;
    const degraded = await until(async () => {
      const r = await ready();
      return r.dependencies?.redis === 'down' ? r : undefined;
    }, 'redis down');
    expect(degraded.status).toBe('degraded');
    expect(await chat()).toBe(200);

    redis = startRedis(redisPort);
    await until(async () => ((await ready()).dependencies?.redis === 'up' ? true : undefined), 'redis back');
    expect(await chat()).toBe(200);

    // A hung broker: connections stay open but nothing answers.
    kafka.proc.kill('SIGSTOP');
    expect(await chat()).toBe(200);
    await until(async () => {
      await chat();
      return (await ready()).dependencies?.kafka === 'down' ? true : undefined;
    }, 'kafka down');
    expect((await ready()).status).toBe('degraded');

    kafka.proc.kill('SIGCONT');
    await until(async () => ((await ready()).status === 'ready' ? true : undefined), 'kafka back');
    expect(await chat()).toBe(200);
  });
});
