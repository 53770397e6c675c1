import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';
import { heuristicTitle } from './title';

for (const backend of testDatabases()) {
  describe(`conversations on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('create-get-rename-delete', async () => {
      const u = await h.signup();
      const created = await h.json('POST', '/api/conversations', { cookie: u.cookie, body: { title: 'Plans' } });
      expect(created.status).toBe(201);
      expect(created.body.title).toBe('Plans');
      expect(created.body.messages).toEqual([]);
      const renamed = await h.json('PATCH', `/api/conversations/${created.body.id}`, {
        cookie: u.cookie,
        body: { title: 'Holiday plans' },
      });
      expect(renamed.body.title).toBe('Holiday plans');
      const got = await h.json('GET', `/api/conversations/${created.body.id}`, { cookie: u.cookie });
      expect(got.body.title).toBe('Holiday plans');
      expect((await h.request('DELETE', `/api/conversations/${created.body.id}`, { cookie: u.cookie })).status).toBe(204);
      expect((await h.request('GET', `/api/conversations/${created.body.id}`, { cookie: u.cookie })).status).toBe(404);
    });

    test('untitled-conversation-is-titled-from-its-first-message', async () => {
      const u = await h.signup();
      const created = await h.json('POST', '/api/conversations', {
        cookie: u.cookie,
        body: {
          messages: [
            { role: 'user', content: 'How do I rotate Postgres logs every day? I use Debian.' },
            { role: 'assistant', content: 'Use logrotate.' },
          ],
        },
      });
      expect(created.body.title).toBe('How do I rotate Postgres logs every day?');
      expect(created.body.messages.map((m: any) => m.role)).toEqual(['user', 'assistant']);
      expect(created.body.messages[1].parentId).toBe(created.body.messages[0].id);
      const bare = await h.json('POST', '/api/conversations', { cookie: u.cookie, body: {} });
      expect(bare.body.title).toBe('New chat');
    });

    test('deleting-a-conversation-deletes-its-messages', async () => {
      const u = await h.signup();
      const c = await h.json('POST', '/api/conversations', {
        cookie: u.cookie,
        body: { messages: [{ role: 'user', content: 'hello there' }] },
      });
      await h.request('DELETE', `/api/conversations/${c.body.id}`, { cookie: u.cookie });
      const { sql } = await import('drizzle-orm');
      const left = await h.ctx.database.rows<{ n: number }>(
        sql`select count(*)::int as n from messages where conversation_id = ${c.body.id}`,
      );
      expect(left[0].n).toBe(0);
    });

    test('another-users-conversation-answers-404-on-every-route', async () => {
      const owner = await h.signup();
      const other = await h.signup();
      const c = await h.json('POST', '/api/conversations', { cookie: owner.cookie, body: { title: 'Secret' } });
      const id = c.body.id;
      const attempts = [
        await h.json('GET', `/api/conversations/${id}`, { cookie: other.cookie }),
        await h.json('PATCH', `/api/conversations/${id}`, { cookie: other.cookie, body: { title: 'pwned' } }),
        await h.json('DELETE', `/api/conversations/${id}`, { cookie: other.cookie }),
      ];
      for (const a of attempts) {
        expect(a.status).toBe(404);
        expect(a.body.error.code).toBe('not_found');
      }
      const list = await h.json('GET', '/api/conversations?q=Secret', { cookie: other.cookie });
      expect(list.body.items).toEqual([]);
      const still = await h.json('GET', `/api/conversations/${id}`, { cookie: owner.cookie });
      expect(still.body.title).toBe('Secret');
    });

    test('unauthenticated-requests-answer-401', async () => {
      for (const [method, path] of [
        ['GET', '/api/conversations'],
        ['POST', '/api/conversations'],
        ['GET', `/api/conversations/${crypto.randomUUID()}`],
      ]) {
        expect((await h.request(method, path, { body: method === 'POST' ? {} : undefined })).status).toBe(401);
      }
    });

    test('pagination-walks-every-conversation-once-newest-first', async () => {
      const u = await h.signup();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        ids.push((await h.json('POST', '/api/conversations', { cookie: u.cookie, body: { title: `c${i}` } })).body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const qs: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
        const page: any = await h.json('GET', `/api/conversations${qs}`, { cookie: u.cookie });
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.body.items.map((c: any) => c.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    test('search-matches-titles-and-message-text', async () => {
      const u = await h.signup();
      const mk = (body: object) => h.json('POST', '/api/conversations', { cookie: u.cookie, body });
      const kube = await mk({ title: 'Kubernetes upgrade' });
      const sourdough = await mk({ messages: [{ role: 'user', content: 'My sourdough starters are not rising. Why?' }] });
      await mk({ title: 'Unrelated' });
      const byTitle = await h.json('GET', '/api/conversations?q=kubernetes', { cookie: u.cookie });
      expect(byTitle.body.items.map((c: any) => c.id)).toEqual([kube.body.id]);
      const byMessage = await h.json('GET', '/api/conversations?q=starter%20rising', { cookie: u.cookie });
      expect(byMessage.body.items.map((c: any) => c.id)).toEqual([sourdough.body.id]);
      const partial = await h.json('GET', '/api/conversations?q=kuber', { cookie: u.cookie });
      expect(partial.body.items.map((c: any) => c.id)).toEqual([kube.body.id]);
      const none = await h.json('GET', '/api/conversations?q=quantum', { cookie: u.cookie });
      expect(none.body.items).toEqual([]);
    });

    test('bad-input-answers-4xx-and-writes-nothing', async () => {
      const u = await h.signup();
      const bad: [string, string, unknown][] = [
        ['POST', '/api/conversations', { title: '' }],
        ['POST', '/api/conversations', { title: 'x'.repeat(201) }],
        ['POST', '/api/conversations', { messages: [{ role: 'wizard', content: 'x' }] }],
        ['POST', '/api/conversations', { messages: 'nope' }],
        ['PATCH', '/api/conversations/not-a-uuid', { title: 'x' }],
      ];
      for (const [method, path, body] of bad) {
        const res = await h.json(method, path, { cookie: u.cookie, body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_error');
      }
      expect((await h.json('GET', '/api/conversations?limit=0', { cookie: u.cookie })).status).toBe(400);
      expect((await h.json('GET', '/api/conversations?cursor=garbage', { cookie: u.cookie })).status).toBe(400);
      const oversize = await h.request('POST', '/api/conversations', {
        cookie: u.cookie,
        raw: JSON.stringify({ title: 'x', pad: 'y'.repeat(2 * 1024 * 1024) }),
        headers: { 'content-type': 'application/json' },
      });
      expect(oversize.status).toBe(413);
      const list = await h.json('GET', '/api/conversations', { cookie: u.cookie });
      expect(list.body.items).toEqual([]);
    });

    test('an-import-that-fails-midway-leaves-no-half-written-conversation', async () => {
      const u = await h.signup();
      const res = await h.json('POST', '/api/conversations', {
        cookie: u.cookie,
        body: {
          messages: [
            { role: 'user', content: 'first' },
            { role: 'user', content: 'bad \u0000 byte' },
          ],
        },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await h.json('GET', '/api/conversations', { cookie: u.cookie })).body.items).toEqual([]);
    });

    test('crafted-cursor-answers-400-invalid-cursor', async () => {
      const u = await h.signup();
      await h.json('POST', '/api/conversations', { cookie: u.cookie, body: { title: 'one' } });
      const uuid = crypto.randomUUID();
      const crafted = [
        ['2030-01-01T00:00:00Z', '------------------------------------'],
        [8.64e15, uuid],
        ['+275760-09-13T00:00:00.000Z', uuid],
        ['0000-01-01T00:00:00.000Z', uuid],
        ['2030-02-30T00:00:00.000Z', uuid],
        ['2030-01-01T00:00:00.000Z', `urn:uuid:${uuid}`],
        ['2030-01-01T00:00:00.000Z', uuid, 'extra'],
        { updatedAt: '2030-01-01T00:00:00.000Z', id: uuid },
      ];
      for (const value of crafted) {
        const cursor = Buffer.from(JSON.stringify(value)).toString('base64url');
        const res = await h.json('GET', `/api/conversations?cursor=${cursor}`, { cookie: u.cookie });
        expect([JSON.stringify(value), res.status, res.body.error?.code]).toEqual([JSON.stringify(value), 400, 'invalid_cursor']);
      }
      const valid = Buffer.from(JSON.stringify(['2999-01-01T00:00:00.000Z', uuid])).toString('base64url');
      const page = await h.json('GET', `/api/conversations?cursor=${valid}`, { cookie: u.cookie });
      expect(page.status).toBe(200);
      expect(page.body.items.map((c: any) => c.title)).toEqual(['one']);
    });

    test('urn-prefixed-ids-answer-400-not-500', async () => {
      const u = await h.signup();
      const urn = `urn:uuid:${crypto.randomUUID()}`;
      const attempts = [
        await h.json('GET', `/api/conversations/${urn}`, { cookie: u.cookie }),
        await h.json('PATCH', `/api/conversations/${urn}`, { cookie: u.cookie, body: { title: 'x' } }),
        await h.json('DELETE', `/api/conversations/${urn}`, { cookie: u.cookie }),
        await h.json('GET', `/api/documents/${urn}`, { cookie: u.cookie }),
        await h.json('DELETE', `/api/documents/${urn}`, { cookie: u.cookie }),
        await h.json('DELETE', `/api/keys/${urn}`, { cookie: u.cookie }),
        await h.json('POST', '/api/chat', { cookie: u.cookie, body: { message: 'hi', conversationId: urn } }),
        await h.json('POST', '/api/chat', { cookie: u.cookie, body: { message: 'hi', parentId: urn } }),
        await h.json('POST', '/api/chat', { cookie: u.cookie, body: { message: 'hi', documentIds: [urn] } }),
      ];
      expect(attempts.map((a) => [a.status, a.body.error.code])).toEqual(Array(attempts.length).fill([400, 'validation_error']));
      expect((await h.json('GET', '/api/conversations', { cookie: u.cookie })).body.items).toEqual([]);
    });
  });
}

describe('heuristic titles', () => {
  test('first-sentence-trimmed-at-a-word', () => {
    expect(heuristicTitle('Fix my nginx config. It 502s.')).toBe('Fix my nginx config');
    expect(heuristicTitle('```\ncode\n```  what does this do?')).toBe('what does this do?');
    expect(heuristicTitle('   ')).toBe('New chat');
    const long = heuristicTitle('word '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(61);
    expect(long.endsWith('…')).toBe(true);
  });
});
