/**
 * Finds what an answer quotes from each cited passage, so a citation can point at the quoted
 * sentences rather than its whole chunk. Works for any model: a sentence, table or code block
 * that stands before a `[n]` marker and occurs in passage n (whitespace aside) is a quote.
 */
import type { Citation } from '../plugins/citation';
import { segment } from '../providers/offline/segment';

/** Shorter claims match by accident ("Yes", "See below"). */
const MIN_QUOTE = 12;

interface Normalised {
  text: string;
  /** Index in the original text of each character of `text`. */
  at: number[];
}

/** Whitespace runs as one space, with a map back to the original offsets. */
function normalise(text: string): Normalised {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (/\s/.test(text[i])) {
      if (out.length === 0 || out.endsWith(' ')) continue;
      out += ' ';
    } else out += text[i];
    at.push(i);
  }
  return { text: out, at };
}

/** The claim segments before each `[n]`, back to the previous marker. */
function claimsFor(answer: string, n: number): string[] {
  const out: string[] = [];
  for (const m of answer.matchAll(new RegExp(`\\[${n}\\]`, 'g'))) {
    const before = answer.slice(0, m.index);
    const from = before.search(/\[\d+\][^[]*$/);
    const region = from < 0 ? before : before.slice(before.indexOf(']', from) + 1);
    for (const s of segment(region)) if (s.kind !== 'heading') out.push(s.text.replace(/^[\s.!?,;:]+|[\s,;:]+$/g, ''));
  }
  return out.filter((c) => c.length >= MIN_QUOTE);
}

/** Document offsets of each claim found in the citation's passage, in passage order, without overlaps. */
function quotesIn(citation: Citation, claims: string[]): { start: number; end: number }[] {
  const passage = normalise(citation.text);
  const found: [number, number][] = [];
  for (const claim of claims) {
    const needle = normalise(claim).text;
    const i = passage.text.indexOf(needle);
    if (i < 0) continue;
    let j = i + needle.length;
    while (j < passage.text.length && /[.!?]/.test(passage.text[j])) j++;
    found.push([passage.at[i], passage.at[j - 1] + 1]);
  }
  found.sort((a, b) => a[0] - b[0]);
  return found
    .filter((r, k) => k === 0 || r[0] >= found[k - 1][1])
    .map(([a, b]) => ({ start: citation.start + a, end: citation.start + b }));
}

/** The last heading of the passage at or before `offset` (passage-relative), without its `#` marks. */
function sectionAt(text: string, offset: number): string | null {
  let heading: string | null = null;
  for (const s of segment(text)) {
    if (s.start > offset) break;
    if (s.kind === 'heading') heading = s.text.replace(/^#+\s*/, '');
  }
  return heading;
}

/**
 * The citations with `cited` (the answer names `[n]`), `quotes` (document offsets of what it
 * quotes) and `section` (the heading over the quote, or over the passage, when the passage has one).
 */
export function quoteCitations(answer: string, citations: readonly Citation[]): Citation[] {
  return citations.map((c) => {
    const cited = answer.includes(`[${c.n}]`);
    const quotes = cited ? quotesIn(c, claimsFor(answer, c.n)) : [];
    return { ...c, cited, quotes, section: sectionAt(c.text, (quotes[0]?.start ?? c.start) - c.start) };
  });
}
