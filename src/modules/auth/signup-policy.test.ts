import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`sign-up policy on ${backend.name}`, () => {
    let h: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    beforeAll(async () => {
      h = createHarness(await backend.open(), testConfig({ SIGNUP: 'approval' }));
      admin = await h.signup('root@example.com');
    });
    afterAll(() => backend.cleanup());
    const signup = (email: string, password = 'correct horse battery') => h.json('POST', '/api/auth/signup', { body: { email, password } });
    const policy = (signup: unknown) => h.json('PATCH', '/api/admin/settings', { cookie: admin.cookie, body: { signup } });
    const audit = async (action: string) =>
      (await h.json('GET', `/api/admin/audit?action=${action}`, { cookie: admin.cookie })).body.entries as {
        actorId: string | null;
        target: string | null;
        details: unknown;
      }[];

    test('under-approval-the-first-account-is-an-active-admin-and-later-ones-are-pending', async () => {
      const me = (await h.json('GET', '/api/auth/me', { cookie: admin.cookie })).body;
      expect(me).toMatchObject({ role: 'admin', status: 'active' });
      const later = await signup('later@example.com');
      expect(later.status).toBe(201);
      expect(later.body).toMatchObject({ role: 'user', status: 'pending' });
      expect((await h.json('GET', '/api/admin/settings', { cookie: admin.cookie })).body.signup).toBe('approval');
      const [entry] = await audit('auth.signup');
      expect(entry).toMatchObject({
        actorId: later.body.id,
        target: `user:${later.body.id}`,
        details: { role: 'user', status: 'pending' },
      });
    });

    test('an-admin-changes-the-policy-at-runtime-and-null-returns-to-the-environment', async () => {
      expect((await policy('closed')).body.signup).toBe('closed');
      const refused = await signup('closed@example.com');
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('signup_closed');
      expect((await policy('open')).body.signup).toBe('open');
      expect((await signup('open@example.com')).body.status).toBe('active');
      expect((await policy(null)).body.signup).toBe('approval');
      expect((await signup('again@example.com')).body.status).toBe('pending');
      const changes = (await audit('settings.update')).map((e) => e.details);
      expect(changes).toEqual([
        { signup: { from: 'open', to: 'approval' } },
        { signup: { from: 'closed', to: 'open' } },
        { signup: { from: 'approval', to: 'closed' } },
      ]);
      expect((await policy('sometimes')).status).toBe(400);
    });

    test('logins-and-failed-logins-are-audited-with-the-email-and-never-the-password', async () => {
      const password = 'a-secret-password-here';
      await signup('audited@example.com', password);
      expect((await h.json('POST', '/api/auth/login', { body: { email: 'Audited@example.com', password: 'wrong-password' } })).status).toBe(
        401,
      );
      const ok = await h.json('POST', '/api/auth/login', { body: { email: 'audited@example.com', password } });
      expect(ok.status).toBe(200);
      const [failed] = await audit('auth.login_failed');
      expect(failed).toMatchObject({ actorId: null, details: { email: 'audited@example.com' } });
      const [login] = await audit('auth.login');
      expect(login).toMatchObject({ actorId: ok.body.id, target: `user:${ok.body.id}` });
      const everything = JSON.stringify(await audit('auth.'));
      expect(everything).not.toContain(password);
      expect(everything).not.toContain('wrong-password');
    });
  });
}
