import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Database } from '../../db/client';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

const HEADERS = { TRUSTED_HEADER_EMAIL: 'X-Forwarded-Email', TRUSTED_HEADER_GROUPS: 'X-Forwarded-Groups', OIDC_ADMIN_GROUPS: 'admins' };

for (const backend of testDatabases()) {
  describe(`trusted-header sign-in on ${backend.name}`, () => {
    let database: Database;
    let behindProxy: Harness;
    let exposed: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    const listening: Harness[] = [];
    const serve = (env: Record<string, string>) => {
      const h = createHarness(database, testConfig(env));
      h.app.listen({ port: 0, hostname: '127.0.0.1' });
      listening.push(h);
      return h;
    };
    const call = (h: Harness, path: string, headers: Record<string, string>, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${h.app.server?.port}${path}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
    const audit = async (action: string) =>
      (await behindProxy.json('GET', `/api/admin/audit?action=${action}`, { cookie: admin.cookie })).body.entries as {
        actorEmail: string | null;
        details: Record<string, unknown>;
      }[];
    const userCount = async () =>
      (await behindProxy.json('GET', '/api/admin/users?limit=100', { cookie: admin.cookie })).body.users.length as number;

    beforeAll(async () => {
      database = await backend.open();
      // This process reaches the server from 127.0.0.1: a trusted proxy for one, a stranger for the other.
      behindProxy = serve({ ...HEADERS, TRUSTED_PROXIES: '127.0.0.1', OIDC_ALLOWED_GROUPS: 'staff,admins' });
      exposed = serve({ ...HEADERS, TRUSTED_PROXIES: '10.9.9.9' });
      admin = await behindProxy.signup('root@example.com');
    });
    afterAll(async () => {
      for (const h of listening) await h.app.stop(true);
      await backend.cleanup();
    });

    test('the-proxys-header-signs-a-person-in-and-provisions-them', async () => {
      const res = await call(behindProxy, '/api/auth/me', { 'x-forwarded-email': 'Dana@Example.com', 'x-forwarded-groups': 'staff' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ email: 'dana@example.com', role: 'user', status: 'active' });
      const again = await call(behindProxy, '/api/conversations', {
        'x-forwarded-email': 'dana@example.com',
        'x-forwarded-groups': 'staff',
      });
      expect(again.status).toBe(200);
      expect((await audit('auth.trusted_header_provision')).map((e) => e.actorEmail)).toContain('dana@example.com');
    });

    test('the-groups-header-sets-the-role-at-each-change', async () => {
      const headers = (groups: string) => ({ 'x-forwarded-email': 'gus@example.com', 'x-forwarded-groups': groups });
      expect(await (await call(behindProxy, '/api/auth/me', headers('staff, admins'))).json()).toMatchObject({ role: 'admin' });
      expect(await (await call(behindProxy, '/api/auth/me', headers('staff'))).json()).toMatchObject({ role: 'user' });
      const roles = (await audit('auth.trusted_header_groups'))
        .filter((e) => e.actorEmail === 'gus@example.com')
        .map((e) => e.details.role);
      expect(roles).toEqual([
        { from: 'admin', to: 'user' },
        { from: 'user', to: 'admin' },
      ]);
    });

    test('the-header-from-an-untrusted-address-is-refused-and-audited', async () => {
      const before = await userCount();
      const res = await call(exposed, '/api/auth/me', { 'x-forwarded-email': 'root@example.com', 'x-forwarded-groups': 'admins' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('trusted_header_refused');
      expect(await userCount()).toBe(before);
      const [entry] = await audit('auth.trusted_header_refused');
      expect(entry).toMatchObject({ actorEmail: null, details: { reason: 'untrusted_peer', email: 'root@example.com' } });
      // A flood from the same address is refused every time but audited once.
      for (let i = 0; i < 5; i++)
        expect((await call(exposed, '/api/auth/me', { 'x-forwarded-email': `x${i}@example.com` })).status).toBe(403);
      expect((await audit('auth.trusted_header_refused')).length).toBe(1);
    });

    test('a-person-outside-the-allowed-groups-is-refused', async () => {
      const res = await call(behindProxy, '/api/auth/me', { 'x-forwarded-email': 'vic@example.com', 'x-forwarded-groups': 'visitors' });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('sso_group_forbidden');
    });

    test('a-write-another-site-started-through-the-proxy-is-refused', async () => {
      const res = await call(
        behindProxy,
        '/api/conversations',
        { 'x-forwarded-email': 'dana@example.com', 'x-forwarded-groups': 'staff', origin: 'https://evil.example' },
        { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } },
      );
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('origin_forbidden');
    });
  });
}
