import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { LoginThrottle } from './login-throttle';

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
      const closed = createHarness(h.ctx.database, { ...h.ctx.config, signupOpen: false });
      const res = await closed.json('POST', '/api/auth/signup', { body: { email: 'late@example.com', password: 'password-1' } });
      expect(res.status).toBe(403);
    });
  });
}

describe('login throttle', () => {
  test('window-expires-and-success-resets', () => {
    let now = 0;
    const t = new LoginThrottle(2, 1000, () => now);
    t.fail('a');
    t.fail('a');
    expect(() => t.check('a')).toThrow();
    expect(() => t.check('b')).not.toThrow();
    now = 1001;
    expect(() => t.check('a')).not.toThrow();
    t.fail('a');
    t.succeed('a');
    t.fail('a');
    expect(() => t.check('a')).not.toThrow();
  });
});
