import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { type Database, openPostgres } from '../db/client';
import { chunks, documents, users } from '../db/schema';
import { createScratchDatabase, testDatabases } from '../testing/databases';
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

    test('chunks-a-half-precision-index-cannot-tell-apart-are-ordered-and-scored-by-their-stored-vectors', async () => {
      // Above 2,000 dimensions the index compares half-precision copies (about 3 significant digits).
      const model = 'precision-model-v1';
      const dims = 2048;
      const { userId, documentId } = await seedDocument(database, 'ready');
      await ensureVectorIndex(database, model, dims);
      const q = unitAlong(dims, 0, 0);
      const along = (x: number) => {
        const v = new Array<number>(dims).fill(0);
        v[0] = x;
        v[1] = 0.3;
        return v;
      };
      // 1e-5 apart along the query's axis: equal once rounded to half precision.
      const [near, nearer] = [along(0.90002), along(0.90003)];
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
      expect(await planOf(database, model, q)).toContain(vectorIndexName(model, dims));
      const found = await vectorCandidates(database, model, q, { userId }, 2, false);
      expect(found.map((r) => r.text)).toEqual(['chunk 1', 'chunk 0']);
      expect(1 - Number(found[0].dist)).toBeCloseTo(cosine(nearer), 6);
      expect(1 - Number(found[1].dist)).toBeCloseTo(cosine(near), 6);
    });
  });
}
