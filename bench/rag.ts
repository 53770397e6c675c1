/**
 * RAG benchmark: ingestion throughput (chunks/s, built-in embedder) and retrieval latency p50/p99
 * at several corpus sizes, on PGlite and, given --database-url or TEST_DATABASE_URL, on Postgres.
 * The baselines measured in the same run are a primary-key lookup on the same database and the
 * full-text half BM25 replaced (ts_rank_cd over tiered candidates), on the same chunks.
 *
 *   bun run bench:rag [--database-url URL] [--sizes 10000,100000] [--pglite-sizes 10000] [--queries 300] [--ingest-docs 150]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config';
import { createContext } from '../src/create-context';
import { type Database, openPglite, openPostgres } from '../src/db/client';
import { chunks, documents, users } from '../src/db/schema';
import { type DocumentDeps, uploadDocument } from '../src/modules/documents/service';
import { createOfflineEmbedder, embedOffline, OFFLINE_DIMENSIONS } from '../src/rag/embedders/offline';
import { prepareDocument } from '../src/rag/pipeline';
import { type RetrievalMode, retrieve } from '../src/rag/retrieve';
import { castEmbedding, ensureVectorIndex, modelLiteral, vectorIndexName, vectorParam } from '../src/rag/vector-index';
import { createScratchDatabase } from '../src/testing/databases';
import { TextGenerator } from './rag-synthetic';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sizesOf = (s: string) => s.split(',').filter(Boolean).map(Number);
const pgUrl = arg('database-url') ?? process.env.TEST_DATABASE_URL;
const pgSizes = sizesOf(arg('sizes') ?? '10000,100000');
const pgliteSizes = sizesOf(arg('pglite-sizes') ?? '10000');
const queryCount = Number(arg('queries') ?? 300);
const ingestDocs = Number(arg('ingest-docs') ?? 150);
const embedder = createOfflineEmbedder();

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function newUser(database: Database): Promise<string> {
  const [u] = await database.db
    .insert(users)
    .values({ email: `bench-${crypto.randomUUID()}@confab.invalid`, passwordHash: '-' })
    .returning({ id: users.id });
  return u.id;
}

async function newDocument(database: Database, userId: string, name: string, status: 'processing' | 'ready') {
  const [d] = await database.db
    .insert(documents)
    .values({
      userId,
      name,
      mimeType: 'text/markdown',
      sizeBytes: 0,
      sha256: crypto.randomUUID(),
      storagePath: `bench/${name}`,
      status,
      embeddingModel: status === 'ready' ? embedder.model : null,
    })
    .returning({ id: documents.id });
  return d.id;
}

/** Loads `total` synthetic chunks (100 per document) straight into the table, then builds the index. */
async function loadCorpus(database: Database, userId: string, total: number, gen: TextGenerator): Promise<string[]> {
  const texts: string[] = [];
  for (let doc = 0; doc * 100 < total; doc++) {
    const documentId = await newDocument(database, userId, `synthetic-${doc}.md`, 'ready');
    const rows = [];
    for (let i = 0; i < 100 && doc * 100 + i < total; i++) {
      const text = `${gen.paragraph()} ${gen.paragraph()}`;
      texts.push(text);
      rows.push({
        documentId,
        userId,
        ordinal: i,
        text,
        start: 0,
        end: text.length,
        tokenCount: 0,
        embeddingModel: embedder.model,
        embedding: Array.from(embedOffline(text)),
      });
    }
    for (let i = 0; i < rows.length; i += 50) await database.db.insert(chunks).values(rows.slice(i, i + 50));
    await database.db.update(documents).set({ chunkCount: rows.length }).where(sql`id = ${documentId}`);
  }
  await ensureVectorIndex(database, embedder.model, OFFLINE_DIMENSIONS);
  await database.rows(sql`ANALYZE chunks`);
  return texts;
}

/**
 * The full-text ranking BM25 replaced, kept here as the baseline it is measured against:
 * ts_rank_cd over at most 150 candidates, chunks with every word first, then two, then any.
 */
