/** Deterministic synthetic text for the RAG benchmark: Zipf-distributed words whose most frequent
 * ranks are real English stopwords (as in prose, where they make up about 40% of tokens) and the
 * rest pseudo-words, so a few content words are common and most are rare. */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STOPWORDS = (
  'the of and to a in is it that was for on are as with his they at be this from have or by one had ' +
  'not but what all were when we there can an your which their if do will each about how up out them then she many some so ' +
  'these would other into has more her two like him see time could no make than first been its who now people my made over'
).split(' ');

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'ta',
  'vo',
  'si',
  'pe',
  'da',
  'gu',
  'fa',
  'zo',
  'bi',
  'te',
  'ho',
  'ly',
  'qua',
  'ren',
  'sol',
];

export class TextGenerator {
  private readonly words: string[];
  private readonly cumulative: Float64Array;
  private readonly random: () => number;

  constructor(seed = 42, vocabulary = 20_000) {
    this.random = rng(seed);
    const seen = new Set<string>();
    while (seen.size < vocabulary) {
      const n = 2 + Math.floor(this.random() * 3);
      let w = '';
      for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(this.random() * SYLLABLES.length)];
      seen.add(w);
    }
    this.words = [...STOPWORDS, ...seen];
    const n = this.words.length;
    this.cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) this.cumulative[i] = total += 1 / (i + 1);
    for (let i = 0; i < n; i++) this.cumulative[i] /= total;
  }

  word(): string {
    const x = this.random();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo];
  }

  sentence(words = 8 + Math.floor(this.random() * 12)): string {
    const out = Array.from({ length: words }, () => this.word());
    out[0] = out[0][0].toUpperCase() + out[0].slice(1);
    return `${out.join(' ')}.`;
  }

  paragraph(sentences = 3 + Math.floor(this.random() * 4)): string {
    return Array.from({ length: sentences }, () => this.sentence()).join(' ');
  }

  /** A Markdown document of `sections` headed sections. */
  document(sections: number): string {
    return Array.from(
      { length: sections },
      (_, i) => `## Section ${i + 1} ${this.word()}\n\n${this.paragraph()}\n\n${this.paragraph()}`,
    ).join('\n\n');
  }

  /** A question-like query: a few words lifted from a text plus filler. */
  queryFrom(text: string): string {
    const words = text.match(/[a-z]+/gi) ?? [];
    const start = Math.floor(this.random() * Math.max(1, words.length - 6));
    return `what about ${words.slice(start, start + 5).join(' ')}?`;
  }
}
