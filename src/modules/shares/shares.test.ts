import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`shares on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    const conversationOf = async (cookie: string, title = 'Bread notes') =>
      (
        await h.json('POST', '/api/conversations', {
          cookie,
          body: {
            title,
            messages: [
              { role: 'system', content: 'private system prompt' },
              { role: 'user', content: 'How long should dough rise?' },
              { role: 'assistant', content: 'About **two hours** at room temperature.' },
            ],
          },
        })
      ).body;

    test('shares-a-snapshot-that-later-messages-do-not-change', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const shared = await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie });
      expect(shared.status).toBe(201);
      expect(shared.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(shared.body.url).toBe(`http://localhost/s/${shared.body.token}`);
      expect(shared.body).toMatchObject({ conversationId: c.id, title: 'Bread notes', messages: 2 });

      const page = await h.json('GET', `/api/shared/${shared.body.token}`);
      expect(page.status).toBe(200);
      expect(page.body.messages).toEqual([
        { role: 'user', content: 'How long should dough rise?' },
        { role: 'assistant', content: 'About **two hours** at room temperature.' },
      ]);

      expect(
        (await h.json('POST', '/api/chat', { cookie: u.cookie, body: { conversationId: c.id, message: 'And in the fridge?' } })).status,
      ).toBe(200);
      await h.json('PATCH', `/api/conversations/${c.id}`, { cookie: u.cookie, body: { title: 'Renamed later' } });
      const still = await h.json('GET', `/api/shared/${shared.body.token}`);
      expect(still.body).toEqual(page.body);

      const updated = await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id: shared.body.id, token: shared.body.token, title: 'Renamed later', messages: 4 });
      const now = await h.json('GET', `/api/shared/${shared.body.token}`);
      expect(now.body.messages.at(-2)).toEqual({ role: 'user', content: 'And in the fridge?' });
    });

    test('shared-snapshot-holds-nothing-but-what-was-said', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const { token } = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie })).body;
      const res = await h.request('GET', `/api/shared/${token}`);
      const text = await res.text();
      expect(Object.keys(JSON.parse(text)).sort()).toEqual(['messages', 'sharedAt', 'title']);
      for (const secret of [u.email, u.id, c.id, 'private system prompt']) expect(text).not.toContain(secret);
      expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
      expect(res.headers.get('cache-control')).toBe('no-store');

      const html = await h.request('GET', `/s/${token}`);
      expect(html.status).toBe(200);
      expect(html.headers.get('content-type')).toStartWith('text/html');
      expect(html.headers.get('x-robots-tag')).toBe('noindex, nofollow');
      expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await html.text()).toContain('<meta name="robots" content="noindex, nofollow">');
    });

    test('an-answer-still-being-written-waits-for-the-next-snapshot', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const last = c.messages.at(-1);
      await h.ctx.database.rows(
        sql`insert into messages (conversation_id, user_id, parent_id, role, content, status, created_at)
            values (${c.id}, ${u.id}, ${last.id}, 'assistant', 'half an ans', 'streaming', now() + interval '1 second')`,
      );
      const { token } = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie })).body;
      const page = await h.json('GET', `/api/shared/${token}`);
      expect(page.body.messages.map((m: any) => m.content)).toEqual([
        'How long should dough rise?',
        'About **two hours** at room temperature.',
      ]);
    });

    test('the-token-is-never-stored-in-clear', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const { token, id } = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie })).body;
      const [row] = await h.ctx.database.rows<Record<string, unknown>>(sql`select * from shares where id = ${id}`);
      expect(JSON.stringify(row)).not.toContain(token);
    });

    test('revoking-a-share-stops-its-link-at-once', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const share = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie })).body;
      const list = await h.json('GET', '/api/shares', { cookie: u.cookie });
      expect(list.body.items.map((s: any) => s.id)).toEqual([share.id]);
      expect(list.body.items[0].url).toBe(share.url);

      expect((await h.request('DELETE', `/api/shares/${share.id}`, { cookie: u.cookie })).status).toBe(204);
      const gone = await h.json('GET', `/api/shared/${share.token}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error.code).toBe('not_found');
      expect((await h.json('GET', '/api/shares', { cookie: u.cookie })).body.items).toEqual([]);
      expect((await h.request('DELETE', `/api/shares/${share.id}`, { cookie: u.cookie })).status).toBe(404);
    });

    test('deleting-the-conversation-revokes-its-share', async () => {
      const u = await h.signup();
      const c = await conversationOf(u.cookie);
      const { token } = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: u.cookie })).body;
      await h.request('DELETE', `/api/conversations/${c.id}`, { cookie: u.cookie });
      expect((await h.request('GET', `/api/shared/${token}`)).status).toBe(404);
    });

    test('another-user-can-neither-share-list-nor-revoke', async () => {
      const owner = await h.signup();
      const other = await h.signup();
      const c = await conversationOf(owner.cookie);
      expect((await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: other.cookie })).status).toBe(404);
      const share = (await h.json('POST', `/api/conversations/${c.id}/share`, { cookie: owner.cookie })).body;
      expect((await h.json('GET', '/api/shares', { cookie: other.cookie })).body.items).toEqual([]);
      expect((await h.request('DELETE', `/api/shares/${share.id}`, { cookie: other.cookie })).status).toBe(404);
      expect((await h.request('GET', `/api/shared/${share.token}`)).status).toBe(200);
      expect((await h.request('GET', '/api/shares')).status).toBe(401);
      expect((await h.request('POST', `/api/conversations/${c.id}/share`)).status).toBe(401);
      const malformed = await h.json('GET', '/api/shared/not-a-token');
      expect(malformed.status).toBe(400);
    });
  });
}
