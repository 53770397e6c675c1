import { parse } from 'node-html-parser';

const NON_CONTENT = 'script,style,noscript,template,svg,iframe,object,canvas,head';

/** Readable text of a whole page: scripts, styles and other non-content removed, block structure kept as lines. */
export function htmlToText(html: string): { title: string; text: string } {
  const root = parse(html, { comment: false });
  const title = root.querySelector('title')?.text.trim() ?? '';
  for (const node of root.querySelectorAll(NON_CONTENT)) node.remove();
  const body = root.querySelector('body') ?? root;
  const text = body.structuredText
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
  return { title, text };
}

/** Plain text of a snippet that may carry inline markup and entities (`<strong>`, `&amp;`). */
export function inlineText(fragment: string): string {
  return parse(fragment).text.replace(/\s+/g, ' ').trim();
}
