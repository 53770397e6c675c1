import { Marked } from '/vendor/marked.js';
import { h } from './dom.js';
import { highlightInto, languageName } from './highlight.js';
import { sanitizeToFragment } from './sanitize.js';

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Raw HTML in model output is shown as text: a model has no business writing markup into the page. */
const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
  },
});

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
  setTimeout(() => (button.textContent = 'Copy'), 1500);
}

function decorateCode(code, highlight) {
  const pre = code.parentElement;
  const lang = /(?:^|\s)language-(\S+)/.exec(code.className)?.[1] ?? '';
  const copy = h('button', { type: 'button', class: 'copy', 'aria-label': 'Copy code', text: 'Copy' });
  copy.addEventListener('click', () => copyText(code.textContent, copy));
  pre.prepend(h('div', { class: 'code-head' }, h('span', { text: languageName(lang) || 'text' }), copy));
  if (highlight && lang) highlightInto(code, lang);
}

const NOT_CITABLE = new Set(['CODE', 'PRE', 'A', 'BUTTON']);

/** Turns `[n]` in prose into a button that opens source n, when the turn has a source n. */
function linkCitations(root, citations) {
  if (!citations?.length) return;
  const byN = new Map(citations.map((c) => [c.n, c]));
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => {
      for (let p = node.parentNode; p && p !== root; p = p.parentNode) if (NOT_CITABLE.has(p.nodeName)) return NodeFilter.FILTER_REJECT;
      return /\[\d{1,3}\]/.test(node.data) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP;
    },
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const parts = node.data.split(/(\[\d{1,3}\])/);
    const out = parts.map((part) => {
      const c = byN.get(Number(/^\[(\d+)\]$/.exec(part)?.[1]));
      if (!c) return part;
      const label = `Source ${c.n}: ${c.documentName}${c.page ? `, page ${c.page}` : ''}`;
      return h('button', {
        type: 'button',
        class: 'cite',
        dataset: { n: String(c.n) },
        'aria-label': label,
        title: label,
        text: String(c.n),
      });
    });
    node.replaceWith(...out);
  }
}

/**
 * Markdown to a sanitised fragment with copyable code blocks and clickable citations.
 * `highlight: false` skips colouring (for text still streaming, which is re-rendered each frame).
 */
export function renderMarkdown(text, { citations, highlight = true } = {}) {
  const fragment = sanitizeToFragment(marked.parse(text));
  for (const code of fragment.querySelectorAll('pre > code')) decorateCode(code, highlight);
  linkCitations(fragment, citations);
  return fragment;
}
