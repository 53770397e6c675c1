import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`organising conversations on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    const create = async (cookie: string, title: string) =>
      (await h.json('POST', '/api/conversations', { cookie, body: { title, messages: [{ role: 'user', content: `about ${title}` }] } }))
        .body;
    const titles = async (cookie: string, query = '') =>
      (await h.json('GET', `/api/conversations${query}`, { cookie })).body.items.map((c: any) => c.title);

    test('archived-conversations-leave-the-list-stay-searchable-and-come-back', async () => {
      const u = await h.signup();
      const kept = await create(u.cookie, 'Kept');
      const old = await create(u.cookie, 'Tax return');
      const archived = await h.json('PATCH', `/api/conversations/${old.id}`, { cookie: u.cookie, body: { archived: true } });
      expect(archived.body).toMatchObject({ archived: true, title: 'Tax return', updatedAt: old.updatedAt });
      expect(await titles(u.cookie)).toEqual(['Kept']);
      expect(await titles(u.cookie, '?archived=true')).toEqual(['Tax return']);
      expect(await titles(u.cookie, '?q=tax')).toEqual(['Tax return']);
      await h.json('PATCH', `/api/conversations/${old.id}`, { cookie: u.cookie, body: { archived: false } });
      expect((await titles(u.cookie)).sort()).toEqual(['Kept', 'Tax return']);
      expect(kept.archived).toBe(false);
    });

    test('pinning-marks-a-conversation-without-moving-it', async () => {
      const u = await h.signup();
      const first = await create(u.cookie, 'First');
      await create(u.cookie, 'Second');
      const pinned = await h.json('PATCH', `/api/conversations/${first.id}`, { cookie: u.cookie, body: { pinned: true } });
      expect(pinned.body.pinned).toBe(true);
      expect(await titles(u.cookie, '?pinned=true')).toEqual(['First']);
      expect(await titles(u.cookie, '?pinned=false')).toEqual(['Second']);
      expect(await titles(u.cookie)).toEqual(['Second', 'First']);
    });

    test('a-patch-changes-only-what-it-names', async () => {
      const u = await h.signup();
      const c = await create(u.cookie, 'Original');
      await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { pinned: true } });
      const renamed = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { title: 'Renamed' } });
      expect(renamed.body).toMatchObject({ title: 'Renamed', pinned: true, archived: false, folderId: null });
      const empty = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: {} });
      expect(empty.body).toEqual(renamed.body);
      const bad = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { pinned: 'yes' } });
      expect(bad.status).toBe(400);
      expect((await h.json('GET', `/api/conversations/${c.id}`, { cookie: u.cookie })).body).toMatchObject({
        title: 'Renamed',
        pinned: true,
      });
    });

    test('conversations-file-into-own-folders-only', async () => {
      const u = await h.signup();
      const other = await h.signup();
      const c = await create(u.cookie, 'Recipe');
      const folder = (await h.json('POST', '/api/folders', { cookie: u.cookie, body: { name: 'Cooking' } })).body;
      const foreign = (await h.json('POST', '/api/folders', { cookie: other.cookie, body: { name: 'Theirs' } })).body;
      const filed = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { folderId: folder.id } });
      expect(filed.body.folderId).toBe(folder.id);
      expect(await titles(u.cookie, `?folderId=${folder.id}`)).toEqual(['Recipe']);
      expect((await h.json('GET', '/api/folders', { cookie: u.cookie })).body.items).toEqual([
        { id: folder.id, name: 'Cooking', conversations: 1, createdAt: folder.createdAt },
      ]);
      const refused = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { folderId: foreign.id } });
      expect(refused.status).toBe(404);
      expect((await h.json('GET', `/api/conversations/${c.id}`, { cookie: u.cookie })).body.folderId).toBe(folder.id);
      // Deleting the folder keeps its conversations, outside any folder.
      expect((await h.request('DELETE', `/api/folders/${folder.id}`, { cookie: u.cookie })).status).toBe(204);
      expect((await h.json('GET', `/api/conversations/${c.id}`, { cookie: u.cookie })).body.folderId).toBeNull();
      const out = await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { folderId: null } });
      expect(out.status).toBe(200);
    });

    test('deletes-several-at-once-and-only-the-callers', async () => {
      const u = await h.signup();
      const other = await h.signup();
      const [a, b, keep] = [await create(u.cookie, 'A'), await create(u.cookie, 'B'), await create(u.cookie, 'Keep')];
      const theirs = await create(other.cookie, 'Theirs');
      const res = await h.json('POST', '/api/conversations/delete', { cookie: u.cookie, body: { ids: [a.id, b.id, theirs.id] } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ deleted: 2 });
      expect(await titles(u.cookie)).toEqual(['Keep']);
      expect(await titles(other.cookie)).toEqual(['Theirs']);
      expect((await h.json('POST', '/api/conversations/delete', { cookie: u.cookie, body: { ids: [] } })).status).toBe(400);
      expect(keep.title).toBe('Keep');
    });
  });
}
