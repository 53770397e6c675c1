import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type CandidateRow, candidateColumns, type RetrievalScope, rowsOf, scopeFilter } from './retrieval-scope';

/** Rows the full-text half ranks at most: ranking reads each row's tsvector, the dominant cost. */
export const TEXT_CANDIDATE_CAP = 150;

/** Past this many distinct words, "at least two of them" matches nearly as much as "any". */
const MAX_PAIR_WORDS = 12;

export interface TextQueries {
  /** Every word (websearch syntax). */
  all: string;
  /** Any word (websearch syntax). */
  any: string;
  /** The plain words whose pairs make the "at least two words" tier; empty when the query uses search syntax. */
  words: string;
}

/**
 * The full-text queries for a question: all of its words (precise, and cheap because it matches
 * few rows), and any of them (recall for questions phrased unlike the passage).
 * websearch_to_tsquery alone would AND every word and find nothing for most questions; queries
 * already using quotes, `-` or `or` keep their syntax throughout.
 */
export function toTextQueries(query: string): TextQueries {
  if (/"|(^|\s)-\S|\sor\s/i.test(query)) return { all: query, any: query, words: '' };
  const words = query.match(/[\p{L}\p{N}]+/gu) ?? [];
  return { all: words.join(' '), any: words.join(' or '), words: words.join(' ') };
}

/**
 * The `n` best chunks by cover density (ts_rank_cd) against the any-word query; ties by plain
 * ts_rank, then the shorter chunk, then id.
 *
 * Ranking is costly per row, so at most TEXT_CANDIDATE_CAP rows are ranked, taken tier by tier
 * through the GIN index: chunks holding every word, then those holding at least two of them, then
 * those holding any. Each tier excludes the previous ones and the union stops pulling rows once
 * the cap is reached, so a later tier is not even scanned when earlier ones filled it. A chunk
 * sharing more of the question's words is the likelier answer, which is what the tiers keep when
 * a common word matches thousands of rows.
 */
export async function textCandidates(
  database: Database,
  queries: TextQueries,
  scope: RetrievalScope,
  n: number,
  withEmbedding: boolean,
): Promise<CandidateRow[]> {
  const cap = Math.max(TEXT_CANDIDATE_CAP, n);
  const tier = (match: ReturnType<typeof sql>) =>
    sql`(SELECT ${candidateColumns('c', withEmbedding)}, c.tsv FROM chunks c WHERE ${scopeFilter('c', scope)} AND ${match} LIMIT ${cap})`;
  const query = sql`WITH w AS MATERIALIZED (
      SELECT websearch_to_tsquery('english', ${queries.all}) AS q_all, websearch_to_tsquery('english', ${queries.any}) AS q_any,
        tsvector_to_array(to_tsvector('english', ${queries.words})) AS lexemes),
    tq AS MATERIALIZED (
      SELECT q_all, q_any, coalesce(CASE WHEN cardinality(lexemes) <= ${MAX_PAIR_WORDS} THEN (
        SELECT string_agg(format('(%s & %s)', quote_literal(a.l), quote_literal(b.l)), ' | ')::tsquery
        FROM unnest(lexemes) WITH ORDINALITY a(l, i) JOIN unnest(lexemes) WITH ORDINALITY b(l, j) ON a.i < b.j) END, q_all) AS q_two
      FROM w),
    cand AS (
      ${tier(sql`c.tsv @@ (SELECT q_all FROM tq)`)}
      UNION ALL
      ${tier(sql`c.tsv @@ (SELECT q_two FROM tq) AND NOT c.tsv @@ (SELECT q_all FROM tq)`)}
      UNION ALL
      ${tier(sql`c.tsv @@ (SELECT q_any FROM tq) AND NOT c.tsv @@ (SELECT q_two FROM tq)`)}
      LIMIT ${cap}),
    ranked AS (
      SELECT cand.*, ts_rank_cd(tsv, (SELECT q_any FROM tq))::float8 AS rank, ts_rank(tsv, (SELECT q_any FROM tq)) AS tie, length(text) AS len
      FROM cand ORDER BY rank DESC, tie DESC, len, id LIMIT ${n})
    SELECT ${candidateColumns('r', withEmbedding)}, r.rank, d.name FROM ranked r JOIN documents d ON d.id = r.document_id
    ORDER BY r.rank DESC, r.tie DESC, r.len, r.id`;
  return rowsOf<CandidateRow>(await database.db.execute(query));
}
