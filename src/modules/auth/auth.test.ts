import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import type { ContextOverrides } from '../../create-context';
import { MemoryBackoffStore, RedisBackoffStore } from '../../infra/backoff';
import { RedisRateLimitStore } from '../../infra/rate-limit';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { createLoginThrottle } from './login-throttle';

for (const backend of testDatabases()) {
  describe(`auth on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('first-user-becomes-admin-and-later-users-do-not', async () => {
      const first = await h.json('POST', '/api/auth/signup', { body: { email: 'Admin@Example.com', password: 'password-1' } });
      expect(first.status).toBe(201);
      expect(first.body.role).toBe('admin');
      expect(first.body.email).toBe('admin@example.com');
      const second = await h.json('POST', '/api/auth/signup', { body: { email: 'b@example.com', password: 'password-2' } });
      expect(second.body.role).toBe('user');
    });

    test('session-cookie-is-httponly-lax-and-authenticates-me', async () => {
      const res = await h.request('POST', '/api/auth/signup', { body: { email: 'c@example.com', password: 'password-3' } });
      const setCookie = res.headers.get('set-cookie')!;
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Lax');
      expect(setCookie).not.toContain('Secure');
      const me = await h.json('GET', '/api/auth/me', { cookie: setCookie.split(';')[0] });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe('c@example.com');
    });

    test('secure-cookie-behind-tls', async () => {
      const res = await h.request('POST', '/api/auth/signup', {
        body: { email: 'tls@example.com', password: 'password-3' },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.headers.get('set-cookie')).toContain('Secure');
    });

    test('duplicate-email-answers-409-and-writes-nothing', async () => {
      await h.signup('dup@example.com');
      const again = await h.json('POST', '/api/auth/signup', { body: { email: 'DUP@example.com', password: 'password-x' } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('email_taken');
    });

    test('login-with-right-password-and-logout-ends-session', async () => {
      await h.signup('d@example.com', 'the-password');
      const bad = await h.json('POST', '/api/auth/login', { body: { email: 'd@example.com', password: 'wrong-password' } });
      expect(bad.status).toBe(401);
      const ok = await h.request('POST', '/api/auth/login', { body: { email: 'D@example.com', password: 'the-password' } });
      expect(ok.status).toBe(200);
      const cookie = ok.headers.get('set-cookie')!.split(';')[0];
      expect((await h.request('GET', '/api/auth/me', { cookie })).status).toBe(200);
      const out = await h.request('POST', '/api/auth/logout', { cookie });
      expect(out.status).toBe(200);
      expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
      expect((await h.request('GET', '/api/auth/me', { cookie })).status).toBe(401);
    });

    test('unknown-email-login-answers-401', async () => {
      const res = await h.json('POST', '/api/auth/login', { body: { email: 'ghost@example.com', password: 'whatever-1' } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_credentials');
    });

    test('repeated-failed-logins-are-throttled', async () => {
      await h.signup('e@example.com', 'the-password');
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        statuses.push((await h.request('POST', '/api/auth/login', { body: { email: 'e@example.com', password: 'nope-nope' } })).status);
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
      const blocked = await h.request('POST', '/api/auth/login', { body: { email: 'e@example.com', password: 'the-password' } });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    test('bad-signup-input-answers-400-and-creates-nothing', async () => {
      const cases: unknown[] = [
        { email: 'not-an-email', password: 'password-1' },
        { email: 'short@example.com', password: 'short' },
        { email: 'x@example.com' },
        { email: 42, password: 'password-1' },
      ];
      for (const body of cases) {
        const res = await h.json('POST', '/api/auth/signup', { body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_error');
      }
      const login = await h.json('POST', '/api/auth/login', { body: { email: 'x@example.com', password: 'password-1' } });
      expect(login.status).toBe(401);
    });

    test('malformed-json-answers-400', async () => {
      const res = await h.request('POST', '/api/auth/signup', {
        raw: '{"email": "a@b.c", ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.code).toBe('invalid_body');
    });

    test('signup-can-be-closed', async () => {
      const closed = createHarness(h.ctx.database, { ...h.ctx.config, signup: 'closed' });
      const res = await closed.json('POST', '/api/auth/signup', { body: { email: 'late@example.com', password: 'password-1' } });
      expect(res.status).toBe(403);
    });
  });
}

describe('login throttle', () => {
  test('window-expires-and-success-resets', async () => {
    let now = 0;
    const store = new MemoryBackoffStore();
    const t = createLoginThrottle({ store, fallback: store, now: () => now });
    for (let i = 0; i < 5; i++) await t.reserve('a', 'home');
    await expect(t.reserve('a', 'home')).rejects.toThrow();
    await expect(t.reserve('b', 'home')).resolves.toBeDefined();
    now = 1001;
    const attempt = await t.reserve('a', 'home');
    await attempt.succeeded();
    for (let i = 0; i < 5; i++) await t.reserve('a', 'home');
    await expect(t.reserve('a', 'home')).rejects.toThrow();
  });
});

const redisUrl = process.env.TEST_REDIS_URL;
if (!redisUrl) console.warn('TEST_REDIS_URL is not set: skipping the Redis variants of the login and sign-up throttles');
const throttleStores: { name: string; overrides(): ContextOverrides }[] = [{ name: 'memory', overrides: () => ({}) }];
if (redisUrl)
  throttleStores.push({
    name: 'redis',
    overrides: () => {
      const prefix = `confab:test:${crypto.randomUUID()}:`;
      return {
        backoffStore: new RedisBackoffStore(redisUrl, { prefix, commandTimeoutMs: 5_000 }),
        rateLimitStore: new RedisRateLimitStore(redisUrl, { prefix, commandTimeoutMs: 5_000 }),
      };
    },
  });

const octet = () => Math.floor(Math.random() * 254) + 1;
const someAddress = () => `10.${octet()}.${octet()}.${octet()}`;
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** A harness listening on loopback, so requests have a peer and `X-Forwarded-For` can name their address. */
async function listening(env: Record<string, string>, overrides: ContextOverrides = {}) {
  const [pglite] = testDatabases();
  const h = createHarness(await pglite.open(), testConfig(env), overrides);
  h.app.listen({ port: 0, hostname: '127.0.0.1' });
  const base = `http://127.0.0.1:${h.app.server!.port}`;
  const post = (path: string, body: unknown, forwardedFor: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify(body),
    });
  const login = (email: string, password: string, forwardedFor: string) => post('/api/auth/login', { email, password }, forwardedFor);
  const account = async () => {
    const email = `t${crypto.randomUUID().slice(0, 8)}@example.com`;
    const password = 'the-right-password';
    expect((await post('/api/auth/signup', { email, password }, someAddress())).status).toBe(201);
    return { email, password };
  };
  const stop = async () => {
    await h.app.stop(true);
    await h.close();
    await pglite.cleanup();
  };
  return { h, post, login, account, stop };
}

