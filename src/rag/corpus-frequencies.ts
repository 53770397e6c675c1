import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { CorpusFrequencies } from '../providers/types';
import { toTextQueries } from './text-half';

/**
 * How many of the user's chunks hold each word of `question`, read from the BM25 statistics the
 * ingestion triggers keep (chunk_term_stats, chunk_corpus_stats): a word counts as its lexeme in the
 * text-search configuration `language`, and a word that configuration drops as a stop word counts
 * as in every chunk. What the offline model weighs a question's words by; null when the user has
 * no chunks.
 */
export async function corpusFrequencies(
  database: Database,
  userId: string,
  question: string,
  language = 'english',
): Promise<CorpusFrequencies | null> {
  const words = [...new Set(toTextQueries(question).words.toLowerCase().split(' '))].filter(Boolean);
  const [corpus] = await database.rows<{ chunks: string | number }>(
    sql`SELECT chunks FROM chunk_corpus_stats WHERE user_id = ${userId} AND chunks > 0`,
  );
  if (!corpus) return null;
  const chunks = Number(corpus.chunks);
  const out: Record<string, number> = Object.fromEntries(words.map((w) => [w, chunks]));
  if (words.length === 0) return { chunks, words: out };
  const rows = await database.rows<{ word: string; chunks: string | number }>(sql`
    SELECT w.word, coalesce(max(t.chunks), 0) AS chunks
    FROM regexp_split_to_table(${words.join(' ')}, ' ') w(word)
    CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(${language}::regconfig, w.word))) l(lexeme)
    LEFT JOIN chunk_term_stats t ON t.user_id = ${userId} AND t.lexeme = l.lexeme
    GROUP BY w.word`);
  for (const r of rows) out[r.word] = Number(r.chunks);
  return { chunks, words: out };
}
