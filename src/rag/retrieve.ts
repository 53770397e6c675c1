import type { Database } from '../db/client';
import { throttledWarning } from '../lib/logger';
import type { Embedder } from './embedders/embedder';
import { mmrSelect } from './mmr';
import { rerankOffline } from './offline-rerank';
import { RerankError, type Reranker } from './rerank-client';
import { rerankCalls } from './rerank-metrics';
import type { CandidateRow, RetrievalScope } from './retrieval-scope';
import { type FusionOptions, fuseRrf } from './rrf';
import { textCandidates, toTextQueries } from './text-half';
import { vectorCandidates } from './vector-half';

export { RRF_K } from './rrf';
export { TEXT_CANDIDATE_CAP, toTextQueries } from './text-half';

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
  /** Hybrid only: the RRF constant and the halves' weights (defaults RRF_K, VECTOR_WEIGHT, TEXT_WEIGHT). */
  fusion?: FusionOptions;
  /** Hybrid only: rerank the fused candidates by BM25 over them (default true); off gives plain RRF. */
  rerank?: boolean;
  /** The text-search configuration the question's lexemes are made with: the one the chunks were ingested with (default 'english'). */
  language?: string;
  /** Hybrid only: a `/rerank` server that reorders the best fused candidates instead; on failure the offline rerank runs. */
  reranker?: Reranker;
}

/** A rerank server that is down fails every query: its warning is written once a minute, with a count. */
const rerankDown = throttledWarning(60_000);

/** Fused candidates a rerank server scores, at least: it costs a model call per candidate. */
const SERVER_RERANK_POOL = 20;

export interface RetrievedChunk {
  chunkId: string;
  documentId: string;
  documentName: string;
  page: number | null;
  start: number;
  end: number;
  /** Hybrid: RRF score plus the offline rerank's bonus; vector: cosine similarity; text: BM25. */
  score: number;
  text: string;
}

/** The query's embedding, or null when it has none to compare (a query of stopwords embeds to zero). */
async function queryVector(embedder: Embedder, query: string): Promise<ArrayLike<number> | null> {
  const [vector] = await embedder.embed([query]);
  return Array.prototype.some.call(vector, (x: number) => x !== 0) ? vector : null;
}

/**
 * Hybrid retrieval over one user's chunks: pgvector cosine (through the model's HNSW index) and
 * BM25 over Postgres full-text lexemes, fused with Reciprocal Rank Fusion, reranked (by a `/rerank` server when
 * one is configured, else by BM25 over the fused pool), optionally diversified with MMR. The two
 * halves are independent statements, so on Postgres they run at the same time on two pooled
 * connections.
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
  if (query.trim() === '' || k <= 0 || (mode === 'text' && textQueries.words === '')) return [];
  const n = opts.candidates ?? Math.max(4 * k, 40);
  const withEmbedding = Boolean(opts.mmr);
  const limit = withEmbedding ? n : k;
  const scope: RetrievalScope = { userId, documentIds: opts.documentIds };
  const vector = mode === 'text' ? null : await queryVector(embedder, query);
  if (mode === 'vector' && !vector) return [];
  const [vectorRows, textRows] = await Promise.all([
    vector ? vectorCandidates(database, embedder.model, vector, scope, n, withEmbedding) : [],
    mode === 'vector' || textQueries.words === ''
      ? []
      : textCandidates(database, textQueries, scope, n, withEmbedding, opts.language ?? 'english'),
  ]);
  const ranked =
    mode === 'hybrid' && vector
      ? await rerankFused(query, fuseRrf(vectorRows, textRows, Number.POSITIVE_INFINITY, opts.fusion), limit, opts)
      : mode === 'vector'
        ? vectorRows.slice(0, limit).map((row) => ({ row, score: 1 - Number(row.dist) }))
        : textRows.slice(0, limit).map((row) => ({ row, score: Number(row.rank) }));
  const picked = withEmbedding ? pickDiverse(ranked, k, opts.mmr) : ranked;
  return picked.map(({ row, score }) => ({
    chunkId: row.id,
    documentId: row.document_id,
    documentName: row.name,
    page: row.page,
    start: row.start_offset,
    end: row.end_offset,
    score,
    text: row.text,
  }));
}

/** The best `limit` fused candidates after the rerank stage; a failing rerank server costs the order, never the answer. */
async function rerankFused<T extends { row: CandidateRow; score: number }>(
  query: string,
  fused: T[],
  limit: number,
  opts: RetrieveOptions,
): Promise<T[]> {
  if (opts.rerank === false) return fused.slice(0, limit);
  if (opts.reranker) {
    const pool = fused.slice(0, Math.max(limit, SERVER_RERANK_POOL));
    const scores = await opts.reranker
      .rerank(
        query,
        pool.map((f) => f.row.text),
      )
      .catch((error: unknown) => {
        // Only a RerankError's message is known to hold no request detail (it names the status).
        const reason = error instanceof RerankError ? error.message : error instanceof Error ? error.name : 'unknown';
        rerankDown('rerank server failed; the offline rerank ordered the results', { reason });
        return null;
      });
    rerankCalls.inc({ outcome: scores ? 'ok' : 'failed' });
    if (scores) {
      return pool
        .map((f, i) => ({ f, s: scores[i], i }))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .slice(0, limit)
        .map(({ f, s }) => ({ ...f, score: s }));
    }
  }
  return rerankOffline(query, fused, limit);
}

function pickDiverse<T extends { row: CandidateRow; score: number }>(ranked: T[], k: number, mmr: RetrieveOptions['mmr']): T[] {
  const lambda = typeof mmr === 'object' ? mmr.lambda : undefined;
  const candidates = ranked.map((r) => ({ score: r.score, vector: r.row.embedding ? (JSON.parse(r.row.embedding) as number[]) : null }));
  return mmrSelect(candidates, k, lambda).map((i) => ranked[i]);
}
