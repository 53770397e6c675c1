import type { CorpusFrequencies, Passage } from '../types';
import { type Segment, segment } from './segment';
import { contentTerms } from './terms';

interface Unit {
  n: number;
  passage: number;
  position: number;
  segment: Segment;
  terms: string[];
  score: number;
  coverage: number;
}

const K1 = 1.2;
const B = 0.75;
const MAX_UNITS = 4;
/**
 * The relevance bar: with corpus frequencies, a passage's strength (passageStrength: its coverage
 * of the question's IDF weight, counting the question's words that no passage contains at full
 * weight, mixed with how close together it holds them) must reach this. Calibrated with `bun run
 * eval:retrieval` on its answerable and unanswerable questions and checked on its held-out ones;
 * with IDF over the five passages' sentences only (no corpus frequencies given) the bar is
 * ANSWER_COVERAGE_LOCAL, on coverage alone.
 */
export const ANSWER_COVERAGE = 0.48;
export const ANSWER_COVERAGE_LOCAL = 0.5;
/**
 * A corpus this small weighs its words by chance: in a one-chunk guide every word it holds has the
 * lowest IDF and a question's filler word ("run") none of its chunks holds the highest, so
 * "How do I run confab-backup with a target?" was declined on the very chunk that answers it.
 * Below this many chunks the passages' own weights and ANSWER_COVERAGE_LOCAL judge instead.
 */
export const MIN_CORPUS_CHUNKS = 100;

const weighable = (corpus: CorpusFrequencies | undefined) => (corpus && corpus.chunks >= MIN_CORPUS_CHUNKS ? corpus : undefined);
/** A quoted unit must itself cover this share, so a relevant passage's unrelated sentences stay out. */
const UNIT_COVERAGE = 0.2;
/** Units far weaker than the best one are noise next to it. */
const RELATIVE_CUTOFF = 0.5;

function unitsOf(passages: readonly Passage[]): Unit[] {
  const out: Unit[] = [];
  passages.forEach((p, passage) => {
    segment(p.text).forEach((s, position) => {
      // A heading names a topic and does not answer anything; half a table or code block misleads.
      if (s.kind === 'heading' || s.partial) return;
      out.push({ n: p.n, passage, position, segment: s, terms: contentTerms(s.text), score: 0, coverage: 0 });
    });
  });
  return out;
}

const idfOf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

/**
 * IDF of each question term. Over the user's whole corpus when its frequencies are given: the five
 * passages were chosen for sharing the question's words, so over them alone a word most documents
 * hold ("library", "file") weighs as much as the one the question is about, and a passage that
 * shares only the common words looks as relevant as one that answers. Without them, over the
 * units; a term no unit contains gets the highest weight, because it is what the passages miss.
 */
function inverseFrequencies(units: readonly Unit[], queryTerms: readonly string[], corpus?: CorpusFrequencies): Map<string, number> {
  const idf = new Map<string, number>();
  if (corpus) {
    const df = corpusTermFrequencies(queryTerms, corpus);
    for (const term of queryTerms) idf.set(term, idfOf(corpus.chunks, df.get(term) ?? corpus.chunks));
    return idf;
  }
  for (const term of queryTerms) {
    let df = 0;
    for (const u of units) if (u.terms.includes(term)) df++;
    idf.set(term, idfOf(units.length, df));
  }
  return idf;
}

/**
 * Chunks holding each question term, from the frequencies of the question's words (which the
 * database's text-search stemmer, not ours, reduced to lexemes): a term takes its commonest word's.
 */
function corpusTermFrequencies(queryTerms: readonly string[], corpus: CorpusFrequencies): Map<string, number> {
  const wanted = new Set(queryTerms);
  const df = new Map<string, number>();
  for (const [word, chunks] of Object.entries(corpus.words)) {
    const [term] = contentTerms(word);
    if (term === undefined || !wanted.has(term)) continue;
    df.set(term, Math.max(df.get(term) ?? 0, chunks));
  }
  return df;
}

