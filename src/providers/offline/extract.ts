import type { Passage } from '../types';
import { contentTerms, splitSentences } from './terms';

interface Sentence {
  n: number;
  passage: number;
  position: number;
  text: string;
  terms: string[];
  score: number;
}

const K1 = 1.2;
const B = 0.75;
const MAX_SENTENCES = 4;
/** A sentence must cover this share of the question's weighted terms to count as an answer. */
const MIN_COVERAGE = 0.3;
/** Sentences far weaker than the best one are noise next to it. */
const RELATIVE_CUTOFF = 0.5;

function sentencesOf(passages: readonly Passage[]): Sentence[] {
  const out: Sentence[] = [];
  passages.forEach((p, passage) => {
    splitSentences(p.text).forEach((text, position) => {
      // A markdown heading names a topic; it does not answer anything.
      if (/^#{1,6}\s/.test(text)) return;
      out.push({ n: p.n, passage, position, text, terms: contentTerms(text), score: 0 });
    });
  });
  return out;
}

/** Weights of the question's terms that occur somewhere in the passages; a term no passage
 * contains cannot be covered by any sentence, so it must not dilute the coverage of the rest. */
function inverseFrequencies(sentences: readonly Sentence[], queryTerms: readonly string[]): Map<string, number> {
  const idf = new Map<string, number>();
  for (const term of queryTerms) {
    let df = 0;
    for (const s of sentences) if (s.terms.includes(term)) df++;
    if (df > 0) idf.set(term, Math.log(1 + (sentences.length - df + 0.5) / (df + 0.5)));
  }
  return idf;
}

/** BM25 over sentences, plus the share of the question's weight a sentence covers. */
function score(sentences: Sentence[], queryTerms: readonly string[]): Sentence[] {
  const idf = inverseFrequencies(sentences, queryTerms);
  // Passages that share under half of the question's terms are about something else.
  if (idf.size * 2 < queryTerms.length) return [];
  const totalWeight = [...idf.values()].reduce((a, b) => a + b, 0);
  const avgLen = sentences.reduce((a, s) => a + s.terms.length, 0) / Math.max(1, sentences.length) || 1;
  const relevant: Sentence[] = [];
  for (const s of sentences) {
    let bm25 = 0;
    let covered = 0;
    for (const [term, weight] of idf) {
      let tf = 0;
      for (const t of s.terms) if (t === term) tf++;
      if (tf === 0) continue;
      covered += weight;
      bm25 += (weight * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * s.terms.length) / avgLen));
    }
    if (totalWeight > 0 && covered / totalWeight >= MIN_COVERAGE) relevant.push({ ...s, score: bm25 });
  }
  return relevant;
}

function cite(text: string, n: number): string {
  const end = /[.!?]+$/.exec(text);
  return end ? `${text.slice(0, end.index)} [${n}]${end[0]}` : `${text} [${n}]`;
}

/** Stitches the chosen sentences in reading order; one `[n]` per run of sentences from one passage. */
function stitch(chosen: Sentence[]): string {
  chosen.sort((a, b) => a.passage - b.passage || a.position - b.position);
  const parts: string[] = [];
  chosen.forEach((s, i) => {
    const next = chosen[i + 1];
    const lastOfRun = !next || next.passage !== s.passage;
    parts.push(lastOfRun ? cite(s.text, s.n) : s.text);
  });
  return parts.join(' ');
}

/** The extractive answer to `question` from `passages`, or undefined when nothing there answers it. */
export function extractAnswer(question: string, passages: readonly Passage[]): string | undefined {
  const queryTerms = [...new Set(contentTerms(question))];
  if (queryTerms.length === 0 || passages.length === 0) return undefined;
  const scored = score(sentencesOf(passages), queryTerms);
  if (scored.length === 0) return undefined;
  scored.sort((a, b) => b.score - a.score || a.passage - b.passage || a.position - b.position);
  const best = scored[0].score;
  const chosen = scored.filter((s) => s.score >= best * RELATIVE_CUTOFF).slice(0, MAX_SENTENCES);
  return stitch(chosen);
}
