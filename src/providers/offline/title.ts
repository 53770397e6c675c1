const FILLER =
  /^(?:(?:hi|hello|hey)\b[,!.\s]*|please\s+|(?:can|could|would|will)\s+you\s+(?:please\s+)?|i\s+(?:want|need|would\s+like)\s+(?:you\s+)?to\s+|help\s+me\s+(?:to\s+)?)/i;
const MAX_WORDS = 8;
const MAX_CHARS = 60;

/**
 * A conversation title from the first user message, without a model: the first sentence, minus
 * markup and polite filler, cut at a word boundary. Deterministic.
 */
export function heuristicTitle(firstUserMessage: string): string {
  let text = firstUserMessage
    .replace(/```[\s\S]*?(```|$)/g, ' ')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/[#*_>~[\]()|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(FILLER, '');
  }
  text = text.split(/(?<=[.!?])\s/)[0] ?? '';
  const words = text
    .replace(/[.!?,;:\s]+$/, '')
    .split(' ')
    .filter(Boolean)
    .slice(0, MAX_WORDS);
  let title = '';
  for (const w of words) {
    if ((title + ' ' + w).trim().length > MAX_CHARS) break;
    title = (title + ' ' + w).trim();
  }
  if (!title) return 'New conversation';
  return title[0].toUpperCase() + title.slice(1);
}
