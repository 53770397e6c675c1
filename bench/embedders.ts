/**
 * Candidate offline embedders compared in one run, on the same chunks and the same BM25 baseline
 * (`bun run bench:embedders`).
 *
 * Both sets of `bun run eval:retrieval` (the golden set and the public set of src/rag/public-set.ts)
 * are chunked and indexed once, on an in-memory PGlite, by the real pipeline. The full-text half's
 * candidates for each question are taken once (they do not depend on the embedder); then, for each
 * candidate embedder, every chunk is embedded (timed: chunks/s on one thread), the vector half is
 * an exact cosine search over those vectors (40 candidates, as retrieve() takes), and hybrid is
 * the same fusion and offline rerank retrieve() applies (fuseRrf, rerankOffline). Scores: recall@5,
 * MRR and nDCG@10 of vector-only and hybrid over the public set's answerable questions, as ratios
 * to MiniSearch's BM25 (public-eval.ts), and golden hybrid recall@5 (must stay 1).
 *
 * The search here is exact where the server's HNSW index is approximate; the last row runs the
 * shipped embedder (whose vectors the corpus was indexed with) through retrieve() itself, for the
 * size of that difference. Chunk ids are random UUIDs and break ties, so figures move by a few
 * thousandths between runs.
 *
 * Candidates: `v1` and `v2` are the offline models (embedders/offline.ts); the others vary v1 by one
 * or two settings (stemmer, feature weights, buckets, dimensions) or learn from the corpus.
 *
 * Corpus-learned candidates (IDF, random indexing) are fitted on the chunks of the indexed corpus
 * and frozen before any question is embedded: the best case for them, a server would also have to
 * keep per-user statistics and re-embed as they drift.
 *
 * Flags: --documents N (default 3000), --answerable N (300), --only a,b (candidate names).
 */
import { sql } from 'drizzle-orm';
import { stemmer } from 'stemmer';
import { openPglite } from '../src/db/client';
import { users } from '../src/db/schema';
import {
  createOfflineEmbedder,
  embedWith,
  features,
  hashFeatures,
  normalise,
  type OfflineConfig,
  V1_CONFIG,
  V2_CONFIG,
} from '../src/rag/embedders/offline';
import { indexCorpus, loadGoldenSet } from '../src/rag/evaluate';
import { rerankOffline } from '../src/rag/offline-rerank';
import { bm25Baseline, type RankScore, rankScore } from '../src/rag/public-eval';
import { buildPublicSet } from '../src/rag/public-set';
import type { CandidateRow } from '../src/rag/retrieval-scope';
import { retrieve } from '../src/rag/retrieve';
import { type FusionOptions, fuseRrf } from '../src/rag/rrf';
import { textCandidates, toTextQueries } from '../src/rag/text-half';

const flag = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const documents = Number(flag('--documents') ?? 3000);
const answerableCount = Number(flag('--answerable') ?? 300);
const only = flag('--only')?.split(',');

/** Candidates retrieve() takes from each half for k = 10. */
const N = 40;
const K = 10;

interface Candidate {
  name: string;
  /** Learns corpus statistics from the chunk texts (frozen afterwards). */
  fit?: (texts: string[]) => void;
  embed: (text: string) => Float32Array;
}

const porter = (word: string) => (/\d/.test(word) ? word : stemmer(word));

const hashed = (name: string, config: Partial<OfflineConfig>): Candidate => {
  const c = { ...V1_CONFIG, ...config };
  return { name, embed: (text) => embedWith(text, c) };
};

