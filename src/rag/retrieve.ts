import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { Embedder } from './embedders/embedder';
import { mmrSelect } from './mmr';
import { castEmbedding, modelLiteral, vectorParam } from './vector-index';

export type RetrievalMode = 'hybrid' | 'vector' | 'text';

export interface RetrieveOptions {
  /** Results wanted (default 5). */
  k?: number;
  /** Restrict to these documents (still only the user's own). */
  documentIds?: string[];
  /** Diversify the results; `lambda` trades relevance (1) for diversity (0), default 0.7. */
  mmr?: boolean | { lambda?: number };
  /** Hybrid by default; the halves alone exist for evaluation. */
  mode?: RetrievalMode;
  /** Candidates taken from each half before fusion (default max(4k, 40)). */
  candidates?: number;
}

export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  documentName: string;
  page: number | null;
  start: number;
  end: number;
  /** Hybrid: RRF score; vector: cosine similarity; text: ts_rank_cd. */
  score: number;
  text: string;
}

/** Reciprocal Rank Fusion constant from Cormack et al.; damps the weight of top ranks. */
export const RRF_K = 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Rows the OR tier of full-text search ranks at most, so frequent words cannot make it scan everything. */
export const TEXT_CANDIDATE_CAP = 500;

/**
 * The two full-text queries for a question: all of its words (precise, and cheap because it
 * matches few rows), and any of them (recall for questions phrased unlike the passage).
 * websearch_to_tsquery alone would AND every word and find nothing for most questions; queries
 * already using quotes, `-` or `or` keep their syntax for both.
 */
export function toTextQueries(query: string): { all: string; any: string } {
  if (/"|(^|\s)-\S|\sor\s/i.test(query)) return { all: query, any: query };
  const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
  return { all: words.join(' '), any: words.join(' or ') };
}

function scope(alias: string, userId: string, documentIds?: string[]): SQL {
  const a = sql.raw(alias);
  const own = sql`${a}.user_id = ${userId}`;
  if (!documentIds) return own;
  const ids = documentIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return sql`false`;
  return sql`${own} AND ${a}.document_id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`;
}

interface Scope {
  userId: string;
  documentIds?: string[];
}

function vectorCte(model: string, vector: ArrayLike<number>, s: Scope, n: number): SQL {
  const dims = vector.length;
  const distance = sql`${castEmbedding(dims)} <=> ${vectorParam(vector, dims)}`;
  return sql`v AS (
    SELECT id, dist, row_number() OVER (ORDER BY dist, id) AS r FROM (
      SELECT c.id, ${distance} AS dist FROM chunks c
      WHERE c.embedding_model = ${modelLiteral(model)} AND ${scope('c', s.userId, s.documentIds)}
      ORDER BY ${distance} LIMIT ${n}) s)`;
}

/**
 * Candidates are every chunk holding all the words plus a capped sample of those holding any;
 * all are ranked by cover density against the any-word query. Ties (common on short queries) are
 * broken by plain ts_rank, then by the shorter chunk.
 */
function textCte(queries: { all: string; any: string }, s: Scope, n: number): SQL {
  return sql`tq AS (SELECT websearch_to_tsquery('english', ${queries.all}) AS q_all, websearch_to_tsquery('english', ${queries.any}) AS q_any),
  t AS (
    SELECT id, rank, row_number() OVER (ORDER BY rank DESC, tie DESC, len, id) AS r FROM (
      SELECT c.id, ts_rank_cd(c.tsv, (SELECT q_any FROM tq))::float8 AS rank, ts_rank(c.tsv, (SELECT q_any FROM tq)) AS tie, length(c.text) AS len
      FROM chunks c
      WHERE c.id IN (
        (SELECT x.id FROM chunks x WHERE ${scope('x', s.userId, s.documentIds)} AND x.tsv @@ (SELECT q_all FROM tq) LIMIT ${TEXT_CANDIDATE_CAP})
        UNION ALL
        (SELECT y.id FROM chunks y WHERE ${scope('y', s.userId, s.documentIds)} AND y.tsv @@ (SELECT q_any FROM tq) LIMIT ${TEXT_CANDIDATE_CAP}))
      ORDER BY rank DESC, tie DESC, len, c.id LIMIT ${n}) s)`;
}

function fusedCte(mode: RetrievalMode, limit: number): SQL {
  if (mode === 'vector') return sql`f AS (SELECT id, (1 - dist)::float8 AS score, r FROM v ORDER BY r LIMIT ${limit})`;
  if (mode === 'text') return sql`f AS (SELECT id, rank AS score, r FROM t ORDER BY r LIMIT ${limit})`;
  // Equal fused scores are common (rank 1 + rank 3 ties rank 3 + rank 1): the lexical score,
  // then the distance, break them so results are stable across databases.
  return sql`f AS (
    SELECT id, sum(1.0::float8 / (${RRF_K} + r)) AS score, max(rank) AS rank, min(dist) AS dist
    FROM (SELECT id, r, NULL::float8 AS rank, dist FROM v UNION ALL SELECT id, r, rank, NULL::float8 FROM t) u
    GROUP BY id ORDER BY score DESC, rank DESC NULLS LAST, dist NULLS LAST, id LIMIT ${limit})`;
}

interface Row {
  id: string;
  document_id: string;
  name: string;
  page: number | null;
  start_offset: number;
  end_offset: number;
  text: string;
  score: number;
  embedding?: string | null;
}

const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);

