import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Database, openPostgres } from '../../db/client';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { createScratchDatabase } from '../../testing/databases';
import { type FakeUpstream, startFakeUpstream } from '../../testing/fake-upstream';

const { TEST_DATABASE_URL, TEST_REDIS_URL } = process.env;
const ready = TEST_DATABASE_URL && TEST_REDIS_URL;
if (!ready) console.warn('TEST_DATABASE_URL and TEST_REDIS_URL are needed: skipping the two-replica connection tests');

/** Two replicas in one process sharing PostgreSQL and Redis, as two processes would. */
describe.skipIf(!ready)('connections across replicas', () => {
  let upstream: FakeUpstream;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const databases: Database[] = [];
  const replicas: Harness[] = [];
  let admin = '';
  let user = '';

  beforeAll(async () => {
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini'] });
    scratch = await createScratchDatabase(TEST_DATABASE_URL!);
    // Replicas must share the key that seals credentials; each has its own data directory here.
    const SECRET_KEY = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
    for (let i = 0; i < 2; i++) {
      const database = openPostgres(scratch.url, 2);
      await database.migrate();
      databases.push(database);
      replicas.push(createHarness(database, testConfig({ REDIS_URL: TEST_REDIS_URL!, SECRET_KEY })));
    }
    admin = (await replicas[0].signup()).cookie;
    user = (await replicas[0].signup()).cookie;
  });

  afterAll(async () => {
    for (const r of replicas) await r.close();
    for (const d of databases) await d.close();
    await upstream?.stop();
    await scratch?.drop();
  });

  const modelIds = async (replica: Harness, cookie: string) =>
    (await replica.json('GET', '/api/models', { cookie })).body.models.map((m: { id: string }) => m.id) as string[];

  /** The other replica hears of a change asynchronously; wait (bounded) until it shows. */
  async function eventually(check: () => Promise<boolean>): Promise<boolean> {
    for (let i = 0; i < 250; i++) {
      if (await check()) return true;
      await Bun.sleep(20);
    }
    return false;
  }

  test('a-connection-added-on-one-replica-serves-the-next-turn-on-the-other', async () => {
    const created = await replicas[0].json('POST', '/api/admin/connections', {
      cookie: admin,
      body: { kind: 'openai-compatible', name: 'shared', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-shared-000000000000' },
    });
    expect(created.status).toBe(201);
    expect(await eventually(async () => (await modelIds(replicas[1], user)).includes('shared/gpt-4o-mini'))).toBe(true);
    const turn = await replicas[1].json('POST', '/api/chat', { cookie: user, body: { model: 'shared/gpt-4o-mini', message: 'Hi' } });
    expect(turn.body.message.model).toBe('shared/gpt-4o-mini');
  });

  test('a-restriction-set-on-one-replica-is-enforced-on-the-other', async () => {
    await replicas[0].json('PATCH', `/api/admin/models/${encodeURIComponent('shared/gpt-4o-mini')}`, {
      cookie: admin,
      body: { access: { roles: ['admin'] } },
    });
    expect(await eventually(async () => !(await modelIds(replicas[1], user)).includes('shared/gpt-4o-mini'))).toBe(true);
    const refused = await replicas[1].json('POST', '/api/chat', { cookie: user, body: { model: 'shared/gpt-4o-mini', message: 'Hi' } });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'model_forbidden']);
    expect(await modelIds(replicas[1], admin)).toContain('shared/gpt-4o-mini');
  });

  test('a-connection-disabled-on-one-replica-stops-serving-on-the-other', async () => {
    const [shared] = (await replicas[0].json('GET', '/api/admin/connections', { cookie: admin })).body;
    await replicas[0].json('PATCH', `/api/admin/connections/${shared.id}`, { cookie: admin, body: { enabled: false } });
    expect(await eventually(async () => !(await modelIds(replicas[1], admin)).includes('shared/gpt-4o-mini'))).toBe(true);
    const refused = await replicas[1].json('POST', '/api/chat', { cookie: admin, body: { model: 'shared/gpt-4o-mini', message: 'Hi' } });
    expect(refused.body.error.code).toBe('unknown_model');
  });
});
