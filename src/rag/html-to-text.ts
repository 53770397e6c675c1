import { HTMLElement, type Node, NodeType, parse } from 'node-html-parser';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'head', 'nav', 'form']);
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'figure',
  'figcaption',
  'table',
  'thead',
  'tbody',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'address',
  'details',
  'summary',
]);

/**
 * Turns HTML into Markdown-flavoured text: headings become `#` lines, list items `- ` lines,
 * `<pre>` a fenced block, so the chunker sees the same structure it sees in Markdown.
 */
export function htmlToText(html: string): string {
  const root = parse(html, { comment: false, blockTextElements: { pre: true, script: false, style: false } });
  const out: string[] = [];
  const title = root.querySelector('title')?.text.trim();
  if (title && !root.querySelector('h1')) out.push(`# ${collapse(title)}\n\n`);
  walk(root, out);
  return out
    .join('')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const collapse = (s: string) => s.replace(/\s+/g, ' ');

function walk(node: Node, out: string[]): void {
  if (node.nodeType === NodeType.TEXT_NODE) {
    out.push(collapse(node.text));
    return;
  }
  if (!(node instanceof HTMLElement)) return;
  const tag = node.rawTagName?.toLowerCase() ?? '';
  if (SKIP.has(tag)) return;
  if (/^h[1-6]$/.test(tag)) {
    out.push(`\n\n${'#'.repeat(Number(tag[1]))} ${collapse(node.text).trim()}\n\n`);
    return;
  }
  if (tag === 'pre') {
    out.push(`\n\n\`\`\`\n${node.text.replace(/^\n|\n$/g, '')}\n\`\`\`\n\n`);
    return;
  }
  if (tag === 'br') return void out.push('\n');
  if (tag === 'li') out.push('\n- ');
  else if (tag === 'tr') out.push('\n');
  else if (tag === 'td' || tag === 'th') out.push(' | ');
  else if (BLOCK.has(tag)) out.push('\n\n');
  for (const child of node.childNodes) walk(child, out);
  if (BLOCK.has(tag)) out.push('\n\n');
}
