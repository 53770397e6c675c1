import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq } from 'drizzle-orm';
import { sessions, users } from '../../db/schema';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';
import { type Frame, isEnd, TestSocket } from '../../testing/test-socket';
import { isFinal } from './producer';
import { REVOKED_CLOSE } from './session';

/** Long enough that a turn is still streaming when its principal is revoked. */
const SLOW = { tps: 60, tokens: 600 };
const rid = () => `r-${crypto.randomUUID()}`;

/** The frame that ended a request's log, read from the hub as any replica would. */
async function finalFrame(h: Harness, requestId: string): Promise<Frame> {
  for (;;) {
    const end = (await h.ctx.streams.read(requestId, 0)).find(isFinal);
    if (end) return end as Frame;
    await Bun.sleep(20);
  }
}

describe('/ws/chat after revocation', () => {
  let upstream: FakeUpstream;
  let h: Harness;
  let url: string;
  let cleanup: () => Promise<void>;
  const sockets: TestSocket[] = [];
  const open = async (headers: Record<string, string>) => {
    const s = await TestSocket.open(url, headers);
    sockets.push(s);
    return s;
  };
  const startTurn = async (socket: TestSocket) => {
    const requestId = rid();
    socket.send({ type: 'chat', requestId, message: 'Talk for a while.', model: 'gpt-4o-mini' });
    await socket.until((f: Frame) => f.requestId === requestId && f.type === 'token');
    return requestId;
  };
  const login = async (email: string) => {
    const res = await h.request('POST', '/api/auth/login', { body: { email, password: 'correct horse battery' } });
    return (res.headers.get('set-cookie') ?? '').split(';')[0];
  };
  const newKey = async (cookie: string) =>
    (await h.json('POST', '/api/keys', { cookie, body: { name: 'k' } })).body as { id: string; key: string };

  beforeAll(async () => {
    upstream = await startFakeUpstream({ ...SLOW });
    const [pglite] = testDatabases();
    h = createHarness(await pglite.open(), testConfig({ OPENAI_API_KEY: 'sk-test-0000000', OPENAI_BASE_URL: `${upstream.url}/v1` }));
    h.app.listen({ port: 0, hostname: '127.0.0.1' });
    url = `ws://127.0.0.1:${h.app.server!.port}/ws/chat`;
    cleanup = pglite.cleanup;
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await h.app.stop(true);
    await h.close();
    await upstream.stop();
    await cleanup();
  });

  test('logout-closes-that-sessions-sockets-with-4401-and-stops-their-turns', async () => {
    const user = await h.signup();
    const other = await login(user.email);
    const ended = await open({ cookie: user.cookie });
    const kept = await open({ cookie: other });
    const requestId = await startTurn(ended);
    expect((await h.request('POST', '/api/auth/logout', { cookie: user.cookie })).status).toBe(200);
    expect(await ended.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(h, requestId)).finishReason).toBe('cancelled');
    // The user's other session is untouched.
    expect(kept.closed).toBeNull();
    const still = rid();
    upstream.configure({ tokens: 8, tps: 0 });
    kept.send({ type: 'chat', requestId: still, message: 'Still here?', model: 'gpt-4o-mini' });
    expect((await kept.until(isEnd(still))).type).toBe('done');
    upstream.configure(SLOW);
  });

  test('revoking-a-key-closes-its-sockets-with-4401-and-stops-their-turns', async () => {
    const user = await h.signup();
    const { id, key } = await newKey(user.cookie);
    const byKey = await open({ authorization: `Bearer ${key}` });
    const byCookie = await open({ cookie: user.cookie });
    const requestId = await startTurn(byKey);
    expect((await h.request('DELETE', `/api/keys/${id}`, { cookie: user.cookie })).status).toBe(200);
    expect(await byKey.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(h, requestId)).finishReason).toBe('cancelled');
    expect(byCookie.closed).toBeNull();
  });

  test('a-revoked-user-loses-every-socket-and-running-turn', async () => {
    const user = await h.signup();
    const { key } = await newKey(user.cookie);
    const byKey = await open({ authorization: `Bearer ${key}` });
    const byCookie = await open({ cookie: user.cookie });
    const bystander = await open({ cookie: (await h.signup()).cookie });
    const requestId = await startTurn(byCookie);
    await h.ctx.revocations.publish({ kind: 'user', id: user.id });
    expect(await byKey.closeCode()).toBe(REVOKED_CLOSE);
    expect(await byCookie.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(h, requestId)).finishReason).toBe('cancelled');
    expect(bystander.closed).toBeNull();
  });

  test('disabling-a-user-closes-their-sockets-at-once-and-stops-their-turns', async () => {
    const admin = await h.signup();
    await h.ctx.database.db.update(users).set({ role: 'admin' }).where(eq(users.id, admin.id));
    const user = await h.signup();
    const { key } = await newKey(user.cookie);
    const byKey = await open({ authorization: `Bearer ${key}` });
    const byCookie = await open({ cookie: user.cookie });
    const requestId = await startTurn(byCookie);
    const res = await h.json('PATCH', `/api/admin/users/${user.id}`, { cookie: admin.cookie, body: { status: 'disabled' } });
    expect(res.status).toBe(200);
    expect(await byKey.closeCode()).toBe(REVOKED_CLOSE);
    expect(await byCookie.closeCode()).toBe(REVOKED_CLOSE);
    expect((await finalFrame(h, requestId)).finishReason).toBe('cancelled');
  });

  test('a-frame-on-a-socket-whose-session-is-gone-runs-nothing', async () => {
    const user = await h.signup();
    const socket = await open({ cookie: user.cookie });
    // Removed behind the server's back, so no revocation is published: the frame itself must be refused.
    await h.ctx.database.db.delete(sessions).where(eq(sessions.userId, user.id));
    const requestId = rid();
    socket.send({ type: 'chat', requestId, message: 'Hello?', model: 'gpt-4o-mini' });
    expect(await socket.closeCode()).toBe(REVOKED_CLOSE);
    expect(await h.ctx.streams.owner(requestId)).toBeNull();
  });
});
