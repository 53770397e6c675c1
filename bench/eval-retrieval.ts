/**
 * Retrieval quality, with the built-in embedder on an in-memory PGlite (or the Postgres named by
 * --database-url):
 * - the shipped golden set (eval/): recall@5 and MRR of the vector half, the full-text half and
 *   the hybrid fusion;
 * - the public set built from this machine's package database and manual pages
 *   (src/rag/public-set.ts): recall@5, MRR and nDCG@10 of each mode (and of hybrid without its
 *   rerank stage, "rrf") as ratios to an independent BM25 in the same run, and the offline
 *   model's answer and decline rates.
 * Flags: --documents N, --answerable N, --unanswerable N size the public set; --held-out leaves
 * out the questions of the default-size set the relevance bar is calibrated on, so a larger or
 * smaller set checks the bar on questions it was not chosen on; --floors exits 1
 * when the golden hybrid recall@5 is under 1 or a public score is under PUBLIC_FLOORS; --sweep
 * also scores hybrid under each fusion setting of SWEEP (RRF constant, half weights, candidate
 * depth, rerank stage), on the public set and the golden set.
 */
import { openPglite, openPostgres } from '../src/db/client';
import { users } from '../src/db/schema';
import { ANSWER_COVERAGE } from '../src/providers/offline/extract';
import { createOfflineEmbedder } from '../src/rag/embedders/offline';
import { indexCorpus, loadGoldenSet, scoreRetrieval } from '../src/rag/evaluate';
import { bm25Baseline, calibrate, confabScore, PUBLIC_FLOORS, type RankScore } from '../src/rag/public-eval';
import { buildPublicSet } from '../src/rag/public-set';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const url = flag('--database-url');
const verbose = process.argv.includes('--verbose');
const enforce = process.argv.includes('--floors');
const sweep = process.argv.includes('--sweep');
const heldOut = process.argv.includes('--held-out');
/** Fusion settings --sweep compares: [RRF k, vector weight, text weight, candidates per half, offline rerank]. */
const SWEEP: [number, number, number, number, boolean][] = [
  [60, 1, 1, 40, true],
  [60, 1, 1, 40, false],
  [20, 1, 1, 40, false],
  [10, 1, 1, 40, false],
  [60, 1, 2, 40, false],
  [20, 1, 2, 40, false],
  [10, 1, 2, 40, false],
  [10, 1, 3, 40, false],
  [20, 1, 2, 40, true],
  [10, 1, 2, 40, true],
  [10, 1, 2, 20, false],
  [10, 1, 2, 80, false],
];
const size = {
  documents: Number(flag('--documents') ?? 3000),
  answerable: Number(flag('--answerable') ?? 300),
  unanswerable: Number(flag('--unanswerable') ?? 100),
};
const failures: string[] = [];

