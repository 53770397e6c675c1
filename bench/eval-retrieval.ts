/**
 * Retrieval quality on the shipped golden set (eval/): recall@5 and MRR for the vector half, the
 * full-text half and the hybrid fusion, with the built-in embedder on an in-memory PGlite (or the
 * Postgres named by --database-url).
 */
import { openPglite, openPostgres } from '../src/db/client';
import { users } from '../src/db/schema';
import { createOfflineEmbedder } from '../src/rag/embedders/offline';
import { indexCorpus, loadGoldenSet, scoreRetrieval } from '../src/rag/evaluate';

const urlFlag = process.argv.indexOf('--database-url');
const url = urlFlag > 0 ? process.argv[urlFlag + 1] : undefined;
const verbose = process.argv.includes('--verbose');

const database = url ? openPostgres(url) : openPglite();
await database.migrate();
try {
  const embedder = createOfflineEmbedder();
  const [user] = await database.db
    .insert(users)
    .values({ email: `eval-${crypto.randomUUID()}@confab.invalid`, passwordHash: '-' })
    .returning({ id: users.id });
  const { corpus, questions } = await loadGoldenSet();
  await indexCorpus(database, embedder, user.id, corpus);
  console.log(`golden set: ${corpus.length} documents, ${questions.length} questions, embedder ${embedder.model}, ${database.kind}`);
  console.log('mode     recall@5   MRR');
  for (const mode of ['vector', 'text', 'hybrid'] as const) {
    const score = await scoreRetrieval(database, embedder, user.id, questions, mode);
    console.log(`${mode.padEnd(8)} ${score.recallAt5.toFixed(3).padStart(8)}   ${score.mrr.toFixed(3)}`);
    if (verbose) for (const miss of score.misses) console.log(`  miss: ${miss}`);
  }
  if (url) await database.rows((await import('drizzle-orm')).sql`DELETE FROM users WHERE id = ${user.id}`);
} finally {
  await database.close();
}
