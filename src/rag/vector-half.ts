import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type CandidateRow, candidateColumns, type RetrievalScope, rowsOf, scopeFilter } from './retrieval-scope';
import { castEmbedding, exactDistance, modelLiteral, vectorParam } from './vector-index';

/** Candidates the HNSW search keeps at least (pgvector's default). */
export const HNSW_EF_SEARCH = 40;

/**
 * The `n` chunks nearest to `vector` by cosine distance, through the model's partial HNSW index,
 * nearest first (ties by id). Above 2,000 dimensions the index finds them by half-precision
 * distance; they are returned and ordered by the distance of their stored full-precision vectors.
 *
 * A filtered HNSW scan stops early without iterative scanning and can return too few rows, so the
 * statement turns it on for itself: set_config(…, true) lasts until the end of the statement's
 * own transaction, and as an InitPlan behind a one-time filter it runs before the index scan
 * reads the settings on its first tuple. One statement, no explicit transaction: one round trip.
 */
export async function vectorCandidates(
  database: Database,
  model: string,
  vector: ArrayLike<number>,
  scope: RetrievalScope,
  n: number,
  withEmbedding: boolean,
): Promise<CandidateRow[]> {
  const dims = vector.length;
  const indexed = sql`${castEmbedding(dims)} <=> ${vectorParam(vector, dims)}`;
  const efSearch = String(Math.min(1000, Math.max(HNSW_EF_SEARCH, n)));
  const query = sql`WITH cfg AS MATERIALIZED (
      SELECT set_config('hnsw.ef_search', ${efSearch}, true) || set_config('hnsw.iterative_scan', 'relaxed_order', true) AS applied)
    SELECT v.*, d.name FROM (
      SELECT ${candidateColumns('c', withEmbedding)}, (${exactDistance(vector, dims)})::float8 AS dist FROM chunks c
      WHERE c.embedding_model = ${modelLiteral(model)} AND ${scopeFilter('c', scope)} AND (SELECT applied FROM cfg) IS NOT NULL
      ORDER BY ${indexed} LIMIT ${n}) v
    JOIN documents d ON d.id = v.document_id
    ORDER BY v.dist, v.id`;
  return rowsOf<CandidateRow>(await database.db.execute(query));
}
