import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { createOfflineEmbedder } from '../rag/embedders/offline';
import { retrieve } from '../rag/retrieve';
import { createScratchDatabase } from '../testing/databases';
import { type Database, openPglite, openPostgres } from './client';
import { MIGRATIONS } from './migrations-folder';

/** The last migration before BM25's statistics: the schema a server upgraded across it started from. */
const BEFORE_BM25 = '0012_message_attachments';

/** A copy of the migrations folder that ends at `lastTag`, as an older release shipped it. */
function migrationsUpTo(lastTag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'confab-migrations-'));
  mkdirSync(join(dir, 'meta'));
  const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((e) => e.tag === lastTag);
  if (end < 0) throw new Error(`no migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify(journal));
  for (const { tag } of journal.entries) cpSync(join(MIGRATIONS, `${tag}.sql`), join(dir, `${tag}.sql`));
  return dir;
}

const HANDBOOK = [
  'Carried-over vacation days must be used by the end of March.',
  'The office closes at six on Fridays; the last one out sets the alarm.',
  'Expense reports are filed within thirty days of the purchase.',
];
const OTHER = ['Deployment keys rotate every ninety days.', 'Vacation requests in this team go to the release manager.'];

/** A user with one ready document of `texts`, written with the columns the old schema had. */
async function seedOldSchema(database: Database, email: string, texts: string[]): Promise<{ userId: string; documentId: string }> {
  const [{ id: userId }] = await database.rows<{ id: string }>(
    sql`INSERT INTO users (email, password_hash) VALUES (${email}, '-') RETURNING id`,
  );
  const [{ id: documentId }] = await database.rows<{ id: string }>(sql`INSERT INTO documents
      (user_id, name, mime_type, size_bytes, sha256, storage_path, status, chunk_count)
    VALUES (${userId}, 'handbook.md', 'text/markdown', 0, ${crypto.randomUUID()}, 'old/handbook.md', 'ready', ${texts.length})
    RETURNING id`);
  for (const [ordinal, text] of texts.entries()) {
    await database.rows(sql`INSERT INTO chunks (document_id, user_id, ordinal, text, start_offset, end_offset, token_count)
      VALUES (${documentId}, ${userId}, ${ordinal}, ${text}, 0, ${text.length}, 10)`);
  }
  return { userId, documentId };
}

/** The statistics as the triggers keep them, and as they would be counted afresh from the chunks. */
async function statistics(database: Database, userId: string) {
  const kept = await database.rows<{ lexeme: string; chunks: number }>(
    sql`SELECT lexeme, chunks::int FROM chunk_term_stats WHERE user_id = ${userId} ORDER BY lexeme`,
  );
  const counted = await database.rows<{ lexeme: string; chunks: number }>(sql`SELECT t.lexeme, count(*)::int AS chunks
    FROM chunks c, unnest(tsvector_to_array(c.tsv)) t(lexeme) WHERE c.user_id = ${userId} GROUP BY 1 ORDER BY 1`);
  const [corpus] = await database.rows<{ chunks: number; lexemes: number }>(
    sql`SELECT chunks::int, lexemes::int FROM chunk_corpus_stats WHERE user_id = ${userId}`,
  );
  const [total] = await database.rows<{ chunks: number; lexemes: number }>(
    sql`SELECT count(*)::int AS chunks, coalesce(sum(lexeme_count), 0)::int AS lexemes FROM chunks WHERE user_id = ${userId}`,
  );
  return { kept, counted, corpus: corpus ?? { chunks: 0, lexemes: 0 }, total };
}

async function checkUpgrade(database: Database, migrateTo: (folder: string) => Promise<void>) {
  const old = migrationsUpTo(BEFORE_BM25);
  try {
    await migrateTo(old);
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
  const alice = await seedOldSchema(database, 'alice@example.com', HANDBOOK);
  const bob = await seedOldSchema(database, 'bob@example.com', OTHER);

  await database.migrate();

  for (const who of [alice, bob]) {
    const s = await statistics(database, who.userId);
    expect(s.kept.length).toBeGreaterThan(5);
    expect(s.kept).toEqual(s.counted);
    expect(s.corpus).toEqual(s.total);
  }
  // Chunks written before the upgrade are found by the new ranking, each user's only in their own.
  const embedder = createOfflineEmbedder();
  const found = await retrieve(database, embedder, alice.userId, 'When must carried-over vacation days be used?', { mode: 'text' });
  expect(found[0]?.text).toBe(HANDBOOK[0]);
  expect(found.every((r) => HANDBOOK.includes(r.text))).toBe(true);

  // The triggers keep the upgraded statistics exact: deleting the old document takes its terms away.
  await database.rows(sql`DELETE FROM documents WHERE id = ${alice.documentId}`);
  const after = await statistics(database, alice.userId);
  expect(after.kept).toEqual([]);
  expect(after.corpus.chunks).toBe(0);
  expect((await statistics(database, bob.userId)).kept.length).toBeGreaterThan(5);
}

describe('the BM25 statistics migration on pglite', () => {
  let database: Database;
  beforeAll(() => {
    database = openPglite();
  });
  afterAll(() => database.close());

  test('an-upgraded-database-gets-exact-bm25-statistics-for-the-chunks-it-already-held', async () => {
    await checkUpgrade(database, async (folder) => {
      await database.pglite!.waitReady;
      await migratePglite(database.db as never, { migrationsFolder: folder });
    });
    // A cluster made from nothing (initdb) rather than from the tests' migrated template.
  }, 180_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('the BM25 statistics migration on postgres', () => {
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!);
    drop = scratch.drop;
    database = openPostgres(scratch.url, 2);
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  test('an-upgraded-database-gets-exact-bm25-statistics-for-the-chunks-it-already-held', async () => {
    await checkUpgrade(database, (folder) => migratePostgres(database.db as never, { migrationsFolder: folder }));
  });
});