/** IDF over chunks of each feature (raised to `power`), frozen after fit; `side` says which vectors it weighs. */
function idfCandidate(name: string, config: Partial<OfflineConfig>, side: 'both' | 'query', power = 1): Candidate {
  const c = { ...V1_CONFIG, ...config };
  const df = new Map<string, number>();
  let n = 0;
  let fitted = false;
  const idf = (key: string) => Math.log(1 + (n - (df.get(key) ?? 0) + 0.5) / ((df.get(key) ?? 0) + 0.5));
  return {
    name,
    fit(texts) {
      df.clear();
      for (const t of texts) for (const key of features(t, c).keys()) df.set(key, (df.get(key) ?? 0) + 1);
      n = texts.length;
      fitted = true;
    },
    // Chunks are embedded before the questions: with side 'query', only questions are weighted.
    embed(text) {
      const weighted = side === 'both' || questionsPhase;
      return hashFeatures(
        features(text, c),
        c.dimensions,
        c.probes,
        (key, w) => Math.log1p(w) * (weighted && fitted ? idf(key) ** power : 1),
      );
    },
  };
}

/**
 * Random indexing: each stemmed word has a sparse random index vector (4 signed buckets of
 * `semantic` dims); its context vector sums the index vectors of the words within `window` of
 * each occurrence in the corpus. A text's vector is the lexical hashing (v1 features in
 * `dimensions - semantic` dims) joined with the IDF-weighted sum of its words' normalised context
 * vectors, the two halves weighted so that cosine = (1 − mix)·lexical + mix·semantic.
 */
