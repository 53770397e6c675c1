import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`folders on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('create-list-rename-delete', async () => {
      const u = await h.signup();
      const created = await h.json('POST', '/api/folders', { cookie: u.cookie, body: { name: 'Work' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Work', conversations: 0 });
      await h.json('POST', '/api/folders', { cookie: u.cookie, body: { name: 'Home' } });
      expect((await h.json('GET', '/api/folders', { cookie: u.cookie })).body.items.map((f: any) => f.name)).toEqual(['Home', 'Work']);
      const renamed = await h.json('PATCH', `/api/folders/${created.body.id}`, { cookie: u.cookie, body: { name: 'Office' } });
      expect(renamed.body.name).toBe('Office');
      expect((await h.request('DELETE', `/api/folders/${created.body.id}`, { cookie: u.cookie })).status).toBe(204);
      expect((await h.json('GET', '/api/folders', { cookie: u.cookie })).body.items.map((f: any) => f.name)).toEqual(['Home']);
    });

    test('another-users-folder-answers-404-and-is-not-listed', async () => {
      const owner = await h.signup();
      const other = await h.signup();
      const f = (await h.json('POST', '/api/folders', { cookie: owner.cookie, body: { name: 'Secret plans' } })).body;
      expect((await h.json('GET', '/api/folders', { cookie: other.cookie })).body.items).toEqual([]);
      expect((await h.json('PATCH', `/api/folders/${f.id}`, { cookie: other.cookie, body: { name: 'x' } })).status).toBe(404);
      expect((await h.request('DELETE', `/api/folders/${f.id}`, { cookie: other.cookie })).status).toBe(404);
      expect((await h.json('POST', '/api/folders', { cookie: owner.cookie, body: { name: '' } })).status).toBe(400);
      expect((await h.request('GET', '/api/folders')).status).toBe(401);
    });
  });
}
