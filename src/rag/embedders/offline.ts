import type { Embedder } from './embedder';

/**
 * The built-in model: character trigrams of each word, hashed into 384 dimensions (v2). v1 also
 * hashed stemmed words and word pairs; `bun run bench:embedders` compares them (docs/retrieval.md).
 * A server started with a new model name re-embeds every document made with another one.
 */
export const OFFLINE_MODEL = 'offline-hash-384-v2';
export const OFFLINE_V1_MODEL = 'offline-hash-384-v1';
export const OFFLINE_DIMENSIONS = 384;

const STOPWORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves also may might must shall upon us using used use one two'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** A deliberately small suffix stripper: enough to make "boiling", "boiled" and "boils" meet. */
export function stem(word: string): string {
  if (word.length <= 4 || /\d/.test(word)) return word;
  for (const [suffix, replacement] of STEM_RULES) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length) + replacement;
  }
  return word;
}

const STEM_RULES: [string, string][] = [
  ['ational', 'ate'],
  ['ization', 'ize'],
  ['fulness', 'ful'],
  ['iveness', 'ive'],
  ['ations', 'ate'],
  ['ation', 'ate'],
  ['ements', ''],
  ['ement', ''],
  ['ments', ''],
  ['ment', ''],
  ['ness', ''],
  ['ities', ''],
  ['ity', ''],
  ['ies', 'y'],
  ['ing', ''],
  ['edly', ''],
  ['ed', ''],
  ['ly', ''],
  ['es', ''],
  ['ss', 'ss'],
  ['s', ''],
];

/** Murmur3's 32-bit finaliser over an FNV-1a hash: cheap and well mixed. */
function hash(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addFeature(features: Map<string, number>, key: string, weight: number) {
  features.set(key, (features.get(key) ?? 0) + weight);
}

/** How text becomes hashed features: what the model name stands for. */
export interface OfflineConfig {
  dimensions: number;
  /** Word stemmer: v1's suffix stripper or Porter's (the `stemmer` package). */
  stem: (word: string) => string;
  /** Weight of a stemmed word, of an adjacent pair of stemmed words, of each character trigram of a word. */
  word: number;
  pair: number;
  trigram: number;
  /** Buckets each feature is added to (each with its own hash and sign). */
  probes: number;
}

export const V1_CONFIG: OfflineConfig = { dimensions: OFFLINE_DIMENSIONS, stem, word: 1, pair: 0.6, trigram: 0.12, probes: 1 };

/**
 * v2: character trigrams alone. The BM25 half already matches whole (stemmed) words; trigrams
 * give the vector half what BM25 cannot: word forms, compounds and misspellings that share most
 * of their letters. On the public set its vector half is much stronger than v1's, and hybrid is
 * at or above v1 on every measure at 1,000, 2,000 and 3,000 documents in `bun run bench:embedders`
 * (docs/retrieval.md).
 */
export const V2_CONFIG: OfflineConfig = { ...V1_CONFIG, word: 0, pair: 0, trigram: 1 };

/** What each offline model name stands for. */
export const OFFLINE_CONFIGS: Record<string, OfflineConfig> = { [OFFLINE_V1_MODEL]: V1_CONFIG, [OFFLINE_MODEL]: V2_CONFIG };

/** Weighted features: stemmed words, word pairs, and character trigrams of each word, as `config` weighs them. */
export function features(text: string, config: OfflineConfig = V2_CONFIG): Map<string, number> {
  const out = new Map<string, number>();
  const words = (text.toLowerCase().match(WORD) ?? []).filter((w) => !STOPWORDS.has(w));
  let previous = '';
  for (const word of words) {
    const stemmed = config.stem(word);
    if (config.word) addFeature(out, `w:${stemmed}`, config.word);
    if (previous && config.pair) addFeature(out, `b:${previous} ${stemmed}`, config.pair);
    previous = stemmed;
    if (!config.trigram) continue;
    const padded = `<${word}>`;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(out, `c:${padded.slice(i, i + 3)}`, config.trigram);
  }
  return out;
}

/**
 * Signed feature hashing of weighted features, L2-normalised. `scale` maps a feature and its
 * summed weight to what it adds (default: sublinear term frequency, log(1 + weight)).
 */
export function hashFeatures(
  weighted: Map<string, number>,
  dimensions: number,
  probes = 1,
  scale: (key: string, weight: number) => number = (_, w) => Math.log1p(w),
): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const [key, weight] of weighted) {
    const value = scale(key, weight);
    if (value === 0) continue;
    for (let p = 0; p < probes; p++) {
      const h = hash(key, 0x9e3779b9 + p * 0x632be5ab);
      const sign = h & 0x80000000 ? -1 : 1;
      vector[h % dimensions] += sign * value;
    }
  }
  return normalise(vector);
}

/** Scales `vector` to unit length in place (a zero vector stays zero). */
export function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i] * vector[i];
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

/** The offline embedding of `text` under `config`. */
export function embedWith(text: string, config: OfflineConfig = V2_CONFIG): Float32Array {
  return hashFeatures(features(text, config), config.dimensions, config.probes);
}

/** The built-in model's embedding (OFFLINE_MODEL), optionally into another number of dimensions. */
export function embedOffline(text: string, dimensions = OFFLINE_DIMENSIONS): Float32Array {
  return embedWith(text, dimensions === V2_CONFIG.dimensions ? V2_CONFIG : { ...V2_CONFIG, dimensions });
}

/**
 * The built-in embedder: deterministic, nothing to download, no network. An older offline model
 * can be named (for upgrade tests and benchmarks); only the current one computes on the
 * scheduler's workers, whose `embed` handler is OFFLINE_MODEL's.
 */
export function createOfflineEmbedder(model = OFFLINE_MODEL): Embedder {
  const config = OFFLINE_CONFIGS[model];
  if (!config) throw new Error(`Unknown offline embedding model ${model}`);
  return {
    model,
    dimensions: config.dimensions,
    cpuHandler: model === OFFLINE_MODEL ? 'embed' : undefined,
    embed: async (texts) => texts.map((t) => embedWith(t, config)),
  };
}
