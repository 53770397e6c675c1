import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type RunningServer, startServer } from '../server';
import { testConfig } from '../testing/app-harness';
import { createScratchDatabase } from '../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../testing/fake-upstream';
import { isEnd, TestSocket } from '../testing/test-socket';

const { TEST_DATABASE_URL, TEST_REDIS_URL, TEST_KAFKA_BROKERS } = process.env;
const ready = TEST_DATABASE_URL && TEST_REDIS_URL && TEST_KAFKA_BROKERS;
if (!ready) console.warn('TEST_DATABASE_URL, TEST_REDIS_URL and TEST_KAFKA_BROKERS are needed: skipping the two-replica tests');

/** Two replicas in one process, sharing PostgreSQL, Redis and Kafka exactly as two processes would. */
describe.skipIf(!ready)('two replicas sharing Postgres, Redis and Kafka', () => {
  let upstream: FakeUpstream;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const replicas: RunningServer[] = [];
  let cookie = '';

  beforeAll(async () => {
    // Slow enough that a turn is still streaming when the client moves to the other replica.
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini'], tokens: 60, tps: 40 });
    scratch = await createScratchDatabase(TEST_DATABASE_URL!);
    const dataDir = `/tmp/confab-replicas-${crypto.randomUUID()}`;
    for (let i = 0; i < 2; i++) {
      replicas.push(
        await startServer(
          testConfig({
            PORT: '0',
            HOST: '127.0.0.1',
            DATA_DIR: dataDir,
            DATABASE_URL: scratch.url,
            REDIS_URL: TEST_REDIS_URL!,
            KAFKA_BROKERS: TEST_KAFKA_BROKERS!,
            OPENAI_API_KEY: 'sk-test',
            OPENAI_BASE_URL: `${upstream.url}/v1`,
            RATE_LIMIT_RPM: '4',
          }),
        ),
      );
    }
    const res = await fetch(`${replicas[0].url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `r${crypto.randomUUID().slice(0, 6)}@example.com`, password: 'correct horse battery' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  });

  afterAll(async () => {
    for (const r of replicas) await r.shutdown();
    await upstream?.stop();
    await scratch?.drop();
  });

  const socket = (i: number) => TestSocket.open(`${replicas[i].url.replace('http', 'ws')}/ws/chat`, { cookie });

  test('resumes-on-another-replica-with-no-gap-and-no-duplicate', async () => {
    const requestId = crypto.randomUUID();
    const first = await socket(0);
    first.send({ type: 'chat', requestId, message: 'tell me something long', model: 'gpt-4o-mini' });
    await first.until((f) => f.requestId === requestId && f.type === 'token' && f.seq >= 5);
    const watcher = await socket(1);
    watcher.send({ type: 'resume', requestId, lastSeq: 0 });
    const lastSeq = Math.max(...first.of(requestId).map((f) => f.seq));
    await first.close();

    const second = await socket(1);
    second.send({ type: 'resume', requestId, lastSeq });
    const done = await second.until(isEnd(requestId));
    expect(done.type).toBe('done');
    const seqs = [...first.of(requestId), ...second.of(requestId)].map((f) => f.seq);
    expect(seqs).toEqual(Array.from({ length: done.seq }, (_, i) => i + 1));
    // A second tab on the other replica saw the whole turn.
    await watcher.until(isEnd(requestId));
    expect(watcher.of(requestId).map((f) => f.seq)).toEqual(seqs);
    await Promise.all([second.close(), watcher.close()]);
  });

  test('stop-reaches-the-replica-running-the-turn', async () => {
    const requestId = crypto.randomUUID();
    const first = await socket(0);
    first.send({ type: 'chat', requestId, message: 'count to sixty slowly', model: 'gpt-4o-mini' });
    await first.until((f) => f.requestId === requestId && f.type === 'token' && f.seq >= 3);
    const other = await socket(1);
    other.send({ type: 'stop', requestId });
    const end = await first.until(isEnd(requestId));
    expect(end.type).toBe('done');
    expect(end.finishReason).toBe('cancelled');
    const tokens = first.of(requestId).filter((f) => f.type === 'token').length;
    expect(tokens).toBeLessThan(60);
    await Promise.all([first.close(), other.close()]);
  });

  test('shares-limits-between-replicas', async () => {
    const chat = (i: number) =>
      fetch(`${replicas[i].url}/api/chat`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'hi', model: 'offline' }),
      });
    const statuses: number[] = [];
    for (const i of [0, 1, 0, 1, 0, 1]) statuses.push((await chat(i)).status);
    // 4 per minute per user: with a bucket per replica, 3 requests on each would all pass.
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(4);
  });

  test('readiness-reports-both-shared-services-up', async () => {
    for (const r of replicas) {
      const body = await (await fetch(`${r.url}/ready`)).json();
      expect(body).toEqual({ status: 'ready', dependencies: { redis: 'up', kafka: 'up' } });
    }
  });
});