function coverDensityText(database: Database, userId: string, question: string) {
  const words = question.match(/[\p{L}\p{N}]+/gu) ?? [];
  const tier = (match: ReturnType<typeof sql>) =>
    sql`(SELECT c.id, c.document_id, c.text, c.tsv FROM chunks c WHERE c.user_id = ${userId} AND ${match} LIMIT 150)`;
  return database.rows(sql`WITH w AS MATERIALIZED (
      SELECT websearch_to_tsquery('english', ${words.join(' ')}) AS q_all, websearch_to_tsquery('english', ${words.join(' or ')}) AS q_any,
        tsvector_to_array(to_tsvector('english', ${words.join(' ')})) AS lexemes),
    tq AS MATERIALIZED (
      SELECT q_all, q_any, coalesce(CASE WHEN cardinality(lexemes) <= 12 THEN (
        SELECT string_agg(format('(%s & %s)', quote_literal(a.l), quote_literal(b.l)), ' | ')::tsquery
        FROM unnest(lexemes) WITH ORDINALITY a(l, i) JOIN unnest(lexemes) WITH ORDINALITY b(l, j) ON a.i < b.j) END, q_all) AS q_two
      FROM w),
    cand AS (
      ${tier(sql`c.tsv @@ (SELECT q_all FROM tq)`)}
      UNION ALL
      ${tier(sql`c.tsv @@ (SELECT q_two FROM tq) AND NOT c.tsv @@ (SELECT q_all FROM tq)`)}
      UNION ALL
      ${tier(sql`c.tsv @@ (SELECT q_any FROM tq) AND NOT c.tsv @@ (SELECT q_two FROM tq)`)}
      LIMIT 150),
    ranked AS (
      SELECT cand.*, ts_rank_cd(tsv, (SELECT q_any FROM tq))::float8 AS rank, ts_rank(tsv, (SELECT q_any FROM tq)) AS tie, length(text) AS len
      FROM cand ORDER BY rank DESC, tie DESC, len, id LIMIT 40)
    SELECT r.id, r.text, r.rank, d.name FROM ranked r JOIN documents d ON d.id = r.document_id
    ORDER BY r.rank DESC, r.tie DESC, r.len, r.id`) as Promise<{ text: string }[]>;
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

async function vectorPlanUsesIndex(database: Database, userId: string): Promise<boolean> {
  const [q] = await embedder.embed(['plan check']);
  const rows = await database.rows<{ 'QUERY PLAN': string }>(sql`EXPLAIN SELECT c.id FROM chunks c
    WHERE c.embedding_model = ${modelLiteral(embedder.model)} AND c.user_id = ${userId}
    ORDER BY ${castEmbedding(OFFLINE_DIMENSIONS)} <=> ${vectorParam(q, OFFLINE_DIMENSIONS)} LIMIT 40`);
  return rows.some((r) => r['QUERY PLAN'].includes(vectorIndexName(embedder.model, OFFLINE_DIMENSIONS)));
}

async function measureRetrieval(database: Database, size: number) {
  const gen = new TextGenerator(size);
  const userId = await newUser(database);
  const t0 = performance.now();
  const texts = await loadCorpus(database, userId, size, gen);
  console.log(`  loaded ${size} chunks + HNSW index in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const sources = Array.from({ length: queryCount }, (_, i) => texts[(i * 7919) % texts.length]);
  const queries = sources.map((text) => gen.queryFrom(text));
  const [{ id: anyId }] = await database.rows<{ id: string }>(sql`SELECT id FROM chunks LIMIT 1`);
  const baseline = await timed(queryCount, () => database.rows(sql`SELECT id, text FROM chunks WHERE id = ${anyId}`));
  const base99 = percentile(baseline, 0.99);
  console.log(`  baseline pk lookup      p50 ${ms(percentile(baseline, 0.5))}  p99 ${ms(base99)}`);
  const variants: [string, RetrievalMode, boolean][] = [
    ['hybrid', 'hybrid', true],
    ['hybrid, RRF only', 'hybrid', false],
    ['vector', 'vector', true],
    ['text', 'text', true],
  ];
  for (const [name, mode, rerank] of variants) {
    const found = new Set<number>();
    const lat = await timed(queryCount, async (i) => {
      const results = await retrieve(database, embedder, userId, queries[i], { k: 5, mode, rerank });
      if (results.some((r) => r.text === sources[i])) found.add(i);
    });
    const p99 = percentile(lat, 0.99);
    // Each query lifts a few words from one chunk: finding that chunk is a quality check at scale.
    const recall = found.size / queryCount;
    console.log(
      `  ${`retrieve ${name}`.padEnd(23)} p50 ${ms(percentile(lat, 0.5))}  p99 ${ms(p99)}  (p99 ${(p99 / base99).toFixed(1)}x baseline)  source chunk in top 5: ${(100 * recall).toFixed(0)}%`,
    );
  }
  const found = new Set<number>();
  const lat = await timed(queryCount, async (i) => {
    const rows = await coverDensityText(database, userId, queries[i]);
    if (rows.slice(0, 5).some((r) => r.text === sources[i])) found.add(i);
  });
  const p99 = percentile(lat, 0.99);
  console.log(
    `  ${'text, old ts_rank_cd'.padEnd(23)} p50 ${ms(percentile(lat, 0.5))}  p99 ${ms(p99)}  (p99 ${(p99 / base99).toFixed(1)}x baseline)  source chunk in top 5: ${((100 * found.size) / queryCount).toFixed(0)}%`,
  );
  console.log(`  vector half uses the HNSW index: ${await vectorPlanUsesIndex(database, userId)}`);
}

/**
 * Uploads go through the ingestion the server's composition root builds (the in-process queue, the
 * offline embedder on the scheduler's workers) into a table that already holds the corpus.
 */
async function measureIngestion(database: Database) {
  const gen = new TextGenerator(7);
  const docs = Array.from({ length: ingestDocs }, () => new TextEncoder().encode(gen.document(12)));
  const cpuStart = performance.now();
  let cpuChunks = 0;
  for (const bytes of docs) cpuChunks += (await prepareDocument(bytes, 'doc.md', embedder)).chunks.length;
  const cpuRate = cpuChunks / ((performance.now() - cpuStart) / 1000);
  const userId = await newUser(database);
  const dataDir = mkdtempSync(join(tmpdir(), 'confab-bench-'));
  const root = createContext(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }), { database });
  await root.started;
  const { ingestion } = root.ctx;
  const deps: DocumentDeps = { db: database.db, dataDir, maxUploadBytes: 1 << 30, submit: (d) => ingestion.submit(d) };
  const start = performance.now();
  const ids: string[] = [];
  for (const [i, bytes] of docs.entries()) ids.push((await uploadDocument(deps, userId, { fileName: `doc-${i}.md`, bytes })).document.id);
  for (;;) {
    const [{ left }] = await database.rows<{ left: number }>(
      sql`SELECT count(*)::int AS left FROM documents WHERE user_id = ${userId} AND status IN ('queued', 'processing')`,
    );
    if (left === 0) break;
    await Bun.sleep(5);
  }
  const seconds = (performance.now() - start) / 1000;
  await root.close();
  rmSync(dataDir, { recursive: true, force: true });
  const [{ stored }] = await database.rows<{ stored: number }>(
    sql`SELECT coalesce(sum(chunk_count), 0)::int AS stored FROM documents WHERE user_id = ${userId} AND status = 'ready'`,
  );
  const rate = stored / seconds;
  console.log(
    `  ingestion: ${docs.length} uploads, ${stored} chunks; extract+chunk+embed alone ${cpuRate.toFixed(0)} chunks/s; upload→ready through the queue ${rate.toFixed(0)} chunks/s (${(rate / cpuRate).toFixed(2)}x of CPU-only; target 500)`,
  );
}

async function run(label: string, sizes: number[], open: () => Promise<{ database: Database; drop(): Promise<void> }>) {
  for (const size of sizes) {
    console.log(`${label}, ${size} chunks`);
    const { database, drop } = await open();
    try {
      await measureRetrieval(database, size);
      if (size === sizes[0]) await measureIngestion(database);
    } finally {
      await drop();
    }
  }
}

console.log(`embedder ${embedder.model} (${OFFLINE_DIMENSIONS} dims); ${queryCount} queries per mode`);
await run('PGlite', pgliteSizes, async () => {
  const database = openPglite();
  await database.migrate();
  return { database, drop: () => database.close() };
});
if (pgUrl) {
  await run('Postgres', pgSizes, async () => {
    const scratch = await createScratchDatabase(pgUrl);
    const database = openPostgres(scratch.url, 4);
    await database.migrate();
    return { database, drop: async () => (await database.close(), await scratch.drop()) };
  });
} else {
  console.log('Postgres: skipped (no --database-url and no TEST_DATABASE_URL)');
}
