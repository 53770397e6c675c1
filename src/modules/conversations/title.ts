const MAX_TITLE = 60;

/**
 * A quick title from the first user message: its first sentence, trimmed at a word boundary.
 * Used until (or instead of) a model-written title.
 */
export function heuristicTitle(message: string): string {
  const text = message
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return 'New chat';
  const sentence = /^(.+?[.?!])(\s|$)/.exec(text)?.[1] ?? text;
  if (sentence.length <= MAX_TITLE) return sentence.replace(/[.!]$/, '');
  const cut = sentence.slice(0, MAX_TITLE);
  const space = cut.lastIndexOf(' ');
  return `${(space > 20 ? cut.slice(0, space) : cut).replace(/[,;:]$/, '')}…`;
}
