import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createRedis, type RedisHandle } from '../redis/client';
import { RedisStreamHub } from './redis-stream-hub';
import type { StreamFrame } from './types';

const url = process.env.TEST_REDIS_URL;
if (!url) console.warn('TEST_REDIS_URL is not set: skipping the Redis stream hub tests');

const frame = (requestId: string, seq: number): StreamFrame => ({ type: 'token', requestId, seq, delta: `t${seq}` });

async function until(check: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describe.skipIf(!url)('redis stream hub across replicas', () => {
  const handles: RedisHandle[] = [];
  let a: RedisStreamHub;
  let b: RedisStreamHub;
  const prefix = `confab-test:${crypto.randomUUID()}:`;

  beforeAll(async () => {
    handles.push(createRedis(url!), createRedis(url!));
    for (const h of handles) expect(await h.waitReady(5_000)).toBe(true);
    a = new RedisStreamHub(handles[0], { prefix, ttlMs: 300 });
    b = new RedisStreamHub(handles[1], { prefix, ttlMs: 300 });
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    for (const h of handles) await h.close();
  });

  test('lets-one-replica-claim-a-request-id-once', async () => {
    const id = crypto.randomUUID();
    expect(await a.create(id, 'alice')).toBe(true);
    expect(await b.create(id, 'mallory')).toBe(false);
    expect(await b.owner(id)).toBe('alice');
  });

  test('resumes-on-another-replica-replaying-after-last-seq-then-live', async () => {
    const id = crypto.randomUUID();
    await a.create(id, 'alice');
    for (let seq = 1; seq <= 5; seq++) await a.append(id, frame(id, seq));
    const got: number[] = [];
    const unsubscribe = await b.subscribe(id, 2, (f) => got.push(f.seq));
    expect(got).toEqual([3, 4, 5]);
    for (let seq = 6; seq <= 9; seq++) await a.append(id, frame(id, seq));
    await until(() => got.length === 7, 'live frames');
    expect(got).toEqual([3, 4, 5, 6, 7, 8, 9]);
    unsubscribe();
    expect((await b.read(id, 7)).map((f) => f.seq)).toEqual([8, 9]);
  });

  test('a-reader-joining-mid-stream-sees-no-gap-and-no-duplicate', async () => {
    const id = crypto.randomUUID();
    await a.create(id, 'alice');
    const writing = (async () => {
      for (let seq = 1; seq <= 200; seq++) await a.append(id, frame(id, seq));
      await a.finish(id);
    })();
    await Bun.sleep(5);
    const got: number[] = [];
    await b.subscribe(id, 0, (f) => got.push(f.seq));
    await writing;
    await until(() => got.length === 200, 'all frames');
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  test('skips-duplicate-append', async () => {
    const id = crypto.randomUUID();
    await a.create(id, 'alice');
    await a.append(id, frame(id, 1));
    await a.append(id, frame(id, 1));
    await a.append(id, frame(id, 2));
    expect((await b.read(id, 0)).map((f) => f.seq)).toEqual([1, 2]);
  });

  test('a-control-message-reaches-every-replica-once-and-this-one-before-broadcast-returns', async () => {
    const got = { a: [] as unknown[], b: [] as unknown[] };
    const offA = a.onBroadcast((m) => got.a.push(m));
    const offB = b.onBroadcast((m) => got.b.push(m));
    const message = { type: 'test', id: crypto.randomUUID() };
    await a.broadcast(message);
    expect(got.a).toEqual([message]);
    await until(() => got.b.length === 1, 'the message on the other replica');
    // A marker sent after it arrives after it, so nothing else was coming.
    await a.broadcast({ type: 'marker' });
    await until(() => got.b.length === 2, 'the marker');
    expect(got).toEqual({ a: [message, { type: 'marker' }], b: [message, { type: 'marker' }] });
    offA();
    offB();
  });

  test('a-finished-log-stops-its-readers-and-expires-after-the-ttl', async () => {
    const id = crypto.randomUUID();
    await a.create(id, 'alice');
    await a.append(id, frame(id, 1));
    const got: number[] = [];
    await b.subscribe(id, 0, (f) => got.push(f.seq));
    await a.append(id, frame(id, 2));
    await a.finish(id);
    await until(() => got.length === 2, 'frames before finish');
    expect((await b.read(id, 0)).length).toBe(2);
    const deadline = Date.now() + 5_000;
    while ((await b.owner(id)) !== null && Date.now() < deadline) await Bun.sleep(50);
    expect(await b.owner(id)).toBeNull();
    expect(await b.read(id, 0)).toEqual([]);
  });
});
