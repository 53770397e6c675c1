import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, openPglite, openPostgres } from '../db/client';
import { chunks, documents, users } from '../db/schema';
import { createScratchDatabase, testDatabases } from '../testing/databases';
import { migrateUpTo } from '../testing/migrations';
import { replaceDocumentChunks } from './chunk-store';
import { vectorCandidates } from './vector-half';
import { castEmbedding, ensureVectorIndex, modelLiteral, vectorIndexName, vectorParam } from './vector-index';

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
        `CREATE INDEX IF NOT EXISTS "${name}" ON chunks USING hnsw ((embedding::halfvec(8)) halfvec_cosine_ops) WHERE embedding_model = '${model}'`,
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

/** The last migration before the vector indexes went to half precision. */
const BEFORE_HALF_PRECISION = '0016_gin_search_with_bounded_pending_list';

/** An empty, unmigrated database of the backend's kind. */
async function freshDatabase(kind: 'pglite' | 'postgres'): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const database = openPglite();
    return { database, drop: () => database.close() };
  }
  const scratch = await createScratchDatabase(url!);
  const database = openPostgres(scratch.url, 2);
  return { database, drop: async () => (await database.close(), await scratch.drop()) };
}

/** A user with one document in `status`, for chunks to be stored under. */
async function seedDocument(database: Database, status: 'processing' | 'ready') {
  const [user] = await database.db
    .insert(users)
    .values({ email: `v-${crypto.randomUUID()}@example.com`, passwordHash: '-' })
    .returning({ id: users.id });
  const [doc] = await database.db
    .insert(documents)
    .values({
      userId: user.id,
      name: 'big.md',
      mimeType: 'text/markdown',
      sizeBytes: 0,
      sha256: crypto.randomUUID(),
      storagePath: 'big',
      status,
    })
    .returning({ id: documents.id });
  return { userId: user.id, documentId: doc.id };
}

/** A unit vector of `dims` pointing mostly along axis `axis`. */
const unitAlong = (dims: number, axis: number, tilt = 0.05) => {
  const v = new Float32Array(dims).fill(tilt / Math.sqrt(dims));
  v[axis] = 1;
  return v;
};

const planOf = async (database: Database, model: string, q: ArrayLike<number>) =>
  JSON.stringify(
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      return tx.execute(sql`EXPLAIN SELECT c.id FROM chunks c WHERE c.embedding_model = ${modelLiteral(model)}
        ORDER BY ${castEmbedding(q.length)} <=> ${vectorParam(q, q.length)} LIMIT 5`);
    }),
  );

for (const backend of testDatabases()) {
  describe(`vector indexes on ${backend.name}`, () => {
    let database: Database;
    beforeAll(async () => {
      database = await backend.open();
    });
    afterAll(() => backend.cleanup());

    test('a-model-of-3072-dimensions-gets-an-index-and-its-documents-are-stored-and-found', async () => {
      // pgvector indexes `vector` of at most 2,000 dimensions: text-embedding-3-large's documents all failed.
      const model = 'text-embedding-3-large';
      const { userId, documentId } = await seedDocument(database, 'processing');
      const texts = ['quarterly revenue grew', 'the office closes at six'];
      const vectors = texts.map((_, i) => unitAlong(3072, i * 1000));
      const chunkOf = (text: string, ordinal: number) => ({ ordinal, text, page: null, start: 0, end: text.length, tokenCount: 4 });
      const stored = await replaceDocumentChunks(database, { id: documentId, userId }, { model, chunks: texts.map(chunkOf), vectors });
      expect(stored).toBe(true);
      expect(await planOf(database, model, vectors[1])).toContain(vectorIndexName(model, 3072));
      const found = await vectorCandidates(database, model, vectors[1], { userId }, 2, false);
      expect(found.map((r) => r.text)).toEqual([texts[1], texts[0]]);
    });

    test('chunks-half-precision-cannot-tell-apart-are-ordered-and-scored-by-their-stored-vectors', async () => {
      const model = 'precision-model-v1';
      const { userId, documentId } = await seedDocument(database, 'ready');
      await ensureVectorIndex(database, model, 8);
      const q = unitAlong(8, 0, 0);
      // 1e-5 apart along the query's axis: equal once rounded to half precision (about 3 digits).
      const near = [0.90002, 0.3, 0, 0, 0, 0, 0, 0];
      const nearer = [0.90003, 0.3, 0, 0, 0, 0, 0, 0];
      const cosine = (v: number[]) => Math.fround(v[0]) / Math.hypot(Math.fround(v[0]), Math.fround(v[1]));
      await database.db.insert(chunks).values(
        [near, nearer].map((embedding, ordinal) => ({
          documentId,
          userId,
          ordinal,
          text: `chunk ${ordinal}`,
          start: 0,
          end: 7,
          tokenCount: 2,
          embeddingModel: model,
          embedding,
        })),
      );
      const found = await vectorCandidates(database, model, q, { userId }, 2, false);
      expect(found.map((r) => r.text)).toEqual(['chunk 1', 'chunk 0']);
      expect(1 - Number(found[0].dist)).toBeCloseTo(cosine(nearer), 6);
      expect(1 - Number(found[1].dist)).toBeCloseTo(cosine(near), 6);
    });

    test('an-upgraded-database-keeps-an-index-for-its-models-vectors-now-over-half-precision', async () => {
      const { database: upgraded, drop } = await freshDatabase(backend.name);
      try {
        await migrateUpTo(upgraded, BEFORE_HALF_PRECISION);
        const model = 'old-model-v1';
        const oldName = vectorIndexName(model, 8).replace('chunks_hnsw_h_', 'chunks_hnsw_');
        await upgraded.rows(
          sql.raw(`CREATE INDEX ${oldName} ON chunks USING hnsw ((embedding::vector(8)) vector_cosine_ops)
          WITH (m = 12, ef_construction = 24) WHERE embedding_model = '${model}'`),
        );
        await upgraded.migrate();
        const indexes = await upgraded.rows<{ indexname: string; indexdef: string }>(
          sql`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'chunks' AND indexname LIKE 'chunks_hnsw%'`,
        );
        expect(indexes.map((i) => i.indexname)).toEqual([vectorIndexName(model, 8)]);
        expect(indexes[0].indexdef).toContain('halfvec_cosine_ops');
        expect(indexes[0].indexdef).toContain(`'${model}'`);
        expect(await planOf(upgraded, model, unitAlong(8, 3))).toContain(vectorIndexName(model, 8));
      } finally {
        await drop();
      }
    }, 120_000);
  });
}
