/** Word handling for the offline model: stop words and a light stemmer. */

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its ' +
    'me my no not of on or our please should so tell than that the their them then there these they this those to ' +
    'us was we were what when where which who whom why will with would you your about explain describe give show much many ' +
    'each every any some all get gets got also just'
  ).split(' '),
);

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('es') && !word.endsWith('ses')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
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