/**
 * BM25 of each unit against the question, and the share of the question's weight it covers (with
 * the weights the bar is judged on). BM25 takes the passages' own weights even with corpus
 * frequencies: which sentences of a passage answer is told by the words that set them apart from
 * its other sentences, and in a small corpus every word of a passage is about as common.
 */
function score(units: Unit[], queryTerms: readonly string[], corpus?: CorpusFrequencies): Unit[] {
  const local = inverseFrequencies(units, queryTerms);
  const weights = corpus ? inverseFrequencies(units, queryTerms, corpus) : local;
  const totalWeight = [...weights.values()].reduce((a, b) => a + b, 0);
  const avgLen = units.reduce((a, u) => a + u.terms.length, 0) / Math.max(1, units.length) || 1;
  return units.map((u) => {
    let bm25 = 0;
    let covered = 0;
    for (const [term, weight] of local) {
      let tf = 0;
      for (const t of u.terms) if (t === term) tf++;
      if (tf === 0) continue;
      covered += weights.get(term) ?? 0;
      bm25 += (weight * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * u.terms.length) / avgLen));
    }
    return { ...u, score: bm25, coverage: totalWeight > 0 ? covered / totalWeight : 0 };
  });
}

function cite(text: string, n: number): string {
  const end = /[.!?]+$/.exec(text);
  return end ? `${text.slice(0, end.index)} [${n}]${end[0]}` : `${text} [${n}]`;
}

const isBlock = (u: Unit) => u.segment.kind === 'table' || u.segment.kind === 'code';

/**
 * The chosen units in reading order: sentences of one passage run together with one `[n]` after
 * the run; a table or code block stands whole in its own paragraph, its `[n]` after it.
 */
function stitch(chosen: Unit[]): string {
  chosen.sort((a, b) => a.passage - b.passage || a.position - b.position);
  let out = '';
  chosen.forEach((u, i) => {
    const next = chosen[i + 1];
    if (isBlock(u)) {
      out += `${out ? '\n\n' : ''}${u.segment.text}\n\n[${u.n}]`;
      return;
    }
    const lastOfRun = !next || next.passage !== u.passage || isBlock(next);
    const prev = chosen[i - 1];
    const sep = !out ? '' : prev && isBlock(prev) ? '\n\n' : ' ';
    out += sep + (lastOfRun ? cite(u.segment.text, u.n) : u.segment.text);
  });
  return out;
}

/** The share of the question's weight that `terms` hold. */
function coverageOf(terms: Iterable<string>, idf: ReadonlyMap<string, number>, total: number): number {
  const held = new Set(terms);
  let covered = 0;
  for (const [term, weight] of idf) if (held.has(term)) covered += weight;
  return total > 0 ? covered / total : 0;
}

/** Consecutive content words a question's words must share to count as standing together. */
const WINDOW = 8;

/** The best coverage of any WINDOW consecutive words of `words`. */
function windowCoverage(words: readonly string[], idf: ReadonlyMap<string, number>, total: number): number {
  let best = 0;
  for (let i = 0; i === 0 || i + WINDOW <= words.length; i++) best = Math.max(best, coverageOf(words.slice(i, i + WINDOW), idf, total));
  return best;
}

/**
 * The share of the weight of the question's adjacent word pairs (each pair weighing its two words)
 * that `words` hold side by side and in order; a question of one word has no pair, and its
 * coverage stands in.
 */
function phraseCoverage(words: readonly string[], question: readonly string[], idf: ReadonlyMap<string, number>, coverage: number): number {
  const pairs = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) pairs.add(`${words[i]} ${words[i + 1]}`);
  let total = 0;
  let held = 0;
  for (let i = 0; i + 1 < question.length; i++) {
    if (question[i] === question[i + 1]) continue;
    const weight = (idf.get(question[i]) ?? 0) + (idf.get(question[i + 1]) ?? 0);
    total += weight;
    if (pairs.has(`${question[i]} ${question[i + 1]}`)) held += weight;
  }
  return total > 0 ? held / total : coverage;
}

