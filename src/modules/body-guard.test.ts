import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../testing/app-harness';
import { testDatabases } from '../testing/databases';

for (const backend of testDatabases()) {
  describe(`request guard on ${backend.name}`, () => {
    let h: Harness;
    let user: { cookie: string; id: string };
    let conversationId: string;
    const conversations = async () => (await h.json('GET', '/api/conversations', { cookie: user.cookie })).body.items as unknown[];

    beforeAll(async () => {
      h = createHarness(await backend.open());
      user = await h.signup();
      conversationId = (await h.json('POST', '/api/conversations', { cookie: user.cookie, body: { title: 'kept' } })).body.id;
    });
    afterAll(async () => {
      await h.close();
      await backend.cleanup();
    });

    test('nul-in-the-query-or-path-answers-400-invalid-text', async () => {
      const attempts = [
        await h.json('GET', '/api/conversations?q=a%00b', { cookie: user.cookie }),
        await h.json('GET', '/api/conversations?cursor=%00', { cookie: user.cookie }),
        await h.json('GET', `/api/conversations/${conversationId}%00`, { cookie: user.cookie }),
        await h.json('POST', '/api/conversations?title=%00', { cookie: user.cookie, body: { title: 'not made' } }),
        await h.json('GET', '/api/models?x=%00'),
      ];
      expect(attempts.map((a) => [a.status, a.body?.error?.code])).toEqual(Array(attempts.length).fill([400, 'invalid_text']));
      expect(await conversations()).toHaveLength(1);
    });
  });
}
