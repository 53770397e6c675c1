import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createScratchDatabase } from '../testing/databases';
import { type Database, openPglite, openPostgres } from './client';
import { users } from './schema';

const TABLES = ['api_keys', 'chunks', 'conversations', 'documents', 'messages', 'plugins', 'sessions', 'usage_logs', 'users'];

async function tableNames(db: Database) {
  const rows = await db.rows<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  return rows.map((r) => r.table_name);
}

async function checkMigratesAndPersists(open: () => Database) {
  const first = open();
  await first.migrate();
  expect(await tableNames(first)).toEqual(expect.arrayContaining(TABLES));
  const ext = await first.rows<{ extname: string }>(sql`select extname from pg_extension where extname = 'vector'`);
  expect(ext).toHaveLength(1);
  await first.db.insert(users).values({ email: 'kept@example.com', passwordHash: 'h' });
  await first.close();

  const second = open();
  await second.migrate();
  const kept = await second.db.select().from(users);
  expect(kept.map((u) => u.email)).toEqual(['kept@example.com']);
  const applied = await second.rows<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  expect(applied[0].n).toBeGreaterThanOrEqual(2);
  await second.close();
}

describe('migrations on pglite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('migrates-an-empty-data-dir-then-reopens-it-with-data-kept', async () => {
    await checkMigratesAndPersists(() => openPglite(dir));
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('migrations on postgres', () => {
  let drop: (() => Promise<void>) | undefined;
  afterAll(() => drop?.());

  test('migrates-an-empty-database-then-reopens-it-with-data-kept', async () => {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!);
    drop = scratch.drop;
    await checkMigratesAndPersists(() => openPostgres(scratch.url, 2));
  });
});
