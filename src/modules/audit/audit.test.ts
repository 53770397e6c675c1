import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { recordAudit } from './service';

for (const backend of testDatabases()) {
  describe(`audit log on ${backend.name}`, () => {
    let h: Harness;
    let admin: Awaited<ReturnType<Harness['signup']>>;
    let user: Awaited<ReturnType<Harness['signup']>>;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      user = await h.signup('someone@example.com');
    });
    afterAll(() => backend.cleanup());

    test('answers-401-without-a-principal-and-403-to-a-non-admin', async () => {
      expect((await h.json('GET', '/api/admin/audit')).status).toBe(401);
      const refused = await h.json('GET', '/api/admin/audit', { cookie: user.cookie });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
    });

    test('lists-entries-newest-first-filtered-by-action-prefix-and-actor', async () => {
      const db = h.ctx.database.db;
      const actor = { id: admin.id, email: admin.email };
      await recordAudit(db, { actor, action: 'connection.create', target: 'connection:a', address: '127.0.0.1', details: { name: 'a' } });
      await recordAudit(db, { actor, action: 'connection.delete', target: 'connection:a' });
      await recordAudit(db, { action: 'auth.login_failed', details: { email: 'x@example.com' } });
      const all = await h.json('GET', '/api/admin/audit', { cookie: admin.cookie });
      expect(all.status).toBe(200);
      expect(all.body.entries.slice(0, 3).map((e: { action: string }) => e.action)).toEqual([
        'auth.login_failed',
        'connection.delete',
        'connection.create',
      ]);
      const connections = await h.json('GET', '/api/admin/audit?action=connection.', { cookie: admin.cookie });
      expect(connections.body.entries.map((e: { action: string }) => e.action)).toEqual(['connection.delete', 'connection.create']);
      const byEmail = await h.json('GET', `/api/admin/audit?actor=${encodeURIComponent(admin.email)}`, { cookie: admin.cookie });
      expect(byEmail.body.entries.every((e: { actorId: string }) => e.actorId === admin.id)).toBe(true);
      expect(byEmail.body.entries.length).toBeGreaterThanOrEqual(2);
    });

    test('pages-with-a-cursor-without-repeats', async () => {
      const db = h.ctx.database.db;
      for (let i = 0; i < 5; i++) await recordAudit(db, { action: 'test.page', details: { i } });
      const first = await h.json('GET', '/api/admin/audit?action=test.page&limit=2', { cookie: admin.cookie });
      const second = await h.json('GET', `/api/admin/audit?action=test.page&limit=3&cursor=${first.body.nextCursor}`, {
        cookie: admin.cookie,
      });
      const seen = [...first.body.entries, ...second.body.entries].map((e: { details: { i: number } }) => e.details.i);
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      expect(second.body.nextCursor).toBeNull();
    });

    test('refuses-a-cursor-it-did-not-give-out', async () => {
      const forged = Buffer.from('99999999999999999999').toString('base64url');
      const res = await h.json('GET', `/api/admin/audit?cursor=${forged}`, { cookie: admin.cookie });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_cursor');
    });

    test('offers-no-way-to-change-an-entry', async () => {
      for (const method of ['POST', 'PATCH', 'PUT', 'DELETE']) {
        const res = await h.request(method, '/api/admin/audit', { cookie: admin.cookie, body: {} });
        expect(res.status).toBe(404);
      }
    });
  });
}
