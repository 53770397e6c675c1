import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

for (const backend of testDatabases()) {
  describe(`PATCH /api/admin/users/:id on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    let ann: User;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      ann = await h.signup();
    });
    afterAll(() => backend.cleanup());
    const patch = (id: string, body: unknown, who = admin) => h.json('PATCH', `/api/admin/users/${id}`, { cookie: who.cookie, body });
    const group = async (name: string) =>
      (await h.json('POST', '/api/admin/groups', { cookie: admin.cookie, body: { name } })).body.id as string;

    test('answers-401-anonymous-and-403-to-a-non-admin', async () => {
      expect((await h.json('PATCH', `/api/admin/users/${ann.id}`, { body: { limits: null } })).status).toBe(401);
      const refused = await patch(ann.id, { limits: { rpm: 1 } }, ann);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await h.json('GET', '/api/usage', { cookie: ann.cookie })).body.limits.rpm.source).toBe('default');
    });

    test('sets-a-users-groups-and-own-limits-and-audits-what-changed', async () => {
      const [a, b] = [await group('alpha'), await group('beta')];
      const first = await patch(ann.id, { groups: [a, b], limits: { tokensPerDay: 1_000, rpm: null } });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        id: ann.id,
        email: ann.email,
        role: 'user',
        groups: [
          { id: a, name: 'alpha' },
          { id: b, name: 'beta' },
        ],
        limits: { tokensPerDay: 1_000, rpm: null },
      });
      const limits = (await h.json('GET', '/api/usage', { cookie: ann.cookie })).body.limits;
      expect(limits.tokensPerDay).toMatchObject({ limit: 1_000, source: 'user' });
      expect(limits.rpm).toEqual({ limit: null, source: 'user' });

      const second = await patch(ann.id, { groups: [b] });
      expect(second.body.groups).toEqual([{ id: b, name: 'beta' }]);
      expect(second.body.limits).toEqual({ tokensPerDay: 1_000, rpm: null });
      const cleared = await patch(ann.id, { limits: null });
      expect(cleared.body.limits).toBeNull();
      expect((await h.json('GET', '/api/usage', { cookie: ann.cookie })).body.limits.tokensPerDay.source).toBe('default');

      const entries = (await h.json('GET', '/api/admin/audit?action=user.update', { cookie: admin.cookie })).body.entries;
      expect(entries.map((e: { details: unknown }) => e.details)).toEqual([
        { limits: { from: { tokensPerDay: 1_000, rpm: null }, to: null } },
        { groups: { from: [a, b], to: [b] } },
        { limits: { from: null, to: { tokensPerDay: 1_000, rpm: null } }, groups: { from: [], to: [a, b] } },
      ]);
      expect(entries.every((e: { target: string; actorId: string }) => e.target === `user:${ann.id}` && e.actorId === admin.id)).toBe(true);
    });

    test('bad-input-answers-a-clear-4xx-and-changes-nothing', async () => {
      const keep = await group('keep');
      const before = (await patch(ann.id, { groups: [keep], limits: { tpm: 500 } })).body;
      const cases: [string, unknown, number, string][] = [
        [ann.id, { groups: [keep, crypto.randomUUID()], limits: { tpm: 1 } }, 400, 'unknown_group'],
        [ann.id, { limits: { tpm: 0 } }, 400, 'validation_error'],
        [ann.id, { limits: { usdPerMonth: -5 } }, 400, 'validation_error'],
        [ann.id, { limits: { tokensPerDay: 1.5 } }, 400, 'validation_error'],
        [ann.id, { role: 'owner' }, 400, 'validation_error'],
        [ann.id, { status: 'gone' }, 400, 'validation_error'],
        [ann.id, { limits: 5 }, 400, 'validation_error'],
        [ann.id, { groups: keep }, 400, 'validation_error'],
        [crypto.randomUUID(), { limits: null }, 404, 'not_found'],
        ['nobody', { limits: null }, 400, 'validation_error'],
      ];
      for (const [id, body, status, code] of cases) {
        const res = await patch(id, body);
        expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status, code });
      }
      expect((await patch(ann.id, {})).body).toEqual(before);
    });
  });
}
