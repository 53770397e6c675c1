import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { sql, TransactionRollbackError } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents } from '../db/schema';
import { testDatabases } from '../testing/databases';
import { createUser } from '../testing/users';
import { createOfflineEmbedder, embedOffline, OFFLINE_DIMENSIONS, OFFLINE_MODEL } from './embedders/offline';
import { type EvalScore, indexCorpus, loadGoldenSet, scoreRetrieval } from './evaluate';
import { createRerankClient } from './rerank-client';
import { rerankCalls } from './rerank-metrics';
import type { CandidateRow } from './retrieval-scope';
import { retrieve, toTextQueries } from './retrieve';
import { vectorCandidates } from './vector-half';
import { castEmbedding, modelLiteral, vectorIndexName, vectorParam } from './vector-index';

const embedder = createOfflineEmbedder();
const enc = (s: string) => new TextEncoder().encode(s);

test('plain-questions-score-their-words-and-search-syntax-is-kept-as-a-filter', () => {
  expect(toTextQueries('Why does coffee taste sour?')).toEqual({ words: 'Why does coffee taste sour', syntax: null });
  expect(toTextQueries('"pneumatic tyre" -car')).toEqual({ words: 'pneumatic tyre car', syntax: '"pneumatic tyre" -car' });
});

for (const target of testDatabases()) {
  describe(`retrieval on ${target.name}`, () => {
    let database: Database;
    let alice: string;
    let bob: string;
    let aliceDocs: Map<string, string>;
    const scores: Record<string, EvalScore> = {};
    let questions: Awaited<ReturnType<typeof loadGoldenSet>>['questions'];

    beforeAll(async () => {
      database = await target.open();
      alice = await createUser(database);
      bob = await createUser(database);
      const golden = await loadGoldenSet();
      questions = golden.questions;
      aliceDocs = await indexCorpus(database, embedder, alice, golden.corpus);
      await indexCorpus(database, embedder, bob, [
        { name: 'bob-coffee.md', bytes: enc('# Coffee secrets\n\nEspresso uses 9 bars of pressure and tastes sour when under-extracted.') },
      ]);
      for (const mode of ['vector', 'text', 'hybrid'] as const)
        scores[mode] = await scoreRetrieval(database, embedder, alice, questions, mode);
    }, 60_000);
    afterAll(() => target.cleanup());

    // Fusion is tuned on the public set, where hybrid beats BM25 alone (public-eval.test.ts); on these
    // 42 questions BM25 alone already finds every answer, and hybrid must too.
    test('hybrid-finds-every-golden-answer-and-beats-the-vector-half', () => {
      const { vector, text, hybrid } = scores;
      expect(hybrid.recallAt5).toBe(1);
      expect(hybrid.recallAt5).toBeGreaterThanOrEqual(Math.max(vector.recallAt5, text.recallAt5));
      expect(hybrid.mrr).toBeGreaterThan(vector.mrr);
    });

    const failedReranks = async () => (await rerankCalls.get()).values.find((v) => v.labels.outcome === 'failed')?.value ?? 0;

    test('a-rerank-server-orders-the-hybrid-results-and-a-failing-one-falls-back-to-the-offline-rerank', async () => {
      // Speaks the rerank wire format; ranks the candidates it is sent in reverse, so its effect is plain to see.
      const server = Bun.serve({
        port: 0,
        hostname: '127.0.0.1',
        async fetch(req) {
          if (new URL(req.url).pathname === '/down/rerank') return new Response('down', { status: 500 });
          const { documents: docs } = (await req.json()) as { documents: string[] };
          return Response.json({ results: docs.map((_, index) => ({ index, relevance_score: index })) });
        },
      });
      try {
        const query = 'How long should espresso extraction take?';
        const offline = await retrieve(database, embedder, alice, query, { k: 3 });
        const reranker = createRerankClient({ url: `http://127.0.0.1:${server.port}/v1/rerank` });
        const served = await retrieve(database, embedder, alice, query, { k: 3, reranker });
        const pool = await retrieve(database, embedder, alice, query, { k: 20, rerank: false, candidates: 40 });
        expect(served.map((r) => r.chunkId)).toEqual(
          pool
            .slice(-3)
            .reverse()
            .map((r) => r.chunkId),
        );
        const down = createRerankClient({ url: `http://127.0.0.1:${server.port}/down/rerank` });
        const failedBefore = await failedReranks();
        expect((await retrieve(database, embedder, alice, query, { k: 3, reranker: down })).map((r) => r.chunkId)).toEqual(
          offline.map((r) => r.chunkId),
        );
        // The fallback is silent to the user but counted for the operator.
        expect(await failedReranks()).toBe(failedBefore + 1);
      } finally {
        server.stop(true);
      }
    });

    test('golden-set-quality-does-not-regress', () => {
      expect(scores.hybrid.recallAt5).toBeGreaterThanOrEqual(0.95);
      expect(scores.hybrid.mrr).toBeGreaterThanOrEqual(0.85);
      expect(scores.vector.recallAt5).toBeGreaterThanOrEqual(0.85);
      expect(scores.text.recallAt5).toBeGreaterThanOrEqual(0.9);
    });

    test('results-carry-document-offsets-and-scores', async () => {
      const [top] = await retrieve(database, embedder, alice, 'How much pressure does an espresso machine use?');
      expect(top.documentName).toBe('coffee-brewing.md');
      expect(top.documentId).toBe(aliceDocs.get('coffee-brewing.md')!);
      expect(top.text).toContain('9 bars of pressure');
      expect(top.end - top.start).toBe(top.text.length);
      expect(top.page).toBeNull();
      expect(top.score).toBeGreaterThan(0);
    });

    test('user-b-never-retrieves-user-a-chunks', async () => {
      for (const mode of ['hybrid', 'vector', 'text'] as const) {
        const results = await retrieve(database, embedder, bob, 'espresso pressure sour coffee Argon2 volcano bees', { k: 20, mode });
        expect(results.length).toBeGreaterThan(0);
        expect(results.every((r) => r.documentName === 'bob-coffee.md')).toBe(true);
      }
      const outsider = await createUser(database);
      expect(await retrieve(database, embedder, outsider, 'espresso pressure', { k: 20 })).toEqual([]);
    });

    test('naming-documents-restricts-retrieval-to-them-and-never-widens-it', async () => {
      const tea = aliceDocs.get('tea-processing.md')!;
      const results = await retrieve(database, embedder, alice, 'How much pressure does an espresso machine use?', {
        k: 5,
        documentIds: [tea],
      });
      expect(results.length).toBeGreaterThan(0);
      expect(results.every((r) => r.documentId === tea)).toBe(true);
      const [bobDoc] = await database.rows<{ id: string }>(sql`SELECT id FROM documents WHERE user_id = ${bob}`);
      expect(await retrieve(database, embedder, alice, 'espresso', { documentIds: [bobDoc.id] })).toEqual([]);
      expect(await retrieve(database, embedder, alice, 'espresso', { documentIds: ['not-a-uuid'] })).toEqual([]);
    });

    test('mmr-trades-near-duplicates-for-other-relevant-chunks', async () => {
      const user = await createUser(database);
      const paragraph = 'Glaciers carve U-shaped valleys as the ice grinds the bedrock beneath it.';
      await indexCorpus(database, embedder, user, [
        { name: 'a.md', bytes: enc(`# A\n\n${paragraph}`) },
        { name: 'b.md', bytes: enc(`# B\n\n${paragraph} Really.`) },
        { name: 'c.md', bytes: enc(`# C\n\n${paragraph} Truly.`) },
        { name: 'd.md', bytes: enc('# D\n\nMoraines are ridges of rock debris that glaciers leave behind.') },
      ]);
      const plain = await retrieve(database, embedder, user, 'glaciers valleys bedrock', { k: 2, mode: 'vector' });
      expect(plain.map((r) => r.documentName).sort()).not.toContain('d.md');
      const diverse = await retrieve(database, embedder, user, 'glaciers valleys bedrock', { k: 2, mode: 'vector', mmr: { lambda: 0.3 } });
      expect(diverse.map((r) => r.documentName)).toContain('d.md');
    });

    test('empty-and-stopword-queries-return-nothing-rather-than-failing', async () => {
      expect(await retrieve(database, embedder, alice, '   ')).toEqual([]);
      expect(await retrieve(database, embedder, alice, 'the of and', { mode: 'vector' })).toEqual([]);
    });

    if (target.name === 'postgres') {
      test('the-vector-query-shape-matches-the-models-partial-hnsw-index', async () => {
        const [q] = await embedder.embed(['volcanic eruption']);
        // With 40-odd rows a sequential scan is cheaper; forbidding it shows the index is usable
        // (same cast, same literal predicate). The bench checks the plan at 100k rows.
        const plan = await database.db.transaction(async (tx) => {
          await tx.execute(sql`SET LOCAL enable_seqscan = off`);
          return tx.execute(sql`
            EXPLAIN SELECT c.id FROM chunks c
            WHERE c.embedding_model = ${modelLiteral(OFFLINE_MODEL)}
            ORDER BY ${castEmbedding(OFFLINE_DIMENSIONS)} <=> ${vectorParam(q, OFFLINE_DIMENSIONS)} LIMIT 40`);
        });
        const text = (plan as unknown as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
        expect(text).toContain(`Index Scan using ${vectorIndexName(OFFLINE_MODEL, OFFLINE_DIMENSIONS)}`);
      });

      test('a-filtered-hnsw-scan-keeps-searching-until-it-finds-the-users-chunks', async () => {
        const [q] = await embedder.embed(['volcanic eruption lava magma']);
        // Bob's one chunk is far from the query, behind hundreds of Alice's: a scan that stopped
        // at ef_search candidates would filter them all out and return nothing.
        let found: CandidateRow[] = [];
        await database.db
          .transaction(async (tx) => {
            const [doc] = await tx
              .insert(documents)
              .values({
                userId: alice,
                name: 'lava.md',
                mimeType: 'text/markdown',
                sizeBytes: 0,
                sha256: 'lava',
                storagePath: 'lava',
                status: 'ready',
              })
              .returning();
            await tx.insert(chunks).values(
              Array.from({ length: 300 }, (_, i) => {
                const text = `volcanic eruption lava magma flow ${i}`;
                return {
                  documentId: doc.id,
                  userId: alice,
                  ordinal: i,
                  text,
                  start: 0,
                  end: text.length,
                  tokenCount: 6,
                  embeddingModel: OFFLINE_MODEL,
                  embedding: Array.from(embedOffline(text)),
                };
              }),
            );
            await tx.execute(sql`DROP INDEX chunks_user_idx`);
            await tx.execute(sql`SET LOCAL enable_seqscan = off`);
            const plan = await tx.execute(sql`EXPLAIN SELECT c.id FROM chunks c
              WHERE c.embedding_model = ${modelLiteral(OFFLINE_MODEL)} AND c.user_id = ${bob}
              ORDER BY ${castEmbedding(OFFLINE_DIMENSIONS)} <=> ${vectorParam(q, OFFLINE_DIMENSIONS)} LIMIT 40`);
            expect(JSON.stringify(plan)).toContain(vectorIndexName(OFFLINE_MODEL, OFFLINE_DIMENSIONS));
            found = await vectorCandidates(
              { ...database, db: tx as unknown as Database['db'] },
              OFFLINE_MODEL,
              q,
              { userId: bob },
              40,
              false,
            );
            tx.rollback();
          })
          .catch((err) => {
            if (!(err instanceof TransactionRollbackError)) throw err;
          });
        expect(found.map((r) => r.name)).toEqual(['bob-coffee.md']);
      });
    }
  });
}
