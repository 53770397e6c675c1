import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

for (const backend of testDatabases()) {
  describe(`account status at the auth guard on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
    });
    afterAll(() => backend.cleanup());
    const setStatus = (id: string, status: string) => h.json('PATCH', `/api/admin/users/${id}`, { cookie: admin.cookie, body: { status } });

    test('a-pending-user-can-log-in-and-see-itself-but-nothing-else', async () => {
      const pat = await h.signup('pat@example.com');
      const key = (await h.json('POST', '/api/keys', { cookie: pat.cookie, body: { name: 'k' } })).body.key as string;
      expect((await setStatus(pat.id, 'pending')).status).toBe(200);
      const login = await h.json('POST', '/api/auth/login', { body: { email: pat.email, password: 'correct horse battery' } });
      expect(login.status).toBe(200);
      expect(login.body.status).toBe('pending');
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const me = await h.json('GET', '/api/auth/me', { cookie });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ id: pat.id, status: 'pending', role: 'user' });
      const refused: [string, string, Record<string, string>][] = [
        ['GET', '/api/conversations', { cookie }],
        ['GET', '/api/keys', { cookie }],
        ['GET', '/api/usage', { cookie }],
        ['GET', '/api/models', { cookie }],
        ['GET', '/api/admin/users', { cookie }],
        ['GET', '/api/conversations', { authorization: `Bearer ${key}` }],
        ['GET', '/v1/models', { authorization: `Bearer ${key}` }],
      ];
      for (const [method, path, headers] of refused) {
        const res = await h.json(method, path, { headers });
        const code = res.body?.error?.code;
        expect({ path, status: res.status, code }).toEqual({ path, status: 403, code: 'account_pending' });
      }
      // Approved, the same session goes everywhere.
      expect((await setStatus(pat.id, 'active')).status).toBe(200);
      expect((await h.json('GET', '/api/conversations', { cookie })).status).toBe(200);
    });

    test('a-disabled-user-cannot-log-in-or-use-a-cookie-or-key', async () => {
      const dee = await h.signup('dee@example.com');
      expect((await setStatus(dee.id, 'disabled')).status).toBe(200);
      const login = await h.json('POST', '/api/auth/login', { body: { email: dee.email, password: 'correct horse battery' } });
      expect(login.status).toBe(401);
      expect(login.headers.get('set-cookie')).toBeNull();
      expect((await h.json('GET', '/api/auth/me', { cookie: dee.cookie })).status).toBe(401);
    });
  });
}

for (const backend of testDatabases()) {
  describe(`POST /api/auth/password on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      await h.signup('root@example.com');
    });
    afterAll(() => backend.cleanup());

    test('changing-the-password-ends-the-other-sessions-and-keeps-this-one', async () => {
      const pia = await h.signup('pia@example.com');
      const login = await h.json('POST', '/api/auth/login', { body: { email: pia.email, password: 'correct horse battery' } });
      const other = (login.headers.get('set-cookie') ?? '').split(';')[0];
      const wrong = await h.json('POST', '/api/auth/password', {
        cookie: pia.cookie,
        body: { currentPassword: 'not the password', newPassword: 'a brand new password' },
      });
      expect({ status: wrong.status, code: wrong.body.error.code }).toEqual({ status: 401, code: 'invalid_credentials' });
      expect((await h.json('GET', '/api/auth/me', { cookie: other })).status).toBe(200);
      const changed = await h.json('POST', '/api/auth/password', {
        cookie: pia.cookie,
        body: { currentPassword: 'correct horse battery', newPassword: 'a brand new password' },
      });
      expect(changed.status).toBe(200);
      expect((await h.json('GET', '/api/auth/me', { cookie: pia.cookie })).status).toBe(200);
      expect((await h.json('GET', '/api/auth/me', { cookie: other })).status).toBe(401);
      const old = await h.json('POST', '/api/auth/login', { body: { email: pia.email, password: 'correct horse battery' } });
      expect(old.status).toBe(401);
      expect((await h.json('POST', '/api/auth/login', { body: { email: pia.email, password: 'a brand new password' } })).status).toBe(200);
      const short = await h.json('POST', '/api/auth/password', {
        cookie: pia.cookie,
        body: { currentPassword: 'x', newPassword: 'short' },
      });
      expect(short.status).toBe(400);
    });

    test('guessing-the-current-password-is-throttled-like-logging-in', async () => {
      const quin = await h.signup('quin@example.com');
      const change = (currentPassword: string) =>
        h.json('POST', '/api/auth/password', { cookie: quin.cookie, body: { currentPassword, newPassword: 'a brand new password' } });
      const answers: number[] = [];
      for (let i = 0; i < 7; i++) answers.push((await change(`guess number ${i}`)).status);
      expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      const throttled = await change('correct horse battery');
      expect([throttled.status, throttled.body.error.code]).toEqual([429, 'too_many_attempts']);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
      // Refused before any check: the right password did not change anything either.
      expect((await h.json('POST', '/api/auth/login', { body: { email: quin.email, password: 'correct horse battery' } })).status).toBe(
        200,
      );
    });
  });
}

for (const backend of testDatabases()) {
  describe(`API keys are audited on ${backend.name}`, () => {
    let h: Harness;
    let root: Awaited<ReturnType<Harness['signup']>>;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      root = await h.signup('root@example.com');
    });
    afterAll(() => backend.cleanup());

    test('creating-and-revoking-a-key-are-audited-without-the-key', async () => {
      const rae = await h.signup('rae@example.com');
      const created = await h.json('POST', '/api/keys', { cookie: rae.cookie, body: { name: 'laptop' } });
      expect(created.status).toBe(201);
      expect((await h.json('DELETE', `/api/keys/${created.body.id}`, { cookie: rae.cookie })).status).toBe(200);
      expect((await h.json('DELETE', `/api/keys/${created.body.id}`, { cookie: rae.cookie })).status).toBe(200);
      const audit = (await h.json('GET', '/api/admin/audit?actor=' + rae.id, { cookie: root.cookie })).body.entries;
      const keyEntries = audit.filter((e: { action: string }) => e.action.startsWith('key.'));
      expect(keyEntries.map((e: { action: string; target: string }) => [e.action, e.target])).toEqual([
        ['key.revoke', `key:${created.body.id}`],
        ['key.create', `key:${created.body.id}`],
      ]);
      expect(keyEntries[1].details).toEqual({ name: 'laptop', prefix: created.body.prefix });
      expect(JSON.stringify(audit)).not.toContain(created.body.key);
    });
  });
}