/**
 * How strongly each passage (by index) answers the question: the share of the question's weight it
 * covers and, with corpus frequencies, that share mixed with how close together it holds the
 * words. A near-topic passage holds the question's words scattered (for "Informational utility
 * for the OpenAL audio API", libvorbisenc's has "audio" in one sentence and "API" in another);
 * the passage that answers tends to restate them together ("the X-Video extension" for "X11 Video
 * extension library", though it lacks "X11"). On the public set (`bun run eval:retrieval`, hybrid,
 * v2 embedder), half coverage, a quarter the best coverage of WINDOW consecutive words and a
 * quarter the question's adjacent pairs held in order, at a bar of 0.48, answered 0.907 and
 * declined 0.920, where coverage alone gave 0.907 / 0.890 at 0.6; on the held-out questions 0.907
 * / 0.900 against 0.893 / 0.875. At each one's best bar (held out in brackets): coverage alone
 * 0.897 / 0.900 (0.877 / 0.885), mixed with the window only 0.903 / 0.900 (0.890 / 0.890), with
 * the pairs only 0.923 / 0.890 (0.903 / 0.890), a missing highest-weight word as a penalty 0.897 /
 * 0.900 (0.890 / 0.890). Without corpus frequencies coverage alone judges, against
 * ANSWER_COVERAGE_LOCAL: the mix was calibrated on corpus weights only.
 */
function passageStrength(units: readonly Unit[], passages: number, question: readonly string[], corpus?: CorpusFrequencies): number[] {
  const queryTerms = [...new Set(question)];
  const idf = inverseFrequencies(units, queryTerms, corpus);
  const total = [...idf.values()].reduce((a, b) => a + b, 0);
  return Array.from({ length: passages }, (_, passage) => {
    const words = units.filter((u) => u.passage === passage).flatMap((u) => u.terms);
    const coverage = coverageOf(words, idf, total);
    if (!corpus) return coverage;
    return 0.5 * coverage + 0.25 * windowCoverage(words, idf, total) + 0.25 * phraseCoverage(words, question, idf, coverage);
  });
}

export interface AnswerOptions {
  /** How many of the user's chunks hold each of the question's words: IDF is then taken over the whole corpus (of at least MIN_CORPUS_CHUNKS). */
  corpus?: CorpusFrequencies;
  /** The relevance bar; by default ANSWER_COVERAGE with corpus frequencies, ANSWER_COVERAGE_LOCAL without. */
  bar?: number;
}

/** The best passage's strength (passageStrength): what answerability is judged on. */
export function answerStrength(question: string, passages: readonly Passage[], corpus?: CorpusFrequencies): number {
  const words = contentTerms(question);
  if (words.length === 0) return 0;
  return Math.max(0, ...passageStrength(unitsOf(passages), passages.length, words, weighable(corpus)));
}

/**
 * The extractive answer to `question` from `passages`, or undefined when no passage clears the
 * relevance bar: then the documents do not cover the question, and unrelated sentences are not
 * stitched into an answer. Within the passages that clear it, only units that cover part of the
 * question themselves are quoted.
 */
export function extractAnswer(question: string, passages: readonly Passage[], opts: AnswerOptions = {}): string | undefined {
  const queryTerms = [...new Set(contentTerms(question))];
  if (queryTerms.length === 0 || passages.length === 0) return undefined;
  const corpus = weighable(opts.corpus);
  const bar = opts.bar ?? (corpus ? ANSWER_COVERAGE : ANSWER_COVERAGE_LOCAL);
  const units = unitsOf(passages);
  const covers = passageStrength(units, passages.length, contentTerms(question), corpus);
  const relevant = score(units, queryTerms, corpus).filter((u) => covers[u.passage] >= bar && u.coverage >= UNIT_COVERAGE && u.score > 0);
  if (relevant.length === 0) return undefined;
  relevant.sort((a, b) => b.score - a.score || a.passage - b.passage || a.position - b.position);
  const best = relevant[0].score;
  const chosen = relevant.filter((u) => u.score >= best * RELATIVE_CUTOFF).slice(0, MAX_UNITS);
  return stitch(chosen);
}