/**
 * Hybrid retrieval over one user's chunks: pgvector cosine (through the model's HNSW index) and
 * Postgres full text, fused with Reciprocal Rank Fusion, optionally diversified with MMR.
 */
export async function retrieve(
  database: Database,
  embedder: Embedder,
  userId: string,
  query: string,
  opts: RetrieveOptions = {},
): Promise<RetrievedChunk[]> {
  const k = opts.k ?? 5;
  const mode = opts.mode ?? 'hybrid';
  const textQueries = toTextQueries(query);
  if (query.trim() === '' || k <= 0 || (mode === 'text' && textQueries.any === '')) return [];
  const n = opts.candidates ?? Math.max(4 * k, 40);
  const useMmr = Boolean(opts.mmr);
  const limit = useMmr ? n : k;
  const where: Scope = { userId, documentIds: opts.documentIds };
  const ctes: SQL[] = [];
  let effective = mode;
  if (mode !== 'text') {
    const [vector] = await embedder.embed([query]);
    // A query of stopwords only embeds to zero, whose cosine distance is undefined.
    if (Array.prototype.some.call(vector, (x: number) => x !== 0)) ctes.push(vectorCte(embedder.model, vector, where, n));
    else if (mode === 'vector') return [];
    else effective = 'text';
  }
  if (mode !== 'vector') ctes.push(textCte(textQueries.any ? textQueries : { all: query, any: query }, where, n));
  ctes.push(fusedCte(effective, limit));
  const query_ = sql`WITH ${sql.join(ctes, sql`, `)}
    SELECT c.id, c.document_id, d.name, c.page, c.start_offset, c.end_offset, c.text, f.score
      ${useMmr ? sql`, c.embedding::text AS embedding` : sql``}
    FROM f JOIN chunks c ON c.id = f.id JOIN documents d ON d.id = c.document_id
    ORDER BY ${effective === 'hybrid' ? sql`f.score DESC, f.rank DESC NULLS LAST, f.dist NULLS LAST, c.id` : sql`f.r`}`;
  const rows = await database.db.transaction(async (tx) => {
    // Filtered HNSW scans stop early without iterative scanning and can return too few rows.
    await tx.execute(sql.raw(`SELECT set_config('hnsw.ef_search', '${Math.min(1000, Math.max(40, n))}', true), set_config('hnsw.iterative_scan', 'relaxed_order', true)`));
    return rowsOf<Row>(await tx.execute(query_));
  });
  const picked = useMmr ? pickDiverse(rows, k, opts.mmr) : rows;
  return picked.map((r) => ({
    chunkId: r.id,
    documentId: r.document_id,
    documentName: r.name,
    page: r.page,
    start: r.start_offset,
    end: r.end_offset,
    score: Number(r.score),
    text: r.text,
  }));
}

function pickDiverse(rows: Row[], k: number, mmr: RetrieveOptions['mmr']): Row[] {
  const lambda = typeof mmr === 'object' ? mmr.lambda : undefined;
  const candidates = rows.map((r) => ({ score: Number(r.score), vector: r.embedding ? (JSON.parse(r.embedding) as number[]) : null }));
  return mmrSelect(candidates, k, lambda).map((i) => rows[i]);
}
