/** Word handling for the offline model: stop words and the Porter stemmer. */
import { stemmer } from 'stemmer';

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its ' +
    'me my no not of on or our please should so tell than that the their them then there these they this those to ' +
    'us was we were what when where which who whom why will with would you your about explain describe give show much many ' +
    'each every any some all get gets got also just'
  ).split(' '),
);

/**
 * Porter's stemmer, so that a question's "leave" meets a document's "leaves" (and "close" meets
 * "closes", "change" meets "changed"): a suffix-stripper that handled each ending on its own turned
 * "leaves" into "leav" and left "leave" alone, and the word the question hinged on then counted
 * as missing from the very passage that answered it.
 */
const stemOf = (word: string): string => (/^\p{N}+$/u.test(word) ? word : stemmer(word));

/**
 * Stems already made, because stemming is most of what reading a text costs (the rerank stage
 * reads some 5,000 words a question) and a corpus repeats its words. Emptied when full, which
 * keeps it bounded at a few MiB.
 */
const STEMS = new Map<string, string>();
const STEMS_KEPT = 50_000;

function stem(word: string): string {
  let stemmed = STEMS.get(word);
  if (stemmed === undefined) {
    stemmed = stemOf(word);
    if (STEMS.size >= STEMS_KEPT) STEMS.clear();
    STEMS.set(word, stemmed);
  }
  return stemmed;
}

/** Words that after "how" only ask for a measure ("how long", "how often"): an answer rarely repeats them. */
const HOW_MEASURES = new Set([
  'long',
  'often',
  'far',
  'old',
  'big',
  'large',
  'soon',
  'late',
  'early',
  'fast',
  'quickly',
  'high',
  'deep',
  'tall',
  'wide',
  'heavy',
  'hot',
  'cold',
]);

export function contentTerms(text: string): string[] {
  const out: string[] = [];
  let previous = '';
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const measure = previous === 'how' && HOW_MEASURES.has(raw);
    previous = raw;
    if (measure || STOP_WORDS.has(raw) || (raw.length < 2 && !/\d/.test(raw))) continue;
    out.push(stem(raw));
  }
  return out;
}
