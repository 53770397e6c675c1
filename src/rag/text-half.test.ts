import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import { testDatabases } from '../testing/databases';
import { createUser } from '../testing/users';
import { createOfflineEmbedder } from './embedders/offline';
import { indexCorpus } from './evaluate';
import { rowsOf } from './retrieval-scope';
import { retrieve } from './retrieve';
import { BM25_B, BM25_K1, textCandidates, toTextQueries } from './text-half';

const embedder = createOfflineEmbedder();
const enc = (s: string) => new TextEncoder().encode(s);

// Each word is its own English lexeme (no stopwords, no two words stemming alike), so the
// reference below can count words where Postgres counts lexemes.
const ALICE = {
  'a.txt': 'apple banana apple cherry',
  'b.txt': 'banana banana banana grape lemon mango melon',
  'c.txt': 'cherry plum',
  'd.txt': 'apple grape plum peach lemon lemon melon mango banana cherry',
  'e.txt': 'peach',
};
// Bob's corpus is full of apples: it must not move a single one of Alice's scores.
const BOB = { 'x.txt': 'apple apple apple apple', 'y.txt': 'apple plum', 'z.txt': 'apple' };

/** Okapi BM25 written out from its definition, over whitespace-separated words. */
function referenceBm25(corpus: Record<string, string>, query: string): Map<string, number> {
  const docs = Object.entries(corpus).map(([name, text]) => ({ name, words: text.split(' ') }));
  const avgdl = docs.reduce((a, d) => a + d.words.length, 0) / docs.length;
  const scores = new Map<string, number>();
  for (const d of docs) {
    let score = 0;
    for (const term of new Set(query.split(' '))) {
      const tf = d.words.filter((w) => w === term).length;
      if (tf === 0) continue;
      const df = docs.filter((x) => x.words.includes(term)).length;
      const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
      score += (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * d.words.length) / avgdl));
    }
    if (score > 0) scores.set(d.name, score);
  }
  return scores;
}

async function sqlBm25(database: Database, userId: string, query: string): Promise<Map<string, number>> {
  const rows = await textCandidates(database, toTextQueries(query), { userId }, 50, false, 'english');
  return new Map(rows.map((r) => [r.name, Number(r.rank)]));
}

const expectScores = (actual: Map<string, number>, expected: Map<string, number>) => {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, score] of expected) expect(actual.get(name)).toBeCloseTo(score, 9);
};

for (const target of testDatabases()) {
  describe(`bm25 on ${target.name}`, () => {
    let database: Database;
    let alice: string;
    let bob: string;
    let aliceDocs: Map<string, string>;
    const files = (corpus: Record<string, string>) => Object.entries(corpus).map(([name, text]) => ({ name, bytes: enc(text) }));

    beforeAll(async () => {
      database = await target.open();
      alice = await createUser(database);
      bob = await createUser(database);
      aliceDocs = await indexCorpus(database, embedder, alice, files(ALICE));
      await indexCorpus(database, embedder, bob, files(BOB));
    }, 60_000);
    afterAll(() => target.cleanup());

    test('text-half-scores-equal-okapi-bm25-computed-by-hand-over-the-users-own-corpus', async () => {
      for (const query of ['apple', 'apple cherry', 'banana lemon mango', 'plum peach melon grape']) {
        expectScores(await sqlBm25(database, alice, query), referenceBm25(ALICE, query));
      }
      expectScores(await sqlBm25(database, bob, 'apple plum'), referenceBm25(BOB, 'apple plum'));
    });

    test('text-mode-ranks-by-bm25-best-first', async () => {
      const ranked = await retrieve(database, embedder, alice, 'apple cherry', { k: 5, mode: 'text' });
      const expected = [...referenceBm25(ALICE, 'apple cherry').entries()].sort((a, b) => b[1] - a[1]).map(([name]) => name);
      expect(ranked.map((r) => r.documentName)).toEqual(expected);
    });

    test('term-statistics-follow-deletes-and-equal-a-recount', async () => {
      await database.db.delete(documents).where(eq(documents.id, aliceDocs.get('d.txt')!));
      const { 'd.txt': _, ...rest } = ALICE;
      expectScores(await sqlBm25(database, alice, 'apple lemon peach'), referenceBm25(rest, 'apple lemon peach'));
      const drift = await database.db.execute(sql`
        WITH truth AS (SELECT c.user_id, l.lexeme, count(*)::int AS chunks FROM chunks c, unnest(tsvector_to_array(c.tsv)) l(lexeme) GROUP BY 1, 2)
        SELECT count(*)::int AS n FROM truth FULL JOIN chunk_term_stats s USING (user_id, lexeme)
        WHERE truth.chunks IS DISTINCT FROM s.chunks`);
      expect(rowsOf<{ n: number }>(drift)[0].n).toBe(0);
      const corpus = await database.db.execute(sql`
        SELECT s.chunks::int AS stored, (SELECT count(*)::int FROM chunks c WHERE c.user_id = s.user_id) AS actual,
          s.lexemes::int AS stored_length, (SELECT coalesce(sum(lexeme_count), 0)::int FROM chunks c WHERE c.user_id = s.user_id) AS actual_length
        FROM chunk_corpus_stats s WHERE s.user_id = ${alice}`);
      const [row] = rowsOf<{ stored: number; actual: number; stored_length: number; actual_length: number }>(corpus);
      expect(row).toEqual({ stored: 4, actual: 4, stored_length: 14, actual_length: 14 });
    });

    test('search-syntax-filters-the-chunks-bm25-scores', async () => {
      const results = await retrieve(database, embedder, alice, 'banana -grape', { k: 5, mode: 'text' });
      expect(results.map((r) => r.documentName)).toEqual(['a.txt']);
    });

    test('a-configured-language-stems-chunks-and-questions-alike', async () => {
      const carol = await createUser(database);
      const [doc] = await indexCorpus(database, embedder, carol, [
        { name: 'katzen.txt', bytes: enc('Die Katzen schlafen im Garten.') },
      ]).then((m) => [...m.values()]);
      await database.db.execute(sql`DELETE FROM chunks WHERE document_id = ${doc}`);
      await database.db.execute(sql`
        INSERT INTO chunks (document_id, user_id, ordinal, text, start_offset, end_offset, token_count, text_search_config)
        VALUES (${doc}, ${carol}, 0, 'Die Katzen schlafen im Garten.', 0, 30, 8, 'german')`);
      const german = await retrieve(database, embedder, carol, 'Katzen', { mode: 'text', language: 'german' });
      expect(german.map((r) => r.documentName)).toEqual(['katzen.txt']);
      expect(await retrieve(database, embedder, carol, 'Katzen', { mode: 'text', language: 'english' })).toEqual([]);
    });
  });
}
