import type { Embedder } from './embedder';

export const OFFLINE_MODEL = 'offline-hash-384-v1';
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

/** Weighted features: stemmed words, word pairs, and character trigrams of each word. */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const words = (text.toLowerCase().match(WORD) ?? []).filter((w) => !STOPWORDS.has(w));
  let previous = '';
  for (const word of words) {
    const stemmed = stem(word);
    addFeature(out, `w:${stemmed}`, 1);
    if (previous) addFeature(out, `b:${previous} ${stemmed}`, 0.6);
    previous = stemmed;
    const padded = `<${word}>`;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(out, `c:${padded.slice(i, i + 3)}`, 0.12);
  }
  return out;
}

/** Signed feature hashing with sublinear term frequency, L2-normalised. */
export function embedOffline(text: string, dimensions = OFFLINE_DIMENSIONS): Float32Array {
  const vector = new Float32Array(dimensions);
  for (const [key, weight] of features(text)) {
    const h = hash(key, 0x9e3779b9);
    const sign = h & 0x80000000 ? -1 : 1;
    vector[h % dimensions] += sign * Math.log1p(weight);
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += vector[i] * vector[i];
  if (norm === 0) return vector;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) vector[i] *= scale;
  return vector;
}

/** The built-in embedder: deterministic, nothing to download, no network. */
export function createOfflineEmbedder(): Embedder {
  return {
    model: OFFLINE_MODEL,
    dimensions: OFFLINE_DIMENSIONS,
    cpuHandler: 'embed',
    embed: async (texts) => texts.map((t) => embedOffline(t)),
  };
}
