import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import { type Database, openPostgres } from '../db/client';
import { type RunningServer, startServer } from '../server';
import { testConfig } from '../testing/app-harness';
import { createScratchDatabase } from '../testing/databases';
import { createOfflineEmbedder } from './embedders/offline';
import { prepareDocument } from './pipeline';

const { TEST_DATABASE_URL, TEST_KAFKA_BROKERS } = process.env;
const ready = TEST_DATABASE_URL && TEST_KAFKA_BROKERS;
if (!ready) console.warn('TEST_DATABASE_URL and TEST_KAFKA_BROKERS are needed: skipping the two-server ingestion test');

const documentText = (i: number) =>
  `# Report ${i}\n\n${Array.from({ length: 40 }, (_, j) => `Finding ${j} of report ${i}: measurement ${i * 100 + j} held steady.`).join(' ')}`;

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 90_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

/** Two servers in one process, sharing PostgreSQL, Kafka and the uploads folder as two replicas would. */
describe.skipIf(!ready)('ingestion across two servers sharing Postgres and Kafka', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: Database;
  const servers: RunningServer[] = [];
  let cookie = '';

  beforeAll(async () => {
    scratch = await createScratchDatabase(TEST_DATABASE_URL!);
    const dataDir = `/tmp/confab-ingest-replicas-${crypto.randomUUID()}`;
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startServer(
          testConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: scratch.url, KAFKA_BROKERS: TEST_KAFKA_BROKERS! }),
        ),
      );
    }
    database = openPostgres(scratch.url, 2);
    await database.migrate();
    const res = await fetch(`${servers[0].url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `i${crypto.randomUUID().slice(0, 6)}@example.com`, password: 'correct horse battery' }),
    });
    cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  }, 60_000);

  afterAll(async () => {
    // Together: one after the other, the second took about 30 s (the group's session timeout) to
    // stop, its consumer rejoining the group the first had just left.
    await Promise.all(servers.map((s) => s.shutdown()));
    await database?.close();
    await scratch?.drop();
  });

  async function upload(server: RunningServer, i: number): Promise<string> {
    const form = new FormData();
    form.append('file', new File([documentText(i)], `report-${i}.md`));
    const res = await fetch(`${server.url}/api/documents`, { method: 'POST', headers: { cookie }, body: form });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  const handled = () => servers.map((s) => s.ctx.ingestion.handled());

  test('splits-ingestion-jobs-between-two-servers-and-does-each-once', async () => {
    const ids = new Map<string, number>();
    // The consumer group settles a few seconds after the second server joins; until then one
    // server may hold every partition, so uploads go on until both have taken work.
    let i = 0;
    await until(async () => {
      ids.set(await upload(servers[i % 2], i), i);
      i++;
      return handled().every((h) => h.ready > 0) && i >= 12;
    }, 'both servers to ingest documents');
    await until(async () => {
      const [{ waiting }] = await database.rows<{ waiting: number }>(
        sql`SELECT count(*)::int AS waiting FROM documents WHERE status <> 'ready'`,
      );
      return waiting === 0;
    }, 'every document to be ready');

    const counts = await database.rows<{ id: string; chunk_count: number; stored: number; distinct_ordinals: number }>(sql`
      SELECT d.id, d.chunk_count, count(c.id)::int AS stored, count(DISTINCT c.ordinal)::int AS distinct_ordinals
      FROM documents d LEFT JOIN chunks c ON c.document_id = d.id GROUP BY d.id`);
    expect(counts.length).toBe(ids.size);
    const embedder = createOfflineEmbedder();
    for (const row of counts) {
      const n = ids.get(row.id)!;
      const expected = (await prepareDocument(new TextEncoder().encode(documentText(n)), `report-${n}.md`, embedder)).chunks.length;
      expect([row.stored, row.distinct_ordinals, row.chunk_count]).toEqual([expected, expected, expected]);
    }
    const [first, second] = handled();
    expect(first.ready).toBeGreaterThan(0);
    expect(second.ready).toBeGreaterThan(0);
    expect(first.ready + second.ready).toBe(ids.size);
    expect(first.failed + second.failed).toBe(0);
  }, 150_000);
});
