import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

for (const backend of testDatabases()) {
  describe(`GET /api/admin/users on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    const made: User[] = [];
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      for (const name of ['amy', 'bea', 'cal', 'dan', 'eve']) made.push(await h.signup(`${name}@list.test`));
    });
    afterAll(() => backend.cleanup());
    const list = (query: string, cookie = admin.cookie) => h.json('GET', `/api/admin/users${query}`, { cookie });

    test('answers-401-anonymous-and-403-to-a-non-admin', async () => {
      expect((await h.json('GET', '/api/admin/users')).status).toBe(401);
      expect((await list('', made[0].cookie)).body.error.code).toBe('forbidden');
    });

    test('pages-by-email-with-a-cursor-and-filters-by-search-status-and-role', async () => {
      const group = (await h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name: 'team' } })).body.id as string;
      await h.json('PATCH', `/api/admin/users/${made[1].id}`, { cookie: admin.cookie, body: { status: 'disabled', groups: [group] } });
      const first = await list('?q=LIST.test&limit=2');
      expect(first.status).toBe(200);
      expect(first.body.users.map((u: { email: string }) => u.email)).toEqual(['amy@list.test', 'bea@list.test']);
      expect(first.body.users[1]).toMatchObject({
        status: 'disabled',
        role: 'user',
        groups: [{ id: group, name: 'team' }],
        lastLoginAt: null,
      });
      const seen = [...first.body.users];
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await list(`?q=list.test&limit=2&cursor=${cursor}`);
        seen.push(...page.body.users);
        cursor = page.body.nextCursor;
      }
      expect(seen.map((u) => u.email)).toEqual(['amy', 'bea', 'cal', 'dan', 'eve'].map((n) => `${n}@list.test`));
      expect((await list('?status=disabled')).body.users.map((u: { id: string }) => u.id)).toEqual([made[1].id]);
      expect((await list('?role=admin')).body.users.map((u: { id: string }) => u.id)).toEqual([admin.id]);
      expect((await list('?q=%25')).body.users).toEqual([]);
    });

    test('login-records-last-login-at', async () => {
      const before = Date.now();
      expect(
        (await h.json('POST', '/api/auth/login', { body: { email: 'cal@list.test', password: 'correct horse battery' } })).status,
      ).toBe(200);
      const [cal] = (await list('?q=cal@')).body.users;
      expect(Date.parse(cal.lastLoginAt)).toBeGreaterThanOrEqual(before - 1_000);
    });

    test('a-cursor-it-did-not-hand-out-answers-400-invalid-cursor', async () => {
      const forged = Buffer.from(JSON.stringify({ after: 'a', more: 1 })).toString('base64url');
      for (const cursor of [
        'nope!',
        'bm9wZQ',
        forged,
        Buffer.from('{"after":""}').toString('base64url'),
        Buffer.from('[1]').toString('base64url'),
      ]) {
        const res = await list(`?cursor=${encodeURIComponent(cursor)}`);
        expect({ cursor, status: res.status, code: res.body?.error?.code }).toEqual({ cursor, status: 400, code: 'invalid_cursor' });
      }
      for (const query of ['?limit=0', '?limit=201', '?status=gone', '?role=root', '?extra=1']) {
        expect({ query, status: (await list(query)).status }).toEqual({ query, status: 400 });
      }
    });
  });
}
