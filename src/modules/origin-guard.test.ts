import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness, testConfig } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';
import { TestSocket } from '../testing/test-socket';

const EVIL = 'http://evil.example';
const [tdb] = testDatabases();

describe('origin guard', () => {
  let h: Harness;
  let alice: { cookie: string; id: string };
  const titles = async () =>
    (await h.json('GET', '/api/conversations', { cookie: alice.cookie })).body.items.map((c: { title: string }) => c.title);
  const create = (title: string, headers: Record<string, string>, auth: { cookie?: string; bearer?: string } = alice) =>
    h.json('POST', '/api/conversations', { ...auth, headers, body: { title } });

  beforeAll(async () => {
    h = createHarness(
      await tdb.open(),
      testConfig({ PUBLIC_URL: 'https://chat.example.com/confab/', ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:5173' }),
    );
    alice = await h.signup();
  });
  afterAll(async () => {
    await h.app.stop(true);
    await tdb.cleanup();
  });

  test('a-cookie-request-from-another-origin-answers-403-and-changes-nothing', async () => {
    const before = await titles();
    const forged: Record<string, string>[] = [{ origin: EVIL }, { referer: `${EVIL}/attack.html` }, { origin: 'null' }];
    for (const headers of forged) {
      const res = await create('forged', headers);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('origin_forbidden');
    }
    const form = await h.json('POST', '/api/chat', {
      cookie: alice.cookie,
      headers: { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      raw: 'message=hello',
    });
    expect(form.status).toBe(403);
    for (const method of ['PATCH', 'PUT', 'DELETE']) {
      expect(
        (await h.json(method, `/api/conversations/${crypto.randomUUID()}`, { cookie: alice.cookie, headers: { origin: EVIL } })).status,
      ).toBe(403);
    }
    expect(await titles()).toEqual(before);
  });

  test('the-own-host-public-url-and-allowed-origins-may-send-cookie-requests', async () => {
    for (const origin of ['http://localhost', 'https://chat.example.com', 'https://app.example.com', 'http://localhost:5173']) {
      expect((await create(`from ${origin}`, { origin })).status).toBe(201);
    }
    expect((await create('by referer', { referer: 'http://localhost/c/123' })).status).toBe(201);
    expect((await create('from a script without either', {})).status).toBe(201);
  });

  test('reading-and-bearer-key-and-cookieless-requests-are-unaffected', async () => {
    expect((await h.json('GET', '/api/conversations', { cookie: alice.cookie, headers: { origin: EVIL } })).status).toBe(200);
    const key = (await h.json('POST', '/api/keys', { cookie: alice.cookie, body: { name: 'script' } })).body.key;
    expect((await create('by key', { origin: EVIL }, { bearer: key })).status).toBe(201);
    const signup = await h.json('POST', '/api/auth/signup', {
      headers: { origin: EVIL },
      body: { email: `o${crypto.randomUUID().slice(0, 8)}@example.com`, password: 'correct horse battery' },
    });
    expect(signup.status).toBe(201);
  });

  test('a-websocket-upgrade-with-a-cookie-from-another-origin-is-refused', async () => {
    h.app.listen({ port: 0, hostname: '127.0.0.1' });
    const port = h.app.server!.port;
    const url = `ws://127.0.0.1:${port}/ws/chat`;
    const refused = await TestSocket.open(url, { cookie: alice.cookie, origin: EVIL }).then(
      (s) => (s.close(), 'opened'),
      () => 'refused',
    );
    expect(refused).toBe('refused');
    const own = await TestSocket.open(url, { cookie: alice.cookie, origin: `http://127.0.0.1:${port}` });
    own.close();
  });
});