async function newUser(database: ReturnType<typeof openPglite>) {
  const [user] = await database.db
    .insert(users)
    .values({ email: `eval-${crypto.randomUUID()}@confab.invalid`, passwordHash: '-' })
    .returning({ id: users.id });
  return user.id;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const fmt = (s: RankScore, base: RankScore) =>
  `${s.recallAt5.toFixed(3)} (${ratio(s.recallAt5, base.recallAt5).toFixed(2)}×)   ${s.mrr.toFixed(3)} (${ratio(s.mrr, base.mrr).toFixed(2)}×)   ${s.ndcgAt10.toFixed(3)} (${ratio(s.ndcgAt10, base.ndcgAt10).toFixed(2)}×)`;

const database = url ? openPostgres(url) : openPglite();
await database.migrate();
const embedder = createOfflineEmbedder();
const created: string[] = [];
try {
  const goldenUser = await newUser(database);
  created.push(goldenUser);
  const { corpus, questions } = await loadGoldenSet();
  await indexCorpus(database, embedder, goldenUser, corpus);
  console.log(`golden set: ${corpus.length} documents, ${questions.length} questions, embedder ${embedder.model}, ${database.kind}`);
  console.log('mode     recall@5   MRR');
  for (const mode of ['vector', 'text', 'hybrid'] as const) {
    const score = await scoreRetrieval(database, embedder, goldenUser, questions, mode);
    console.log(`${mode.padEnd(8)} ${score.recallAt5.toFixed(3).padStart(8)}   ${score.mrr.toFixed(3)}`);
    if (verbose) for (const miss of score.misses) console.log(`  miss: ${miss}`);
    if (mode === 'hybrid' && score.recallAt5 < 1) failures.push(`golden hybrid recall@5 ${score.recallAt5.toFixed(3)} < 1`);
  }

  let set = await buildPublicSet(size);
  if (set && heldOut) {
    const calibration = new Set((await buildPublicSet())?.questions.map((q) => q.question));
    set = { ...set, questions: set.questions.filter((q) => !calibration.has(q.question)) };
  }
  if (!set) console.log('\npublic set: skipped, this machine has no /var/lib/dpkg/status');
  else {
    const publicUser = await newUser(database);
    created.push(publicUser);
    const files = set.documents.map((d) => ({ name: d.name, bytes: new TextEncoder().encode(d.text) }));
    const t0 = performance.now();
    await indexCorpus(database, embedder, publicUser, files);
    const seconds = (performance.now() - t0) / 1000;
    const unanswerable = set.questions.filter((q) => q.target === null).length;
    console.log(
      `\npublic set: ${set.documents.length} documents (indexed in ${seconds.toFixed(1)} s), ` +
        `${set.questions.length - unanswerable} answerable + ${unanswerable} unanswerable questions${heldOut ? ' (held out from the default set)' : ''}`,
    );
    const base = bm25Baseline(set);
    console.log('mode     recall@5 (×BM25)   MRR (×BM25)     nDCG@10 (×BM25)   answered  declined');
    console.log(`bm25     ${fmt(base, base)}`);
    const variants: [string, 'vector' | 'text' | 'hybrid', boolean][] = [
      ['vector', 'vector', true],
      ['text', 'text', true],
      ['rrf', 'hybrid', false],
      ['hybrid', 'hybrid', true],
    ];
    for (const [name, mode, rerank] of variants) {
      const s = await confabScore(database, embedder, publicUser, set, mode, rerank);
      console.log(`${name.padEnd(8)} ${fmt(s, base)}   ${s.answered.toFixed(3)}     ${s.declined.toFixed(3)}`);
      if (name !== 'hybrid') continue;
      const bars = [0.4, 0.44, 0.46, 0.48, 0.5, 0.52, 0.55, 0.6];
      const curve = calibrate(s.strengths, bars).map((p) => `${p.bar}: ${p.answered.toFixed(2)}/${p.declined.toFixed(2)}`);
      console.log(`relevance bar → answered/declined (hybrid, bar now ${ANSWER_COVERAGE}): ${curve.join('  ')}`);
      const checks: [string, number, number][] = [
        ['hybrid recall@5 / BM25', ratio(s.recallAt5, base.recallAt5), PUBLIC_FLOORS.hybridRecallRatio],
        ['hybrid MRR / BM25', ratio(s.mrr, base.mrr), PUBLIC_FLOORS.hybridMrrRatio],
        ['answered', s.answered, PUBLIC_FLOORS.answered],
        ['declined', s.declined, PUBLIC_FLOORS.declined],
      ];
      for (const [name, value, floor] of checks) if (value < floor) failures.push(`${name} ${value.toFixed(3)} < ${floor}`);
    }
    if (sweep) {
      console.log('\nfusion sweep (hybrid)      public recall@5 (×BM25)   MRR (×BM25)     nDCG@10 (×BM25)   golden recall@5  MRR');
      for (const [k, vectorWeight, textWeight, candidates, rerank] of SWEEP) {
        const tuning = { fusion: { k, vectorWeight, textWeight }, candidates };
        const s = await confabScore(database, embedder, publicUser, set, 'hybrid', rerank, tuning);
        const g = await scoreRetrieval(database, embedder, goldenUser, questions, 'hybrid', { rerank, ...tuning });
        const name = `k ${k} w ${vectorWeight}:${textWeight} n ${candidates}${rerank ? ' +rerank' : ''}`;
        console.log(`${name.padEnd(26)} ${fmt(s, base)}   ${g.recallAt5.toFixed(3)}            ${g.mrr.toFixed(3)}`);
      }
    }
  }
  if (url) for (const id of created) await database.rows((await import('drizzle-orm')).sql`DELETE FROM users WHERE id = ${id}`);
} finally {
  await database.close();
}
if (enforce && failures.length) {
  for (const f of failures) console.error(`below floor: ${f}`);
  process.exit(1);
}
