import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { type CandidateRow, candidateColumns, type RetrievalScope, rowsOf, scopeFilter } from './retrieval-scope';

/** Okapi BM25's term-frequency saturation and length normalisation (the usual defaults, MiniSearch's and Lucene's). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

/** Rows the full-text half scores at most: scoring reads each row's tsvector, the dominant cost. */
export const TEXT_CANDIDATE_CAP = 150;

export interface TextQueries {
  /** The question's words, whose lexemes BM25 scores. */
  words: string;
  /** The question itself when it uses search syntax (quotes, `-`, `or`): then only chunks matching it are scored. */
  syntax: string | null;
}

/** The full-text side of a question; a question with neither words nor syntax has no text half. */
export function toTextQueries(query: string): TextQueries {
  const words = (query.match(/[\p{L}\p{N}]+/gu) ?? []).join(' ');
  return { words, syntax: /"|(^|\s)-\S|\sor\s/i.test(query) ? query : null };
}

/** A constant written into the statement as float8, so no parameter is typed as an integer by its context. */
const float = (x: number) => sql.raw(`${x}::float8`);

/** A lexeme as a one-term tsquery, quoted so the tsquery parser reads it literally. */
const lexemeQuery = (column: string) => sql.raw(`('''' || replace(replace(${column}, '\\', '\\\\'), '''', '''''') || '''')`);

/**
 * The `n` best chunks by Okapi BM25 (k1 BM25_K1, b BM25_B) of the question's lexemes, made with
 * the text-search configuration `language`; ties by the shorter chunk, then id.
 *
 * IDF (ln(1 + (N − df + 0.5) / (df + 0.5))), N and the average length come from the asking user's
 * own statistics (chunk_term_stats, chunk_corpus_stats, kept by triggers), never from other users'
 * corpora; a chunk's length is its word count in lexemes, a term's frequency its positions.
 *
 * A candidate's term frequencies are read off its tsvector cut down to the question's lexemes in
 * C (setweight marks them, ts_filter keeps them), not by unnesting all of its ~70 lexemes into rows
 * and joining them: that join was most of the statement's time at 100,000 chunks.
 *
 * Scoring reads each candidate's tsvector, so at most TEXT_CANDIDATE_CAP chunks are scored, taken
 * through the GIN index: first the chunks holding every term, then term by term, rarest first,
 * the chunks holding that term and none of the rarer ones; the pull stops at the cap. Whenever
 * fewer chunks than that share a word with the question, every matching chunk is scored and the
 * ranking is exact; past it, what is dropped are chunks missing some of the question's words and
 * holding only its commonest ones, which BM25's IDF ranks lowest. Each tier is a lateral join on
 * a one-row or ordered CTE, so its tsquery is a parameter the planner takes the GIN index for
 * (a subquery's made a sequential scan look cheaper under LIMIT: 350 ms at 100,000 chunks), and
 * no sort stops the pull from ending at the cap.
 */
export async function textCandidates(
  database: Database,
  queries: TextQueries,
  scope: RetrievalScope,
  n: number,
  withEmbedding: boolean,
  language: string,
): Promise<CandidateRow[]> {
  const cap = Math.max(TEXT_CANDIDATE_CAP, n);
  const config = sql`${language}::regconfig`;
  const syntaxFilter: SQL = queries.syntax ? sql`AND c.tsv @@ websearch_to_tsquery(${config}, ${queries.syntax})` : sql``;
  const query = sql`WITH corpus AS MATERIALIZED (
      SELECT chunks::float8 AS n, lexemes::float8 / greatest(chunks, 1) AS avgdl FROM chunk_corpus_stats
      WHERE user_id = ${scope.userId} AND chunks > 0),
    terms AS MATERIALIZED (
      SELECT t.lexeme, t.chunks AS df, ln(1 + (corpus.n - t.chunks + 0.5) / (t.chunks + 0.5)) AS idf, corpus.avgdl,
        ${lexemeQuery('t.lexeme')}::tsquery AS q,
        (string_agg(${lexemeQuery('t.lexeme')}, ' | ') OVER (ORDER BY t.chunks, t.lexeme ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING))::tsquery AS rarer,
        (string_agg(${lexemeQuery('t.lexeme')}, ' & ') OVER ())::tsquery AS every,
        row_number() OVER (ORDER BY t.chunks, t.lexeme) AS r
      FROM corpus, (SELECT DISTINCT lexeme FROM unnest(tsvector_to_array(to_tsvector(${config}, ${queries.words}))) l(lexeme)) l
      JOIN chunk_term_stats t ON t.user_id = ${scope.userId} AND t.lexeme = l.lexeme
      ORDER BY r),
    wanted AS MATERIALIZED (SELECT array_agg(lexeme) AS lexemes FROM terms),
    cand AS MATERIALIZED (
      (SELECT x.* FROM (SELECT every FROM terms LIMIT 1) e CROSS JOIN LATERAL (
        SELECT c.id, c.tsv, c.lexeme_count FROM chunks c
        WHERE ${scopeFilter('c', scope)} AND c.tsv @@ e.every ${syntaxFilter} LIMIT ${cap}) x)
      UNION ALL
      (SELECT x.* FROM terms CROSS JOIN LATERAL (
        SELECT c.id, c.tsv, c.lexeme_count FROM chunks c
        WHERE ${scopeFilter('c', scope)} AND c.tsv @@ terms.q AND NOT c.tsv @@ terms.every
          AND (terms.rarer IS NULL OR NOT c.tsv @@ terms.rarer) ${syntaxFilter}
        LIMIT ${cap}) x)
      LIMIT ${cap}),
    scored AS (
      SELECT cand.id, cand.lexeme_count, sum(terms.idf * cardinality(u.positions) * ${float(BM25_K1 + 1)}
        / (cardinality(u.positions) + ${float(BM25_K1)} * (${float(1 - BM25_B)} + ${float(BM25_B)} * cand.lexeme_count / terms.avgdl)))::float8 AS rank
      FROM cand CROSS JOIN LATERAL unnest(ts_filter(setweight(cand.tsv, 'A', (SELECT lexemes FROM wanted)), '{a}')) u
        JOIN terms ON terms.lexeme = u.lexeme
      GROUP BY cand.id, cand.lexeme_count
      ORDER BY rank DESC, cand.lexeme_count, cand.id LIMIT ${n})
    SELECT ${candidateColumns('c', withEmbedding)}, s.rank, d.name FROM scored s
    JOIN chunks c ON c.id = s.id JOIN documents d ON d.id = c.document_id
    ORDER BY s.rank DESC, s.lexeme_count, s.id`;
  return rowsOf<CandidateRow>(await database.db.execute(query));
}
