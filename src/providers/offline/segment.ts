/**
 * Structure-aware segmentation of a passage into the units an answer may quote: sentences of
 * (hard-wrapped) paragraphs and list items, headings, and tables and code blocks as whole units.
 * Offsets are into the passage text, so a quote can be highlighted where it stands.
 */

export type SegmentKind = 'sentence' | 'heading' | 'table' | 'code';

export interface Segment {
  kind: SegmentKind;
  start: number;
  end: number;
  /** Prose with its line breaks and runs of spaces collapsed; tables and code verbatim. */
  text: string;
  /** A table or code block cut off by the passage's edge: it may not be quoted, since only part of it is here. */
  partial: boolean;
}

interface Line {
  start: number;
  end: number;
  text: string;
}

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}#{1,6}\s+\S/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_DELIMITER = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d{1,3}[.)])\s+/;
/** Abbreviations after which ICU's sentence rules wrongly end a sentence. */
const ABBREVIATION = /\b(Dr|Mr|Mrs|Ms|Prof|St|Fig|No|vs|approx|cf)\.\s*$/;

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function linesOf(text: string): Line[] {
  const out: Line[] = [];
  let pos = 0;
  for (const line of text.split('\n')) {
    out.push({ start: pos, end: pos + line.length, text: line });
    pos += line.length + 1;
  }
  return out;
}

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/** Sentences of one paragraph or list item; line breaks inside it are only wrapping. */
function sentencesIn(text: string, start: number, end: number): Segment[] {
  const slice = text.slice(start, end).replace(/\n/g, ' ');
  const spans: [number, number][] = [];
  for (const { index, segment } of sentenceSegmenter.segment(slice)) {
    const prev = spans.at(-1);
    if (prev && ABBREVIATION.test(slice.slice(prev[0], prev[1]))) prev[1] = index + segment.length;
    else spans.push([index, index + segment.length]);
  }
  const out: Segment[] = [];
  for (let [a, b] of spans) {
    while (a < b && /\s/.test(slice[a])) a++;
    while (b > a && /\s/.test(slice[b - 1])) b--;
    if (b > a && /[\p{L}\p{N}]/u.test(slice.slice(a, b)))
      out.push({ kind: 'sentence', start: start + a, end: start + b, text: collapse(slice.slice(a, b)), partial: false });
  }
  return out;
}

function block(text: string, kind: 'table' | 'code', from: Line, to: Line, partial: boolean): Segment {
  return { kind, start: from.start, end: to.end, text: text.slice(from.start, to.end), partial };
}

/** The end index (exclusive) of the fenced block opening at `i`, and whether its closing fence is here. */
function fenceEnd(lines: Line[], i: number): { next: number; closed: boolean } {
  const marker = FENCE.exec(lines[i].text)?.[1] ?? '```';
  for (let j = i + 1; j < lines.length; j++) if (lines[j].text.trim().startsWith(marker)) return { next: j + 1, closed: true };
  return { next: lines.length, closed: false };
}

/**
 * Segments of `text` in reading order. A table is whole when its header and delimiter rows are
 * both present, a code block when both of its fences are.
 */
export function segment(text: string): Segment[] {
  const lines = linesOf(text);
  const out: Segment[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.text.trim() === '') {
      i++;
    } else if (FENCE.test(line.text)) {
      const { next, closed } = fenceEnd(lines, i);
      out.push(block(text, 'code', line, lines[next - 1], !closed));
      i = next;
    } else if (TABLE_ROW.test(line.text)) {
      let j = i;
      while (j < lines.length && TABLE_ROW.test(lines[j].text)) j++;
      const headed = j - i >= 2 && TABLE_DELIMITER.test(lines[i + 1].text);
      out.push(block(text, 'table', line, lines[j - 1], !headed));
      i = j;
    } else if (HEADING.test(line.text)) {
      out.push({ kind: 'heading', start: line.start, end: line.end, text: collapse(line.text), partial: false });
      i++;
    } else {
      // A paragraph or a list item with its wrapped continuation lines.
      let j = i + 1;
      while (j < lines.length && !startsBlock(lines[j].text) && !LIST_ITEM.test(lines[j].text)) j++;
      const bodyStart = line.start + (LIST_ITEM.exec(line.text)?.[0].length ?? 0);
      out.push(...sentencesIn(text, bodyStart, lines[j - 1].end));
      i = j;
    }
  }
  return out;
}

function startsBlock(line: string): boolean {
  return line.trim() === '' || FENCE.test(line) || HEADING.test(line) || TABLE_ROW.test(line);
}
