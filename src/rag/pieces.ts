import { countTokens } from '../lib/o200k';
import type { DocumentKind } from './sniff';

/** The smallest span the chunker packs; chunks start and end on piece edges. */
export interface Piece {
  start: number;
  end: number;
  tokens: number;
  /** A heading or a new page: a chunk should start here once the current one is big enough. */
  section: boolean;
  /** First piece of a paragraph: the preferred place to cut an overflowing chunk. */
  paragraph: boolean;
}

interface Block {
  start: number;
  end: number;
  heading: boolean;
  verbatim: boolean;
}

const HEADING = /^#{1,6} \S/;
const FENCE = /^\s*(```|~~~)/;

/** Headings, fenced code and blank-line separated paragraphs, with offsets into `text`. */
function blocks(text: string): Block[] {
  const out: Block[] = [];
  let para: Block | null = null;
  let fence: Block | null = null;
  let pos = 0;
  for (const line of text.split('\n')) {
    const lineStart = pos;
    const lineEnd = pos + line.length;
    pos = lineEnd + 1;
    if (fence) {
      fence.end = lineEnd;
      if (FENCE.test(line)) fence = null;
      continue;
    }
    const blank = line.trim() === '';
    if (para && (blank || HEADING.test(line) || FENCE.test(line))) para = null;
    if (blank) continue;
    if (HEADING.test(line)) out.push({ start: lineStart, end: lineEnd, heading: true, verbatim: false });
    else if (FENCE.test(line)) out.push((fence = { start: lineStart, end: lineEnd, heading: false, verbatim: true }));
    else if (para) para.end = lineEnd;
    else out.push((para = { start: lineStart, end: lineEnd, heading: false, verbatim: false }));
  }
  return out;
}

const SENTENCE_END = /[.!?]+["')\]]*(?=\s)|\n/g;
const LINE_END = /\n/g;

/** Splits [start, end) after each match of `ends`, trimming leading whitespace off each part. */
function splitAt(text: string, start: number, end: number, ends: RegExp): [number, number][] {
  const parts: [number, number][] = [];
  const slice = text.slice(start, end);
  let from = 0;
  for (const m of slice.matchAll(ends)) {
    const to = m.index + m[0].length;
    parts.push([from, to]);
    from = to;
  }
  parts.push([from, slice.length]);
  return parts
    .map(([a, b]): [number, number] => {
      while (a < b && /\s/.test(slice[a])) a++;
      while (b > a && /\s/.test(slice[b - 1])) b--;
      return [start + a, start + b];
    })
    .filter(([a, b]) => b > a);
}

/** Cuts a span too big for one chunk into words, and a word too big into fixed windows. */
function splitOversized(text: string, start: number, end: number, maxTokens: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of splitAt(text, start, end, /\s+/g)) {
    const window = maxTokens * 2;
    for (let s = a; s < b; s += window) out.push([s, Math.min(b, s + window)]);
  }
  return out;
}

const LINE_KINDS = new Set<DocumentKind>(['code', 'csv', 'json']);

export function pieces(text: string, kind: DocumentKind, pageStarts: number[], maxTokens: number): Piece[] {
  const out: Piece[] = [];
  for (const block of blocks(text)) {
    const byLine = block.verbatim || LINE_KINDS.has(kind);
    const spans = block.heading
      ? [[block.start, block.end] as [number, number]]
      : splitAt(text, block.start, block.end, byLine ? LINE_END : SENTENCE_END);
    let first = true;
    for (const [a, b] of spans) {
      const tokens = countTokens(text.slice(a, b));
      const parts = tokens > maxTokens ? splitOversized(text, a, b, maxTokens) : [[a, b] as [number, number]];
      for (const [s, e] of parts) {
        const t = parts.length === 1 ? tokens : countTokens(text.slice(s, e));
        const section = first && block.heading;
        out.push({ start: s, end: e, tokens: t, section, paragraph: first });
        first = false;
      }
    }
  }
  markPageStarts(out, pageStarts);
  return out;
}

/** A page that begins mid-paragraph still starts a section at its first piece. */
function markPageStarts(list: Piece[], pageStarts: number[]): void {
  let i = 0;
  for (const start of pageStarts) {
    while (i < list.length && list[i].start < start) i++;
    if (i < list.length) list[i].section = true;
  }
}
