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

/** Ranges of `passage` that the claim quotes; the whole passage when it quotes nothing verbatim. */
export function highlightRanges(passage, claim) {
  const ranges = [];
  for (const sentence of claim) {
    const at = passage.indexOf(sentence);
    if (at >= 0) ranges.push([at, at + sentence.length]);
  }
  if (ranges.length === 0) return [[0, passage.length]];
  ranges.sort((a, b) => a[0] - b[0]);
  return ranges.filter((r, i) => i === 0 || r[0] >= ranges[i - 1][1]);
}

/** Opens the cited passage with its document name and page, the quoted part highlighted. */
export function openCitation(citation, answerText = '') {
  $('citation-title').textContent = `[${citation.n}] ${citation.documentName}`;
  const where = [citation.page ? `Page ${citation.page}` : null, `characters ${citation.start}–${citation.end}`];
  $('citation-meta').textContent = where.filter(Boolean).join(' · ');
  const text = citation.text ?? '';
  const parts = [];
  let cursor = 0;
  for (const [from, to] of highlightRanges(text, claimFor(answerText, citation.n))) {
    if (from > cursor) parts.push(h('span', { class: 'context', text: text.slice(cursor, from) }));
    parts.push(h('mark', { text: text.slice(from, to) }));
    cursor = to;
  }
  if (cursor < text.length) parts.push(h('span', { class: 'context', text: text.slice(cursor) }));
  $('citation-passage').replaceChildren(...parts);
  $('citation-dialog').showModal();
  $('citation-passage').querySelector('mark')?.scrollIntoView({ block: 'center' });
}
