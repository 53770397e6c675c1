import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

for (const backend of testDatabases()) {
  describe(`PATCH /api/admin/users/:id role and status on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
    });
    afterAll(() => backend.cleanup());
    const patch = (id: string, body: unknown, who = admin) => h.json('PATCH', `/api/admin/users/${id}`, { cookie: who.cookie, body });

    test('the-last-active-admin-can-be-neither-demoted-nor-disabled', async () => {
      for (const body of [{ role: 'user' }, { status: 'disabled' }, { status: 'pending' }]) {
        const res = await patch(admin.id, body);
        expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status: 409, code: 'last_admin' });
      }
      const me = (await h.json('GET', '/api/auth/me', { cookie: admin.cookie })).body;
      expect(me).toMatchObject({ role: 'admin', status: 'active' });
      const second = await h.signup();
      expect((await patch(second.id, { role: 'admin' })).body).toMatchObject({ role: 'admin', status: 'active' });
      // With another active admin, the first may step down; then the second is the last one.
      expect((await patch(admin.id, { role: 'user' }, second)).body.role).toBe('user');
      expect((await patch(second.id, { status: 'disabled' }, second)).body?.error?.code).toBe('last_admin');
      expect((await patch(admin.id, { role: 'admin' }, second)).body.role).toBe('admin');
    });

    test('disabling-a-user-ends-their-sessions-and-keys-and-audits-before-and-after', async () => {
      const bob = await h.signup();
      const key = (await h.json('POST', '/api/keys', { cookie: bob.cookie, body: { name: 'k' } })).body.key as string;
      const bearer = { authorization: `Bearer ${key}` };
      expect((await h.json('GET', '/api/auth/me', { headers: bearer })).status).toBe(200);
      const res = await patch(bob.id, { status: 'disabled' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: bob.id, status: 'disabled', role: 'user', lastLoginAt: null });
      for (const auth of [{ cookie: bob.cookie }, { headers: bearer }]) {
        for (const path of ['/api/auth/me', '/api/conversations', '/api/keys']) {
          expect({ path, status: (await h.json('GET', path, auth)).status }).toEqual({ path, status: 401 });
        }
      }
      // Enabling again does not bring the ended session or the revoked key back.
      expect((await patch(bob.id, { status: 'active' })).body.status).toBe('active');
      expect((await h.json('GET', '/api/auth/me', { cookie: bob.cookie })).status).toBe(401);
      expect((await h.json('GET', '/api/auth/me', { headers: bearer })).status).toBe(401);
      const entries = (await h.json('GET', `/api/admin/audit?action=user.update`, { cookie: admin.cookie })).body.entries;
      const mine = entries.filter((e: { target: string }) => e.target === `user:${bob.id}`).map((e: { details: unknown }) => e.details);
      expect(mine).toEqual([{ status: { from: 'disabled', to: 'active' } }, { status: { from: 'active', to: 'disabled' } }]);
    });

    test('deleting-a-user-removes-what-is-theirs-but-never-the-last-admin', async () => {
      const del = (id: string, who = admin) => h.json('DELETE', `/api/admin/users/${id}`, { cookie: who.cookie });
      const admins = (await h.json('GET', '/api/admin/users?role=admin', { cookie: admin.cookie })).body.users as { id: string }[];
      for (const other of admins.filter((a) => a.id !== admin.id)) await patch(other.id, { role: 'user' });
      const last = await del(admin.id);
      expect({ status: last.status, code: last.body?.error?.code }).toEqual({ status: 409, code: 'last_admin' });
      const gus = await h.signup();
      const convo = await h.json('POST', '/api/conversations', { cookie: gus.cookie, body: { title: 'mine' } });
      expect(convo.status).toBe(201);
      expect((await del(gus.id, gus)).status).toBe(403);
      expect((await del(gus.id)).status).toBe(204);
      expect((await h.json('GET', '/api/auth/me', { cookie: gus.cookie })).status).toBe(401);
      expect((await del(gus.id)).status).toBe(404);
      const listed = (await h.json('GET', `/api/admin/users?q=${encodeURIComponent(gus.email)}`, { cookie: admin.cookie })).body.users;
      expect(listed).toEqual([]);
      const [entry] = (await h.json('GET', '/api/admin/audit?action=user.delete', { cookie: admin.cookie })).body.entries;
      expect(entry).toMatchObject({ actorId: admin.id, target: `user:${gus.id}`, details: { email: gus.email, role: 'user' } });
    });
  });
}