for (const stores of throttleStores) {
  describe(`login and sign-up throttles on ${stores.name}`, () => {
    let s: Awaited<ReturnType<typeof listening>>;
    beforeAll(async () => {
      s = await listening({ TRUSTED_PROXIES: '127.0.0.1', SIGNUP_RATE_PER_HOUR: '10' }, stores.overrides());
    });
    afterAll(() => s.stop());

    test('concurrent-wrong-passwords-are-checked-only-five-times', async () => {
      const { email } = await s.account();
      const from = someAddress();
      const statuses = await Promise.all(Array.from({ length: 150 }, () => s.login(email, 'wrong-password', from).then((r) => r.status)));
      expect(count(statuses, 401)).toBe(5);
      expect(count(statuses, 429)).toBe(145);
    });

    test('concurrent-guesses-cannot-reach-the-right-password', async () => {
      const { email, password } = await s.account();
      const guesses = [...Array.from({ length: 39 }, (_, i) => `wrong-guess-${i}`), password];
      const statuses = await Promise.all(
        guesses.map((guess) => s.h.request('POST', '/api/auth/login', { body: { email, password: guess } }).then((r) => r.status)),
      );
      expect(count(statuses, 401)).toBe(5);
      expect(statuses.at(-1)).toBe(429);
      expect(count(statuses, 200)).toBe(0);
    });

    test('failed-logins-from-one-address-do-not-lock-out-another', async () => {
      const { email, password } = await s.account();
      const attacker = someAddress();
      for (let i = 0; i < 5; i++) expect((await s.login(email, `wrong-${i}-password`, attacker)).status).toBe(401);
      const slowed = await s.login(email, password, attacker);
      expect(slowed.status).toBe(429);
      expect(Number(slowed.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await s.login(email, password, someAddress())).status).toBe(200);
    });

    test('failures-against-unknown-accounts-only-slow-that-address', async () => {
      const { email, password } = await s.account();
      const sprayer = someAddress();
      const sprayed = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          s.login(`ghost-${i}-${crypto.randomUUID()}@example.com`, 'wrong-password', sprayer).then((r) => r.status),
        ),
      );
      expect(count(sprayed, 401)).toBe(50);
      const slowed = await s.login(email, password, sprayer);
      expect(slowed.status).toBe(429);
      const body = (await slowed.json()) as { error: { code: string } };
      expect(body.error.code).toBe('too_many_attempts');
      // Slowed by the first step of the backoff, not locked out for the rest of a window.
      expect(Number(slowed.headers.get('retry-after'))).toBe(1);
      expect((await s.login(email, password, someAddress())).status).toBe(200);
    });

    test('a-forged-forwarded-for-does-not-escape-the-throttle', async () => {
      const { email } = await s.account();
      const client = someAddress();
      // The trusted proxy appends the real client; what the client wrote to the left of it is ignored.
      for (let i = 0; i < 5; i++) expect((await s.login(email, 'wrong-password', `${someAddress()}, ${client}`)).status).toBe(401);
      expect((await s.login(email, 'wrong-password', `${someAddress()}, ${client}`)).status).toBe(429);
    });

    test('signups-from-one-address-are-throttled', async () => {
      const from = someAddress();
      const emails = Array.from({ length: 100 }, () => `s${crypto.randomUUID().slice(0, 12)}@example.com`);
      const responses = await Promise.all(emails.map((email) => s.post('/api/auth/signup', { email, password: 'password-1' }, from)));
      const statuses = responses.map((r) => r.status);
      expect(count(statuses, 201)).toBe(10);
      expect(count(statuses, 429)).toBe(90);
      const refused = responses.find((r) => r.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_signups');
      const [{ n }] = await s.h.ctx.database.rows<{ n: number }>(sql`select count(*)::int as n from users where email in ${emails}`);
      expect(n).toBe(10);
      expect((await s.post('/api/auth/signup', { email: `other-${emails[0]}`, password: 'password-1' }, someAddress())).status).toBe(201);
    });
  });
}

describe('without trusted proxies', () => {
  test('forwarded-for-is-ignored-from-an-untrusted-peer', async () => {
    const s = await listening({});
    try {
      const { email } = await s.account();
      for (let i = 0; i < 5; i++) expect((await s.login(email, 'wrong-password', someAddress())).status).toBe(401);
      expect((await s.login(email, 'wrong-password', someAddress())).status).toBe(429);
    } finally {
      await s.stop();
    }
  });
});