function randomIndexing(name: string, semantic: number, mix: number, window = 3, config: Partial<OfflineConfig> = {}): Candidate {
  const c = { ...V1_CONFIG, ...config };
  const lexicalDims = c.dimensions - semantic;
  const context = new Map<string, Float32Array>();
  const df = new Map<string, number>();
  let n = 0;
  const indexOf = (word: string) => hashFeatures(new Map([[`w:${word}`, 1]]), semantic, 4, () => 1);
  const words = (text: string) => [...features(text, { ...c, pair: 0, trigram: 0 }).keys()].map((k) => k.slice(2));
  return {
    name,
    fit(texts) {
      context.clear();
      df.clear();
      n = texts.length;
      const index = new Map<string, Float32Array>();
      const at = (w: string) => {
        let v = index.get(w);
        if (!v) index.set(w, (v = indexOf(w)));
        return v;
      };
      for (const t of texts) {
        const seq = (t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map((w) => c.stem(w));
        const distinct = new Set(words(t));
        for (const w of distinct) df.set(w, (df.get(w) ?? 0) + 1);
        for (let i = 0; i < seq.length; i++) {
          if (!distinct.has(seq[i])) continue;
          let ctx = context.get(seq[i]);
          if (!ctx) context.set(seq[i], (ctx = new Float32Array(semantic)));
          for (let j = Math.max(0, i - window); j <= Math.min(seq.length - 1, i + window); j++) {
            if (j === i || !distinct.has(seq[j])) continue;
            const v = at(seq[j]);
            for (let d = 0; d < semantic; d++) ctx[d] += v[d];
          }
        }
      }
      for (const v of context.values()) normalise(v);
    },
    embed(text) {
      const out = new Float32Array(c.dimensions);
      const lexical = hashFeatures(features(text, c), lexicalDims, c.probes);
      const sem = new Float32Array(semantic);
      for (const w of words(text)) {
        const v = context.get(w);
        if (!v) continue;
        const weight = Math.log(1 + (n - (df.get(w) ?? 0) + 0.5) / ((df.get(w) ?? 0) + 0.5));
        for (let d = 0; d < semantic; d++) sem[d] += weight * v[d];
      }
      normalise(sem);
      const a = Math.sqrt(1 - mix);
      const b = Math.sqrt(mix);
      for (let d = 0; d < lexicalDims; d++) out[d] = a * lexical[d];
      for (let d = 0; d < semantic; d++) out[lexicalDims + d] = b * sem[d];
      return normalise(out);
    },
  };
}

let questionsPhase = false;

const CANDIDATES: Candidate[] = [
  hashed('v1', {}),
  hashed('porter', { stem: porter }),
  hashed('no-trigrams', { trigram: 0 }),
  hashed('trigram-0.3', { trigram: 0.3 }),
  hashed('trigram-0.5', { trigram: 0.5 }),
  hashed('trigram-0.8', { trigram: 0.8 }),
  hashed('v2', V2_CONFIG),
  hashed('word-0.3-trigram-1', { word: 0.3, pair: 0.2, trigram: 1 }),
  hashed('word-0.5-trigram-1', { word: 0.5, pair: 0.3, trigram: 1 }),
  hashed('porter-word-0.3-trigram-1', { stem: porter, word: 0.3, pair: 0.2, trigram: 1 }),
  hashed('no-pairs', { pair: 0 }),
  hashed('2-probes', { probes: 2 }),
  hashed('porter-tri-0.5', { stem: porter, trigram: 0.5 }),
  hashed('porter-tri-0.5-no-pairs', { stem: porter, trigram: 0.5, pair: 0 }),
  hashed('512-dims', { dimensions: 512 }),
  hashed('768-dims', { dimensions: 768 }),
  hashed('porter-tri-0.5-768', { stem: porter, trigram: 0.5, dimensions: 768 }),
  idfCandidate('idf', {}, 'both'),
  idfCandidate('idf-sqrt', {}, 'both', 0.5),
  idfCandidate('idf-query-only', {}, 'query'),
  randomIndexing('ri-128-0.2', 128, 0.2),
  randomIndexing('ri-128-0.4', 128, 0.4),
].filter((c) => !only || only.includes(c.name));

// ---- the corpora, indexed once ----

const database = openPglite();
await database.migrate();
const embedder = createOfflineEmbedder();
const newUser = async () =>
  (
    await database.db
      .insert(users)
      .values({ email: `bench-${crypto.randomUUID()}@confab.invalid`, passwordHash: '-' })
      .returning({ id: users.id })
  )[0].id;

type Chunk = CandidateRow;
const chunksOf = async (userId: string) =>
  (await database.rows(sql`SELECT c.id, c.document_id, c.page, c.start_offset, c.end_offset, c.text, d.name FROM chunks c
    JOIN documents d ON d.id = c.document_id WHERE c.user_id = ${userId} ORDER BY c.id`)) as unknown as Chunk[];

interface Question {
  question: string;
  /** Public set: the target document's name; golden: the document and a quote its chunk holds. */
  hit: (rows: Chunk[]) => number;
  text: Chunk[];
}

const documentRank = (rows: Chunk[], name: string) => [...new Set(rows.map((r) => r.name))].indexOf(name) + 1;

async function prepare(userId: string, qs: { question: string; hit: Question['hit'] }[]): Promise<Question[]> {
  const out: Question[] = [];
  for (const q of qs) {
    const t = toTextQueries(q.question);
    const text = t.words === '' ? [] : await textCandidates(database, t, { userId }, N, false, 'english');
    out.push({ ...q, text });
  }
  return out;
}

const set = await buildPublicSet({ documents, answerable: answerableCount, unanswerable: 0 });
if (!set) throw new Error('this machine has no /var/lib/dpkg/status');
const golden = await loadGoldenSet();
const goldenUser = await newUser();
const publicUser = await newUser();
await indexCorpus(database, embedder, goldenUser, golden.corpus);
const t0 = performance.now();
await indexCorpus(
  database,
  embedder,
  publicUser,
  set.documents.map((d) => ({ name: d.name, bytes: new TextEncoder().encode(d.text) })),
);
const indexSeconds = (performance.now() - t0) / 1000;
const goldenChunks = await chunksOf(goldenUser);
const publicChunks = await chunksOf(publicUser);
const goldenQs = await prepare(
  goldenUser,
  golden.questions.map((q) => ({
    question: q.question,
    hit: (rows) => rows.findIndex((r) => r.name === q.document && r.text.includes(q.quote)) + 1,
  })),
);
const publicQs = await prepare(
  publicUser,
  set.questions.map((q) => ({ question: q.question, hit: (rows) => documentRank(rows, `${q.target}.txt`) })),
);
const base = bm25Baseline(set);
console.log(
  `public set: ${set.documents.length} documents, ${publicChunks.length} chunks (indexed in ${indexSeconds.toFixed(1)} s), ` +
    `${publicQs.length} questions; golden set: ${golden.corpus.length} documents, ${goldenChunks.length} chunks, ${goldenQs.length} questions`,
);

// ---- scoring ----

/** The `N` nearest chunks by cosine (vectors are unit length), nearest first, ties by id. */
function nearest(matrix: Float32Array, dims: number, chunks: Chunk[], q: Float32Array): Chunk[] {
  const scored: { i: number; s: number }[] = [];
  for (let i = 0; i < chunks.length; i++) {
    let s = 0;
    const o = i * dims;
    for (let d = 0; d < dims; d++) s += matrix[o + d] * q[d];
    scored.push({ i, s });
  }
  scored.sort((a, b) => b.s - a.s || (chunks[a.i].id < chunks[b.i].id ? -1 : 1));
  return scored.slice(0, N).map(({ i, s }) => ({ ...chunks[i], dist: 1 - s }));
}

/** What retrieve() returns for k = 10 in vector and hybrid mode, given the two halves. */
function rankings(question: Question, vector: Chunk[] | null, fusion?: FusionOptions) {
  const vectorTop = vector ? vector.slice(0, K) : [];
  const hybrid = vector
    ? rerankOffline(question.question, fuseRrf(vector, question.text, Number.POSITIVE_INFINITY, fusion), K).map((r) => r.row)
    : question.text.slice(0, K);
  return { vector: vectorTop, hybrid };
}

/** The halves weighed alike instead of the shipped 1:2, to see whether a stronger vector half wants more say. */
const EVEN: FusionOptions = { vectorWeight: 1, textWeight: 1 };

interface Row {
  name: string;
  vector: RankScore;
  hybrid: RankScore;
  even?: RankScore;
  /** Public questions whose hybrid rank got better / worse than with the first candidate. */
  better?: number;
  worse?: number;
  goldenRecall: number;
  chunksPerSecond: number;
  fitSeconds: number;
}

function embedAll(c: Candidate, chunks: Chunk[]): { matrix: Float32Array; dims: number; seconds: number } {
  // Warm-up, so the first candidate does not pay for the JIT in its throughput.
  for (const ch of chunks.slice(0, 300)) c.embed(ch.text);
  const start = performance.now();
  const vectors = chunks.map((ch) => c.embed(ch.text));
  const seconds = (performance.now() - start) / 1000;
  const dims = vectors[0].length;
  const matrix = new Float32Array(chunks.length * dims);
  vectors.forEach((v, i) => {
    matrix.set(v, i * dims);
  });
  return { matrix, dims, seconds };
}

function score(c: Candidate, chunks: Chunk[], qs: Question[], matrix: Float32Array, dims: number) {
  const vectorRanks: number[] = [];
  const hybridRanks: number[] = [];
  const evenRanks: number[] = [];
  for (const q of qs) {
    const qv = c.embed(q.question);
    const near = qv.some((x) => x !== 0) ? nearest(matrix, dims, chunks, qv) : null;
    const r = rankings(q, near);
    vectorRanks.push(q.hit(r.vector));
    hybridRanks.push(q.hit(r.hybrid));
    evenRanks.push(q.hit(rankings(q, near, EVEN).hybrid));
  }
  return { vector: rankScore(vectorRanks), hybrid: rankScore(hybridRanks), even: rankScore(evenRanks), hybridRanks };
}

const rows: Row[] = [];
let firstRanks: number[] | null = null;
const position = (r: number) => (r === 0 ? Number.POSITIVE_INFINITY : r);
for (const c of CANDIDATES) {
  questionsPhase = false;
  const f0 = performance.now();
  c.fit?.(publicChunks.map((ch) => ch.text));
  const fitSeconds = (performance.now() - f0) / 1000;
  const pub = embedAll(c, publicChunks);
  questionsPhase = true;
  const p = score(c, publicChunks, publicQs, pub.matrix, pub.dims);
  // The golden set is its own user's corpus: fitted candidates learn from it alone.
  questionsPhase = false;
  c.fit?.(goldenChunks.map((ch) => ch.text));
  const gold = embedAll(c, goldenChunks);
  questionsPhase = true;
  const g = score(c, goldenChunks, goldenQs, gold.matrix, gold.dims);
  firstRanks ??= p.hybridRanks;
  const first = firstRanks;
  rows.push({
    name: c.name,
    vector: p.vector,
    hybrid: p.hybrid,
    even: p.even,
    better: p.hybridRanks.filter((r, i) => position(r) < position(first[i])).length,
    worse: p.hybridRanks.filter((r, i) => position(r) > position(first[i])).length,
    goldenRecall: g.hybrid.recallAt5,
    chunksPerSecond: publicChunks.length / pub.seconds,
    fitSeconds,
  });
  console.log(`  ${c.name} done`);
}

// The shipped embedder through retrieve() itself (HNSW vector half), for the exact search's bias.
{
  const ranks: number[] = [];
  for (const q of set.questions) {
    const results = await retrieve(database, embedder, publicUser, q.question, { k: K, mode: 'hybrid' });
    ranks.push(
      documentRank(
        results.map((r) => ({ name: r.documentName }) as Chunk),
        `${q.target}.txt`,
      ),
    );
  }
  const vranks: number[] = [];
  for (const q of set.questions) {
    const results = await retrieve(database, embedder, publicUser, q.question, { k: K, mode: 'vector' });
    vranks.push(
      documentRank(
        results.map((r) => ({ name: r.documentName }) as Chunk),
        `${q.target}.txt`,
      ),
    );
  }
  rows.push({
    name: `${embedder.model} (retrieve)`,
    vector: rankScore(vranks),
    hybrid: rankScore(ranks),
    goldenRecall: Number.NaN,
    chunksPerSecond: 0,
    fitSeconds: 0,
  });
}
await database.close();

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const cell = (s: number, b: number) => `${s.toFixed(3)} (${ratio(s, b).toFixed(2)}×)`;
const triple = (s: RankScore) => [cell(s.recallAt5, base.recallAt5), cell(s.mrr, base.mrr), cell(s.ndcgAt10, base.ndcgAt10)];
console.log(
  `\nBM25 (MiniSearch): recall@5 ${base.recallAt5.toFixed(3)}, MRR ${base.mrr.toFixed(3)}, nDCG@10 ${base.ndcgAt10.toFixed(3)}; load ${(await Bun.file('/proc/loadavg').text()).trim()}`,
);
const header = [
  'candidate',
  'vector R@5',
  'vector MRR',
  'vector nDCG@10',
  'hybrid R@5',
  'hybrid MRR',
  'hybrid nDCG@10',
  `better/worse than ${rows[0].name}`,
  'hybrid 1:1 R@5',
  'hybrid 1:1 MRR',
  'golden R@5',
  'chunks/s',
  'fit s',
];
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
for (const r of rows) {
  const golden = Number.isNaN(r.goldenRecall) ? '' : r.goldenRecall.toFixed(3);
  const speed = r.chunksPerSecond ? Math.round(r.chunksPerSecond).toString() : '';
  const fit = r.fitSeconds ? r.fitSeconds.toFixed(1) : '';
  const moved = r.better === undefined ? '' : `${r.better}/${r.worse}`;
  const even = r.even ? [cell(r.even.recallAt5, base.recallAt5), cell(r.even.mrr, base.mrr)] : ['', ''];
  console.log(`| ${[r.name, ...triple(r.vector), ...triple(r.hybrid), moved, ...even, golden, speed, fit].join(' | ')} |`);
}
