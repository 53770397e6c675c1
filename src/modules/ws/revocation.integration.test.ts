import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createRedis, type RedisHandle } from '../../infra/redis/client';
import { RedisStreamHub } from '../../infra/stream-hub/redis-stream-hub';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { type Frame, TestSocket } from '../../testing/test-socket';
import type { LoggedFrame } from './model';
import { isFinal } from './producer';
import { REVOKED_CLOSE } from './session';

const url = process.env.TEST_REDIS_URL;
if (!url) console.warn('TEST_REDIS_URL is not set: skipping revocation across replicas');

/** Two replicas in one process, on one database and one Redis, exactly as two processes would share them. */
describe.skipIf(!url)('revocation across replicas', () => {
  let upstream: FakeUpstream;
  const replicas: Harness[] = [];
  const handles: RedisHandle[] = [];
  const sockets: TestSocket[] = [];
  let cleanup: () => Promise<void>;
  const prefix = `confab-test:${crypto.randomUUID()}:`;

  const socket = async (i: number, headers: Record<string, string>) => {
    const s = await TestSocket.open(`ws://127.0.0.1:${replicas[i].app.server!.port}/ws/chat`, headers);
    sockets.push(s);
    return s;
  };
  const startTurn = async (s: TestSocket) => {
    const requestId = crypto.randomUUID();
    s.send({ type: 'chat', requestId, message: 'Talk for a while.', model: 'gpt-4o-mini' });
    await s.until((f: Frame) => f.requestId === requestId && f.type === 'token');
    return requestId;
  };
  const finalFrame = async (i: number, requestId: string): Promise<Frame> => {
    for (;;) {
      const end = (await replicas[i].ctx.streams.read(requestId, 0)).find(isFinal);
      if (end) return end as Frame;
      await Bun.sleep(20);
    }
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ tps: 60, tokens: 600 });
    const [pglite] = testDatabases();
    const database = await pglite.open();
    cleanup = pglite.cleanup;
    for (let i = 0; i < 2; i++) {
      const redis = createRedis(url!);
      handles.push(redis);
      expect(await redis.waitReady(5_000)).toBe(true);
      const h = createHarness(database, testConfig({ OPENAI_API_KEY: 'sk-test-0000000', OPENAI_BASE_URL: `${upstream.url}/v1` }), {
        streams: new RedisStreamHub<LoggedFrame>(redis, { prefix }),
      });
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      replicas.push(h);
    }
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    for (const h of replicas) {
      await h.app.stop(true);
      await h.close();
    }
    for (const redis of handles) await redis.close();
    await upstream.stop();
    await cleanup();
  });

  test('revoking-a-key-on-one-replica-closes-its-sockets-stops-its-turn-and-refuses-it-on-another', async () => {
    const [a, b] = replicas;
    const user = await a.signup();
    const { id, key } = (await a.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'k' } })).body;
    // B has resolved (and cached) the key before it is revoked.
    expect((await b.request('GET', '/api/conversations', { bearer: key })).status).toBe(200);
    const onB = await socket(1, { authorization: `Bearer ${key}` });
    const requestId = await startTurn(onB);
    expect((await a.request('DELETE', `/api/keys/${id}`, { cookie: user.cookie })).status).toBe(200);
    expect(await onB.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(1, requestId)).finishReason).toBe('cancelled');
    // The socket closed once B heard of the revocation, and its key cache heard first.
    expect((await b.request('GET', '/api/conversations', { bearer: key })).status).toBe(401);
  });

  test('a-key-revoked-on-one-replica-is-refused-at-once-on-another', async () => {
    const [a, b] = replicas;
    const user = await a.signup();
    const { id, key } = (await a.json('POST', '/api/keys', { cookie: user.cookie, body: { name: 'k' } })).body;
    expect((await b.request('GET', '/api/conversations', { bearer: key })).status).toBe(200);
    const heard = new Promise<void>((resolve) => {
      const stop = b.ctx.revocations.subscribe((r) => {
        if (r.id !== id) return;
        stop();
        resolve();
      });
    });
    expect((await a.request('DELETE', `/api/keys/${id}`, { cookie: user.cookie })).status).toBe(200);
    await heard;
    // Well inside the cache's lifetime: the revocation, not the expiry, ended the cached entry.
    expect((await b.request('GET', '/api/conversations', { bearer: key })).status).toBe(401);
  });

  test('logout-on-one-replica-closes-that-sessions-sockets-on-another', async () => {
    const [a, b] = replicas;
    const user = await a.signup();
    const onB = await socket(1, { cookie: user.cookie });
    const requestId = await startTurn(onB);
    expect((await a.request('POST', '/api/auth/logout', { cookie: user.cookie })).status).toBe(200);
    expect(await onB.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(1, requestId)).finishReason).toBe('cancelled');
    expect((await b.request('GET', '/api/auth/me', { cookie: user.cookie })).status).toBe(401);
  });

  test('a-user-revocation-published-on-one-replica-reaches-every-socket-of-that-user', async () => {
    const [a] = replicas;
    const user = await a.signup();
    const onA = await socket(0, { cookie: user.cookie });
    const onB = await socket(1, { cookie: user.cookie });
    await a.ctx.revocations.publish({ kind: 'user', id: user.id });
    expect(await onA.closeCode()).toBe(REVOKED_CLOSE);
    expect(await onB.closeCode()).toBe(REVOKED_CLOSE);
  });
});
