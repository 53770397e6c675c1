import { $, h } from './dom.js';

/** The claim an answer makes for source `n`: the sentences between the previous marker and `[n]`. */
export function claimFor(answer, n) {
  const at = answer.indexOf(`[${n}]`);
  if (at < 0) return [];
  const before = answer.slice(0, at);
  const start = Math.max(before.lastIndexOf(']') + 1, before.lastIndexOf('\n') + 1);
  return before
    .slice(start)
    .split(/(?<=[.!?])\s+/)
    .map((s) =>
      s
        .replace(/[*_`]/g, '')
        .replace(/[\s.!?]+$/, '')
        .trim(),
    )
    .filter((s) => s.length >= 12);
}

/** Ranges of `passage` that the claim quotes verbatim, in order and without overlaps. */
export function highlightRanges(passage, claim) {
  const ranges = [];
  for (const sentence of claim) {
    const at = passage.indexOf(sentence);
    if (at >= 0) ranges.push([at, at + sentence.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges.filter((r, i) => i === 0 || r[0] >= ranges[i - 1][1]);
}

/**
 * Passage-relative ranges to highlight: the quotes the server found (document offsets), or for
 * an answer stored before quotes existed, the claim's sentences found verbatim.
 */
export function quoteRanges(citation, answerText) {
  const text = citation.text ?? '';
  if (citation.quotes?.length) {
    return citation.quotes
      .map((q) => [Math.max(0, q.start - citation.start), Math.min(text.length, q.end - citation.start)])
      .filter(([a, b]) => b > a);
  }
  return highlightRanges(text, claimFor(answerText, citation.n));
}

/** Scrolls the passage box, and only it, so the first highlight sits in the middle of what is visible. */
function centreInPassage(box, mark) {
  const boxRect = box.getBoundingClientRect();
  const markRect = mark.getBoundingClientRect();
  const offset = markRect.top - boxRect.top + box.scrollTop;
  box.scrollTop = Math.max(0, offset - (box.clientHeight - Math.min(markRect.height, box.clientHeight)) / 2);
}

function where(citation, ranges) {
  const span = ranges.length
    ? `characters ${citation.start + ranges[0][0]}–${citation.start + ranges.at(-1)[1]}`
    : `characters ${citation.start}–${citation.end}`;
  return [citation.section ?? null, citation.page ? `Page ${citation.page}` : null, span].filter(Boolean).join(' · ');
}

/** Opens the cited passage with its document name, section and page, the quoted part highlighted and scrolled into view. */
export function openCitation(citation, answerText = '') {
  $('citation-title').textContent = `[${citation.n}] ${citation.documentName}`;
  const text = citation.text ?? '';
  const ranges = quoteRanges(citation, answerText);
  $('citation-meta').textContent = where(citation, ranges);
  const parts = [];
  let cursor = 0;
  for (const [from, to] of ranges) {
    if (from > cursor) parts.push(h('span', { class: 'context', text: text.slice(cursor, from) }));
    parts.push(h('mark', { text: text.slice(from, to) }));
    cursor = to;
  }
  if (cursor < text.length) parts.push(h('span', { class: ranges.length ? 'context' : null, text: text.slice(cursor) }));
  const box = $('citation-passage');
  box.replaceChildren(...parts);
  box.scrollTop = 0;
  $('citation-dialog').showModal();
  const mark = box.querySelector('mark');
  if (mark) centreInPassage(box, mark);
}

function sourceLabel(group) {
  const first = group[0];
  const sections = [...new Set(group.map((c) => c.section).filter(Boolean))];
  const pages = [...new Set(group.map((c) => c.page).filter(Boolean))];
  return [first.documentName, sections.join(', ') || null, pages.length ? `page ${pages.join(', ')}` : null].filter(Boolean).join(' — ');
}

function byDocument(citations) {
  const groups = new Map();
  for (const c of citations) groups.set(c.documentId, [...(groups.get(c.documentId) ?? []), c]);
  return [...groups.values()];
}

function sourceItem(group, open) {
  return h(
    'li',
    {},
    h('button', { type: 'button', class: 'source', text: sourceLabel(group), on: { click: () => open(group[0]) } }),
    h('span', { class: 'muted small', text: ` ${group.map((c) => `[${c.n}]`).join(' ')}` }),
  );
}

/**
 * The Sources of an answer: each cited document once, with section and page, and the passages
 * retrieved but not cited folded under "also retrieved". Until the answer is complete nothing
 * says what it cites, so every retrieved document is listed.
 */
export function sourcesList(citations, open) {
  if (!citations.length) return [];
  const known = citations.some((c) => c.cited !== undefined);
  const cited = known ? citations.filter((c) => c.cited) : citations;
  const citedDocs = new Set(cited.map((c) => c.documentId));
  const rest = known ? citations.filter((c) => !c.cited && !citedDocs.has(c.documentId)) : [];
  const out = [];
  if (cited.length)
    out.push(
      h('span', { class: 'muted', text: 'Sources' }),
      h(
        'ul',
        { class: 'cited' },
        byDocument(cited).map((g) => sourceItem(g, open)),
      ),
    );
  if (rest.length) {
    const groups = byDocument(rest);
    out.push(
      h(
        'details',
        { class: 'also-retrieved' },
        h('summary', { class: 'muted', text: `Also retrieved (${groups.length})` }),
        h(
          'ul',
          {},
          groups.map((g) => sourceItem(g, open)),
        ),
      ),
    );
  }
  return out;
}
