import { countTokens } from '../lib/o200k';
import { type PageSpan, pageAt } from './extract';
import { type Piece, pieces } from './pieces';
import type { DocumentKind } from './sniff';

export interface ChunkOptions {
  /** Upper bound of a chunk in o200k tokens (a final tiny chunk may push one chunk past it). */
  maxTokens?: number;
  /** Tokens repeated from the end of a chunk at the start of the next one within a section. */
  overlapTokens?: number;
  /** Chunks smaller than this are merged into a neighbour; headings only cut chunks this big. */
  minTokens?: number;
}

export interface TextChunk {
  ordinal: number;
  /** Always `text.slice(start, end)` of the extracted text. */
  text: string;
  start: number;
  end: number;
  page: number | null;
  tokenCount: number;
}

export interface ChunkInput {
  text: string;
  kind?: DocumentKind;
  pages?: PageSpan[];
}

export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { maxTokens: 256, overlapTokens: 40, minTokens: 48 };

const sum = (list: Piece[]) => list.reduce((n, p) => n + p.tokens, 0);

/** The trailing pieces of a chunk that fit in the overlap budget. */
function overlapTail(list: Piece[], budget: number): Piece[] {
  let i = list.length;
  let total = 0;
  while (i > 0 && total + list[i - 1].tokens <= budget) total += list[--i].tokens;
  return i === list.length ? [] : list.slice(i);
}

/** Where to cut an overflowing chunk: the last paragraph start past its first half, else its end. */
function cutPoint(cur: Piece[], maxTokens: number, carried: number): number {
  let before = 0;
  let best = cur.length;
  for (let i = 0; i < cur.length; i++) {
    if (i > carried && cur[i].paragraph && before >= maxTokens / 2) best = i;
    before += cur[i].tokens;
  }
  return best;
}

/** Groups pieces into chunks; `carried` counts the leading pieces already emitted as overlap. */
function pack(list: Piece[], o: Required<ChunkOptions>): Piece[][] {
  const groups: Piece[][] = [];
  let cur: Piece[] = [];
  let carried = 0;
  for (const piece of list) {
    if (piece.section && (cur.length === carried || sum(cur) >= o.minTokens)) {
      if (cur.length > carried) groups.push(cur);
      cur = [];
      carried = 0;
    }
    while (cur.length > carried && sum(cur) + piece.tokens > o.maxTokens) {
      const cut = cutPoint(cur, o.maxTokens, carried);
      const emitted = cur.slice(0, cut);
      groups.push(emitted);
      const tail = overlapTail(emitted, o.overlapTokens);
      cur = [...tail, ...cur.slice(cut)];
      carried = tail.length;
    }
    while (carried > 0 && sum(cur) + piece.tokens > o.maxTokens) {
      cur.shift();
      carried--;
    }
    cur.push(piece);
  }
  if (cur.length > carried) groups.push(cur);
  return mergeTinyTail(groups, o.minTokens);
}

function mergeTinyTail(groups: Piece[][], minTokens: number): Piece[][] {
  const last = groups.at(-1);
  if (groups.length < 2 || !last || sum(last) >= minTokens) return groups;
  const prev = groups[groups.length - 2];
  const extra = last.filter((p) => p.start >= prev.at(-1)!.end);
  return [...groups.slice(0, -2), [...prev, ...extra]];
}

/**
 * Structure-aware, token-sized chunks: headings and pages start new chunks, overflowing chunks
 * are cut at paragraph starts when one is near, neighbours share an overlap, tiny tails merge.
 */
export function chunkText(input: ChunkInput, options: ChunkOptions = {}): TextChunk[] {
  const o = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  const pages = input.pages ?? [];
  const list = pieces(
    input.text,
    input.kind ?? 'text',
    pages.map((p) => p.start),
    o.maxTokens,
  );
  return pack(list, o).map((group, ordinal) => {
    const start = group[0].start;
    const end = group.at(-1)!.end;
    const text = input.text.slice(start, end);
    return { ordinal, text, start, end, page: pageAt(pages, start), tokenCount: countTokens(text) };
  });
}
