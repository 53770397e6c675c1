import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createHarness, type Harness } from '../../testing/app-harness';
import { testDatabases } from '../../testing/databases';

type User = Awaited<ReturnType<Harness['signup']>>;

for (const backend of testDatabases()) {
  describe(`/api/admin/groups on ${backend.name}`, () => {
    let h: Harness;
    let admin: User;
    let ann: User;
    let bob: User;
    beforeAll(async () => {
      h = createHarness(await backend.open());
      admin = await h.signup('root@example.com');
      ann = await h.signup();
      bob = await h.signup();
    });
    afterAll(() => backend.cleanup());

    const as = (who: User) => ({
      get: (path: string) => h.json('GET', path, { cookie: who.cookie }),
      send: (method: string, path: string, body: unknown) => h.json(method, path, { cookie: who.cookie, body }),
    });
    const listed = async () => (await as(admin).get('/api/admin/groups')).body;
    const audited = async (action: string) =>
      (await as(admin).get(`/api/admin/audit?action=${action}`)).body.entries as { target: string; details: any; actorId: string }[];

    test('every-groups-route-answers-401-anonymous-and-403-to-a-non-admin', async () => {
      const id = crypto.randomUUID();
      const routes: [string, string, unknown?][] = [
        ['GET', '/api/admin/groups'],
        ['POST', '/api/admin/groups', { name: 'x' }],
        ['GET', `/api/admin/groups/${id}`],
        ['PATCH', `/api/admin/groups/${id}`, { name: 'y' }],
        ['DELETE', `/api/admin/groups/${id}`],
      ];
      for (const [method, path, body] of routes) {
        expect({ method, path, status: (await h.json(method, path, { body })).status }).toEqual({ method, path, status: 401 });
        const refused = await h.json(method, path, { cookie: ann.cookie, body });
        expect({ method, path, status: refused.status, code: refused.body.error.code }).toEqual({
          method,
          path,
          status: 403,
          code: 'forbidden',
        });
      }
      expect(await listed()).toEqual([]);
    });

    test('creates-lists-changes-and-deletes-a-group-auditing-each-change', async () => {
      const created = await as(admin).send('POST', '/api/admin/groups', {
        name: 'research',
        members: [ann.id, ann.id],
        limits: { tokensPerDay: 50_000, usdPerMonth: null },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'research', members: [ann.id], limits: { tokensPerDay: 50_000, usdPerMonth: null } });
      const id = created.body.id;
      expect((await as(admin).get(`/api/admin/groups/${id}`)).body).toEqual(created.body);

      const changed = await as(admin).send('PATCH', `/api/admin/groups/${id}`, { name: 'lab', members: [bob.id], limits: { rpm: 10 } });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({ id, name: 'lab', members: [bob.id], limits: { rpm: 10 } });
      expect(await listed()).toEqual([changed.body]);
      const ownUsage = async (who: User) => (await as(who).get('/api/usage')).body.limits.rpm;
      expect(await ownUsage(bob)).toEqual({ limit: 10, source: 'group' });
      expect(await ownUsage(ann)).toEqual({ limit: 60, source: 'default' });

      const deleted = await h.json('DELETE', `/api/admin/groups/${id}`, { cookie: admin.cookie });
      expect(deleted.status).toBe(200);
      expect(await listed()).toEqual([]);
      expect(await ownUsage(bob)).toEqual({ limit: 60, source: 'default' });
      expect((await h.json('DELETE', `/api/admin/groups/${id}`, { cookie: admin.cookie })).status).toBe(404);

      const [create] = await audited('group.create');
      expect(create).toMatchObject({ target: `group:${id}`, actorId: admin.id, details: { name: 'research', members: [ann.id] } });
      const [update] = await audited('group.update');
      expect(update.details).toEqual({
        name: { from: 'research', to: 'lab' },
        members: { added: [bob.id], removed: [ann.id] },
        limits: { from: { tokensPerDay: 50_000, usdPerMonth: null }, to: { rpm: 10 } },
      });
      const [gone] = await audited('group.delete');
      expect(gone).toMatchObject({ target: `group:${id}`, details: { name: 'lab', members: [bob.id] } });
    });

    test('bad-input-answers-a-clear-4xx-and-changes-nothing', async () => {
      const kept = await as(admin).send('POST', '/api/admin/groups', { name: 'kept', members: [ann.id] });
      const before = await listed();
      const auditBefore = (await as(admin).get('/api/admin/audit?action=group.')).body.entries.length;
      const cases: [string, string, unknown, number, string][] = [
        ['POST', '/api/admin/groups', { name: 'kept' }, 409, 'group_name_taken'],
        ['POST', '/api/admin/groups', { name: 'new', members: [crypto.randomUUID()] }, 400, 'unknown_user'],
        ['POST', '/api/admin/groups', { name: '' }, 400, 'validation_error'],
        ['POST', '/api/admin/groups', { name: 'new', limits: { tokensPerDay: -1 } }, 400, 'validation_error'],
        ['POST', '/api/admin/groups', { name: 'new', limits: { rmp: 5 } }, 400, 'validation_error'],
        ['POST', '/api/admin/groups', { name: 'new', models: ['gpt-4o'] }, 400, 'validation_error'],
        ['POST', '/api/admin/groups', { name: 'new', limits: 'none' }, 400, 'validation_error'],
        ['POST', '/api/admin/groups', { name: 'new', members: ['not-a-uuid'] }, 400, 'validation_error'],
        ['PATCH', `/api/admin/groups/${kept.body.id}`, { members: [ann.id, crypto.randomUUID()], name: 'renamed' }, 400, 'unknown_user'],
        ['PATCH', `/api/admin/groups/${kept.body.id}`, { limits: { usdPerMonth: 'lots' } }, 400, 'validation_error'],
        ['PATCH', `/api/admin/groups/${crypto.randomUUID()}`, { name: 'x' }, 404, 'not_found'],
        ['PATCH', '/api/admin/groups/not-a-uuid', { name: 'x' }, 400, 'validation_error'],
      ];
      for (const [method, path, body, status, code] of cases) {
        const res = await as(admin).send(method, path, body);
        expect({ body, status: res.status, code: res.body?.error?.code }).toEqual({ body, status, code });
      }
      const misspelt = await as(admin).send('PATCH', `/api/admin/groups/${kept.body.id}`, { limits: { tokensPerday: 5 } });
      expect(misspelt.body.error.message).toBe('Invalid body limits.tokensPerday: unknown field');
      const other = await as(admin).send('POST', '/api/admin/groups', { name: 'other' });
      const clash = await as(admin).send('PATCH', `/api/admin/groups/${other.body.id}`, { name: 'kept' });
      expect(clash.status).toBe(409);
      expect((await listed()).filter((g: { name: string }) => g.name !== 'other')).toEqual(before);
      expect((await as(admin).get('/api/admin/audit?action=group.')).body.entries.length).toBe(auditBefore + 1);
    });
  });
}
