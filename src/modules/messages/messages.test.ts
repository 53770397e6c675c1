import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`message siblings on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('an-edited-message-lists-its-versions-oldest-first', async () => {
      const u = await h.signup();
      const first = await h.json('POST', '/api/chat', { cookie: u.cookie, body: { message: 'What is rye?' } });
      const conversationId = first.body.conversationId;
      await h.json('POST', '/api/chat', { cookie: u.cookie, body: { conversationId, message: 'And spelt?' } });
      // An edit of the first question: a new user message from the top.
      await h.json('POST', '/api/chat', { cookie: u.cookie, body: { conversationId, message: 'What is rye flour?', parentId: null } });
      const { messages } = (await h.json('GET', `/api/conversations/${conversationId}`, { cookie: u.cookie })).body;
      const roots = messages.filter((m: any) => m.parentId === null);
      expect(roots.map((m: any) => m.content)).toEqual(['What is rye?', 'What is rye flour?']);

      const res = await h.json('GET', `/api/messages/${roots[1].id}/siblings`, { cookie: u.cookie });
      expect(res.status).toBe(200);
      expect(res.body.index).toBe(1);
      expect(res.body.items.map((m: any) => m.content)).toEqual(['What is rye?', 'What is rye flour?']);
      const later = messages.find((m: any) => m.content === 'And spelt?');
      expect((await h.json('GET', `/api/messages/${later.id}/siblings`, { cookie: u.cookie })).body).toMatchObject({
        index: 0,
        items: [{ id: later.id }],
      });
    });

    test('regenerated-answers-are-siblings-of-each-other', async () => {
      const u = await h.signup();
      const file = [
        {
          id: 'sib-1',
          title: 'Two answers',
          chat: {
            history: {
              messages: {
                q: { id: 'q', parentId: null, role: 'user', content: 'Pick a colour', timestamp: 1_767_300_000 },
                a: { id: 'a', parentId: 'q', role: 'assistant', content: 'Blue', timestamp: 1_767_300_001 },
                b: { id: 'b', parentId: 'q', role: 'assistant', content: 'Green', timestamp: 1_767_300_002 },
              },
            },
          },
        },
      ];
      const form = new FormData();
      form.append('file', new File([JSON.stringify(file)], 'chats.json'));
      const imported = await h.json('POST', '/api/conversations/import', { cookie: u.cookie, raw: form });
      const { messages } = (await h.json('GET', `/api/conversations/${imported.body.imported[0].id}`, { cookie: u.cookie })).body;
      const green = messages.find((m: any) => m.content === 'Green');
      const res = await h.json('GET', `/api/messages/${green.id}/siblings`, { cookie: u.cookie });
      expect(res.body.items.map((m: any) => [m.role, m.content])).toEqual([
        ['assistant', 'Blue'],
        ['assistant', 'Green'],
      ]);
      expect(res.body.index).toBe(1);
    });

    test('messages-carry-the-request-that-wrote-them-so-a-page-can-resume-it', async () => {
      const u = await h.signup();
      const turn = await h.json('POST', '/api/chat', { cookie: u.cookie, body: { message: 'hello', requestId: 'req-resume-1' } });
      const { messages } = (await h.json('GET', `/api/conversations/${turn.body.conversationId}`, { cookie: u.cookie })).body;
      expect(messages.map((m: any) => [m.role, m.requestId])).toEqual([
        ['user', 'req-resume-1'],
        ['assistant', 'req-resume-1'],
      ]);
    });

    test('another-users-message-answers-404', async () => {
      const owner = await h.signup();
      const other = await h.signup();
      const turn = await h.json('POST', '/api/chat', { cookie: owner.cookie, body: { message: 'mine' } });
      expect((await h.json('GET', `/api/messages/${turn.body.message.id}/siblings`, { cookie: other.cookie })).status).toBe(404);
      expect((await h.json('GET', `/api/messages/${crypto.randomUUID()}/siblings`, { cookie: owner.cookie })).status).toBe(404);
      expect((await h.request('GET', `/api/messages/${turn.body.message.id}/siblings`)).status).toBe(401);
    });
  });
}
