import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`api keys on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('key-is-shown-once-stored-hashed-and-authenticates', async () => {
      const alice = await h.signup();
      const created = await h.json('POST', '/api/keys', { cookie: alice.cookie, body: { name: 'laptop' } });
      expect(created.status).toBe(201);
      expect(created.body.key).toStartWith('cfb_');
      expect(created.body.key.slice(0, 12)).toBe(created.body.prefix);
      const stored = await h.ctx.database.rows<{ key_hash: string }>(
        (await import('drizzle-orm')).sql`select key_hash from api_keys where id = ${created.body.id}`,
      );
      expect(stored[0].key_hash).not.toContain(created.body.key);
      const listed = await h.json('GET', '/api/keys', { cookie: alice.cookie });
      expect(listed.body).toHaveLength(1);
      expect(listed.body[0].key).toBeUndefined();
      const me = await h.json('GET', '/api/auth/me', { bearer: created.body.key });
      expect(me.status).toBe(200);
      expect(me.body.id).toBe(alice.id);
    });

    test('use-records-last-used-time', async () => {
      const u = await h.signup();
      const { body } = await h.json('POST', '/api/keys', { cookie: u.cookie, body: { name: 'k' } });
      expect(body.lastUsedAt).toBeNull();
      await h.request('GET', '/api/conversations', { bearer: body.key });
      let lastUsed: string | null = null;
      for (let i = 0; i < 50 && !lastUsed; i++) {
        lastUsed = (await h.json('GET', '/api/keys', { cookie: u.cookie })).body[0].lastUsedAt;
        if (!lastUsed) await Bun.sleep(10);
      }
      expect(lastUsed).not.toBeNull();
    });

    test('revoked-key-is-refused-at-once', async () => {
      const u = await h.signup();
      const { body } = await h.json('POST', '/api/keys', { cookie: u.cookie, body: { name: 'k' } });
      expect((await h.request('GET', '/api/conversations', { bearer: body.key })).status).toBe(200);
      const revoked = await h.json('DELETE', `/api/keys/${body.id}`, { cookie: u.cookie });
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).not.toBeNull();
      const after = await h.json('GET', '/api/conversations', { bearer: body.key });
      expect(after.status).toBe(401);
      expect(after.body.error.message).toContain('revoked');
    });

    test('another-users-key-id-answers-404', async () => {
      const a = await h.signup();
      const b = await h.signup();
      const { body } = await h.json('POST', '/api/keys', { cookie: a.cookie, body: { name: 'k' } });
      expect((await h.request('DELETE', `/api/keys/${body.id}`, { cookie: b.cookie })).status).toBe(404);
      expect((await h.request('GET', `/api/keys/${body.id}`, { cookie: b.cookie })).status).toBe(404);
      const own = await h.json('GET', `/api/keys/${body.id}`, { cookie: a.cookie });
      expect(own.body.name).toBe('k');
      expect(own.body.key).toBeUndefined();
      expect((await h.request('GET', '/api/conversations', { bearer: body.key })).status).toBe(200);
      expect((await h.json('GET', '/api/keys', { cookie: b.cookie })).body).toEqual([]);
    });

    test('bad-key-input-and-garbage-tokens', async () => {
      const u = await h.signup();
      expect((await h.request('POST', '/api/keys', { cookie: u.cookie, body: { name: '' } })).status).toBe(400);
      expect((await h.request('DELETE', '/api/keys/not-a-uuid', { cookie: u.cookie })).status).toBe(400);
      expect((await h.request('GET', '/api/keys', { bearer: 'cfb_nonsense' })).status).toBe(401);
      expect((await h.request('GET', '/api/keys', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
      expect((await h.json('GET', '/api/keys', { cookie: u.cookie })).body).toEqual([]);
    });
  });
}
