import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { type Database, openPostgres } from '../../db/client';
import { createHarness, type Harness, testConfig } from '../../testing/app-harness';
import { createScratchDatabase } from '../../testing/databases';

const { TEST_DATABASE_URL, TEST_REDIS_URL, TEST_MCP_EVERYTHING_URL } = process.env;
const ready = TEST_DATABASE_URL && TEST_REDIS_URL && TEST_MCP_EVERYTHING_URL;
if (!ready) console.warn('TEST_DATABASE_URL, TEST_REDIS_URL and TEST_MCP_EVERYTHING_URL are needed: skipping the two-replica MCP tests');

/** Two replicas in one process sharing PostgreSQL and Redis, as two processes would. */
describe.skipIf(!ready)('MCP servers across replicas', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  const databases: Database[] = [];
  const replicas: Harness[] = [];
  let admin = '';
  let user = '';

  beforeAll(async () => {
    scratch = await createScratchDatabase(TEST_DATABASE_URL!);
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
    await scratch?.drop();
  });

  const toolNames = async (replica: Harness) =>
    (await replica.json('GET', '/api/plugins', { cookie: user })).body.plugins.map((p: { name: string }) => p.name) as string[];

  async function eventually(check: () => Promise<boolean>): Promise<boolean> {
    for (let i = 0; i < 250; i++) {
      if (await check()) return true;
      await Bun.sleep(20);
    }
    return false;
  }

  test('a-server-registered-on-one-replica-offers-its-tools-on-the-other-and-leaves-with-its-removal', async () => {
    const created = await replicas[0].json('POST', '/api/admin/mcp-servers', {
      cookie: admin,
      body: { name: 'shared', url: TEST_MCP_EVERYTHING_URL, token: 'tok-shared-0000000000' },
    });
    expect(created.status).toBe(201);
    expect(await eventually(async () => (await toolNames(replicas[1])).includes('mcp:shared:echo'))).toBe(true);
    const patched = await replicas[0].json('PATCH', `/api/admin/mcp-servers/${created.body.id}`, {
      cookie: admin,
      body: { allowedTools: ['get-sum'] },
    });
    expect(patched.status).toBe(200);
    expect(await eventually(async () => !(await toolNames(replicas[1])).includes('mcp:shared:echo'))).toBe(true);
    expect(await toolNames(replicas[1])).toContain('mcp:shared:get-sum');
    await replicas[0].json('DELETE', `/api/admin/mcp-servers/${created.body.id}`, { cookie: admin });
    expect(await eventually(async () => !(await toolNames(replicas[1])).some((n) => n.startsWith('mcp:shared:')))).toBe(true);
  });
});
