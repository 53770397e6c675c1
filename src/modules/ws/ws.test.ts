import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { messages } from '../../db/schema';
import { MemoryStreamHub } from '../../infra/stream-hub';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { isEnd, TestSocket } from '../../testing/test-socket';

let upstream: FakeUpstream;
beforeAll(async () => {
  upstream = await startFakeUpstream({ tokens: 16 });
});
afterAll(() => upstream.stop());

const rid = () => `t-${crypto.randomUUID()}`;
const SLOW = { tps: 60, tokens: 200 };
const FAST = { tps: 0, tokens: 16, error: null, cutAfter: null };

function listen(h: Harness): string {
  h.app.listen({ port: 0, hostname: '127.0.0.1' });
  return `ws://127.0.0.1:${h.app.server!.port}/ws/chat`;
}

for (const tdb of testDatabases()) {
  describe(`/ws/chat on ${tdb.name}`, () => {
    let h: Harness;
    let url: string;
    let alice: { cookie: string; id: string };
    const sockets: TestSocket[] = [];
    const open = async (cookie = alice.cookie) => {
      const s = await TestSocket.open(url, { cookie });
      sockets.push(s);
      return s;
    };
    const stored = async (requestId: string) =>
      (await h.ctx.database.db.select().from(messages).where(eq(messages.requestId, requestId))).find((m) => m.role === 'assistant')!;

    beforeAll(async () => {
      const db = await tdb.open();
      h = createHarness(db, testConfig({ OPENAI_API_KEY: 'sk-test-0000000', OPENAI_BASE_URL: `${upstream.url}/v1` }), {
        streams: new MemoryStreamHub(300),
      });
      url = listen(h);
      alice = await h.signup();
    });
    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close()));
      await h.app.stop(true);
      upstream.configure(FAST);
      await tdb.cleanup();
    });

    test('streams-a-turn-with-increasing-seq-and-stores-it', async () => {
      upstream.configure(FAST);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Say something.', model: 'gpt-4o-mini' });
      const done = await ws.until(isEnd(requestId));
      expect(done.type).toBe('done');
      const frames = ws.of(requestId);
      expect(frames[0].type).toBe('start');
      expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
      expect(frames.filter((f) => f.type === 'token').length).toBeGreaterThan(1);
      expect(done.usage.completionTokens).toBeGreaterThan(0);
      const row = await stored(requestId);
      expect(row.status).toBe('complete');
      expect(row.content).toBe(ws.text(requestId));
    });

    test('stop-aborts-the-turn-and-stores-it-interrupted', async () => {
      upstream.configure(SLOW);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Talk for a while.', model: 'gpt-4o-mini' });
      await ws.until((f) => f.requestId === requestId && f.type === 'token');
      ws.send({ type: 'stop', requestId });
      const done = await ws.until(isEnd(requestId));
      expect(done.finishReason).toBe('cancelled');
      const row = await stored(requestId);
      expect(row.status).toBe('interrupted');
      expect(row.content.length).toBeGreaterThan(0);
      expect(row.content).toBe(ws.text(requestId));
      expect(row.completionTokens!).toBeLessThan(200);
    });

    test('resumes-after-reconnect-without-gap-or-duplicate', async () => {
      upstream.configure(SLOW);
      const first = await open();
      const requestId = rid();
      first.send({ type: 'chat', requestId, message: 'Talk for a while.', model: 'gpt-4o-mini' });
      await first.until((f) => f.requestId === requestId && f.type === 'token' && f.seq >= 4);
      await first.close();
      const seen = first.of(requestId);
      const lastSeq = seen.at(-1)!.seq;
      const second = await open();
      second.send({ type: 'resume', requestId, lastSeq });
      await second.until(isEnd(requestId));
      const rest = second.of(requestId);
      expect(rest[0].seq).toBe(lastSeq + 1);
      const all = [...seen, ...rest].map((f) => f.seq);
      expect(all).toEqual(all.map((_, i) => i + 1));
      expect((await stored(requestId)).content).toBe(first.text(requestId) + second.text(requestId));
    });

    test('resume-after-the-turn-ended-replays-the-rest', async () => {
      upstream.configure(FAST);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Hello.', model: 'gpt-4o-mini' });
      await ws.until(isEnd(requestId));
      const again = await open();
      again.send({ type: 'resume', requestId, lastSeq: 2 });
      await again.until(isEnd(requestId));
      expect(again.of(requestId).map((f) => f.seq)).toEqual(
        ws
          .of(requestId)
          .slice(2)
          .map((f) => f.seq),
      );
    });

    test('resume-after-expiry-is-not-resumable', async () => {
      upstream.configure(FAST);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Hello.', model: 'gpt-4o-mini' });
      await ws.until(isEnd(requestId));
      for (let i = 0; i < 100 && (await h.ctx.streams.owner(requestId)) !== null; i++) await Bun.sleep(20);
      ws.send({ type: 'resume', requestId, lastSeq: 0 });
      const err = await ws.until((f) => f.requestId === requestId && f.type === 'error');
      expect(err.code).toBe('not_resumable');
    });

    test('another-users-resume-and-stop-are-not-found', async () => {
      upstream.configure(SLOW);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Talk for a while.', model: 'gpt-4o-mini' });
      await ws.until((f) => f.requestId === requestId && f.type === 'token');
      const mallory = await open((await h.signup()).cookie);
      mallory.send({ type: 'resume', requestId, lastSeq: 0 });
      mallory.send({ type: 'stop', requestId });
      await mallory.until((f) => f.requestId === requestId && f.type === 'error');
      await Bun.sleep(50);
      expect(mallory.of(requestId).map((f) => [f.type, f.code])).toEqual([
        ['error', 'not_found'],
        ['error', 'not_found'],
      ]);
      ws.send({ type: 'stop', requestId });
      expect((await ws.until(isEnd(requestId))).finishReason).toBe('cancelled');
    });

    test('invalid-frames-get-an-error-and-the-socket-stays-open', async () => {
      upstream.configure(FAST);
      const ws = await open();
      ws.send('not json');
      ws.send({ type: 'chat', requestId: 'x' });
      ws.send({ type: 'dance' });
      await ws.until(() => ws.frames.filter((f) => f.type === 'error').length === 3);
      expect(ws.frames.every((f) => f.code === 'invalid_frame')).toBe(true);
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Still there?', model: 'gpt-4o-mini' });
      expect((await ws.until(isEnd(requestId))).type).toBe('done');
    });

    test('upgrade-without-credentials-is-refused', async () => {
      await expect(TestSocket.open(url)).rejects.toThrow();
    });

    test('fallback-frame-when-the-provider-breaks-mid-stream', async () => {
      upstream.configure({ ...FAST, error: 'cut', cutAfter: 3 });
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'chat', requestId, message: 'Tell me something.', model: 'gpt-4o-mini' });
      const end = await ws.until(isEnd(requestId));
      upstream.configure(FAST);
      expect(end.type).toBe('done');
      const fallback = ws.of(requestId).find((f) => f.type === 'fallback');
      expect(fallback).toMatchObject({ from: 'openai/gpt-4o-mini', to: 'offline' });
      const tokensBefore = ws.of(requestId).filter((f) => f.type === 'token' && f.seq < fallback!.seq);
      expect(tokensBefore.length).toBeGreaterThan(0);
      expect((await stored(requestId)).content).toBe(ws.text(requestId));
    });

    test('benchmark-streams-columns-tagged-by-model', async () => {
      upstream.configure(FAST);
      const ws = await open();
      const requestId = rid();
      ws.send({ type: 'benchmark', requestId, prompt: 'Say hi.', models: ['gpt-4o-mini', 'offline', 'no-such-model'] });
      const summary = await ws.until((f) => f.requestId === requestId && f.type === 'benchmark');
      const frames = ws.of(requestId);
      expect(new Set(frames.filter((f) => f.type === 'token').map((f) => f.model))).toEqual(new Set(['gpt-4o-mini', 'offline']));
      expect(
        frames
          .filter((f) => f.type === 'done')
          .map((f) => f.model)
          .sort(),
      ).toEqual(['gpt-4o-mini', 'offline']);
      expect(frames.find((f) => f.type === 'error')).toMatchObject({ model: 'no-such-model', code: 'unknown_model' });
      expect(summary.results).toHaveLength(3);
    });
  });
}

describe('/ws/chat rate limits', () => {
  test('over-the-limit-gets-a-rate-limited-error-frame', async () => {
    const [tdb] = testDatabases();
    const h = createHarness(await tdb.open(), testConfig({ RATE_LIMIT_RPM: '1' }));
    const url = listen(h);
    const user = await h.signup();
    const ws = await TestSocket.open(url, { cookie: user.cookie });
    const [a, b] = [rid(), rid()];
    ws.send({ type: 'chat', requestId: a, message: 'One.' });
    await ws.until(isEnd(a));
    ws.send({ type: 'chat', requestId: b, message: 'Two.' });
    const err = await ws.until(isEnd(b));
    expect(err).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect(err.retryAfterMs).toBeGreaterThan(0);
    await ws.close();
    await h.app.stop(true);
    await tdb.cleanup();
  });
});
