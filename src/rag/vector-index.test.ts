import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import postgres from 'postgres';
import { type Database, openPostgres } from '../db/client';
import { createScratchDatabase } from '../testing/databases';
import { ensureVectorIndex, vectorIndexName } from './vector-index';

const url = process.env.TEST_DATABASE_URL;

describe.skipIf(!url)('the per-model HNSW index on postgres', () => {
  let scratch: { url: string; drop(): Promise<void> };
  let database: Database;
  let other: ReturnType<typeof postgres>;
  beforeAll(async () => {
    scratch = await createScratchDatabase(url!);
    database = openPostgres(scratch.url, 2);
    await database.migrate();
    other = postgres(scratch.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await other.end();
    await database.close();
    await scratch.drop();
  });

  const exists = async (name: string) => (await other`SELECT 1 FROM pg_class WHERE relname = ${name}`).length === 1;

  test('an-index-another-replica-creates-at-the-same-moment-counts-as-created', async () => {
    const model = 'race-model-v1';
    const name = vectorIndexName(model, 8);
    let ours: Promise<void> | undefined;
    // The other replica's CREATE INDEX is not committed when ours runs, so both pass IF NOT EXISTS.
    await other.begin(async (tx) => {
      await tx.unsafe(
        `CREATE INDEX IF NOT EXISTS "${name}" ON chunks USING hnsw ((embedding::vector(8)) vector_cosine_ops) WHERE embedding_model = '${model}'`,
      );
      ours = ensureVectorIndex(database, model, 8);
      ours.catch(() => {});
      await Bun.sleep(300);
    });
    await expect(ours!).resolves.toBeUndefined();
    expect(await exists(name)).toBe(true);
  });

  test('jobs-of-one-process-share-one-attempt-at-an-index', async () => {
    const first = ensureVectorIndex(database, 'shared-model-v1', 8);
    expect(ensureVectorIndex(database, 'shared-model-v1', 8)).toBe(first);
    await first;
    expect(await exists(vectorIndexName('shared-model-v1', 8))).toBe(true);
  });
});
