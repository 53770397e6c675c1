import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

for (const backend of testDatabases()) {
  describe(`session cookie on ${backend.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = createHarness(await backend.open());
    });
    afterAll(() => backend.cleanup());

    test('bad-percent-encoding-in-the-session-cookie-is-no-session', async () => {
      for (const cookie of ['confab_session=%', 'confab_session=%E0%A4%A', 'theme=dark; confab_session=abc%zz']) {
        const me = await h.json('GET', '/api/auth/me', { headers: { cookie } });
        expect([cookie, me.status, me.body.error.code]).toEqual([cookie, 401, 'unauthorized']);
        const models = await h.json('GET', '/v1/models', { headers: { cookie } });
        expect([cookie, models.status, models.body.error.type]).toEqual([cookie, 401, 'authentication_error']);
        const logout = await h.request('POST', '/api/auth/logout', { headers: { cookie } });
        expect([cookie, logout.status]).toEqual([cookie, 200]);
      }
    });

    test('a-session-cookie-still-signs-in-beside-a-badly-encoded-cookie', async () => {
      const u = await h.signup();
      const me = await h.json('GET', '/api/auth/me', { headers: { cookie: `other=%; ${u.cookie}` } });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(u.email);
    });
  });
}
