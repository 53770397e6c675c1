import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Counts o200k_base tokens (the encoding of OpenAI's current models) the way tiktoken does: the
 * text is split by the encoding's pattern, and each piece that is not a token itself is merged
 * byte pair by byte pair, lowest rank first. gpt-tokenizer, which ships the ranks, holds its
 * 200,000 tokens as strings in a Map plus a cache of up to 100,000 merges, 70–90 MiB in each thread
 * that loads it and growing with every new word it meets; here the ranks live in two typed arrays
 * (about 6 MiB), read once from the package's `.tiktoken` file on first use, and nothing is cached.
 * Special tokens such as `<|endoftext|>` count as the plain text they are (gpt-tokenizer throws).
 */

const RANKS_FILE = fileURLToPath(import.meta.resolve('gpt-tokenizer/data/o200k_base.tiktoken'));

/** gpt-tokenizer's O200K_TOKEN_SPLIT_PATTERN, itself tiktoken's. */
const CONTRACTION = "(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?";
const SPLIT = new RegExp(
  [
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+${CONTRACTION}`,
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*${CONTRACTION}`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join('|'),
  'gu',
);

interface Ranks {
  /** Every token's bytes, one after the other in rank order. */
  bytes: Uint8Array;
  /** Token `r` is `bytes[start[r] .. start[r + 1])`. */
  start: Uint32Array;
  /** Open addressing on the bytes' hash: rank + 1, 0 for a free slot. */
  slots: Int32Array;
}

let ranks: Ranks | undefined;

function hash(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

const BASE64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const PAD = 0x3d;

/**
 * Reads `<base64 token> <rank>` lines, ranks counting up from 0, straight into the arrays: no
 * string per token, so loading peaks at a few MiB instead of the hundred a split would take.
 */
function load(): Ranks {
  const file = readFileSync(RANKS_FILE);
  let count = 0;
  let total = 0;
  for (let i = 0; i < file.length; ) {
    const space = file.indexOf(SPACE, i);
    if (space < 0) break;
    let chars = space - i;
    while (chars > 0 && file[i + chars - 1] === PAD) chars--;
    total += Math.floor((chars * 3) / 4);
    count++;
    const end = file.indexOf(NEWLINE, space);
    i = end < 0 ? file.length : end + 1;
  }
  const bytes = new Uint8Array(total);
  const start = new Uint32Array(count + 1);
  let size = 1;
  while (size < count * 2) size <<= 1;
  const slots = new Int32Array(size);
  let at = 0;
  let rank = 0;
  for (let i = 0; i < file.length; ) {
    const space = file.indexOf(SPACE, i);
    if (space < 0) break;
    const end = file.indexOf(NEWLINE, space);
    const next = end < 0 ? file.length : end;
    if (Number(file.toString('latin1', space + 1, next)) !== rank) throw new Error(`${RANKS_FILE}: rank ${rank} is not where it should be`);
    start[rank] = at;
    let bits = 0;
    let held = 0;
    for (let c = i; c < space && file[c] !== PAD; c++) {
      const v = BASE64[file[c]!]!;
      if (v < 0) throw new Error(`${RANKS_FILE}: line ${rank + 1} is not base64`);
      bits = (bits << 6) | v;
      held += 6;
      if (held >= 8) {
        held -= 8;
        bytes[at++] = (bits >> held) & 0xff;
      }
    }
    let slot = hash(bytes, start[rank]!, at) & (size - 1);
    while (slots[slot] !== 0) slot = (slot + 1) & (size - 1);
    slots[slot] = rank + 1;
    rank++;
    i = next + 1;
  }
  start[count] = at;
  return { bytes, start, slots };
}

/** The rank of `piece[from .. to)`, or Infinity when those bytes are no token. */
function rankOf(r: Ranks, piece: Uint8Array, from: number, to: number): number {
  const mask = r.slots.length - 1;
  for (let slot = hash(piece, from, to) & mask; ; slot = (slot + 1) & mask) {
    const entry = r.slots[slot]!;
    if (entry === 0) return Number.POSITIVE_INFINITY;
    const rank = entry - 1;
    const s = r.start[rank]!;
    if (r.start[rank + 1]! - s !== to - from) continue;
    let same = true;
    for (let i = 0; i < to - from; i++) {
      if (r.bytes[s + i] !== piece[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return rank;
  }
}

/** Tokens in one piece of `length` bytes that is not a token itself: tiktoken's byte-pair merge. */
function mergedCount(r: Ranks, piece: Uint8Array, length: number): number {
  // parts[i] is where the i-th part starts; pairRank[i] the rank of parts i and i + 1 together.
  const parts: number[] = [];
  const pairRank: number[] = [];
  for (let i = 0; i <= length; i++) {
    parts.push(i);
    pairRank.push(i < length - 1 ? rankOf(r, piece, i, i + 2) : Number.POSITIVE_INFINITY);
  }
  const rankAt = (i: number) => (i + 2 < parts.length ? rankOf(r, piece, parts[i]!, parts[i + 2]!) : Number.POSITIVE_INFINITY);
  while (parts.length > 1) {
    let lowest = Number.POSITIVE_INFINITY;
    let at = -1;
    for (let i = 0; i < pairRank.length - 1; i++) {
      if (pairRank[i]! < lowest) {
        lowest = pairRank[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    parts.splice(at + 1, 1);
    pairRank.splice(at, 1);
    pairRank[at] = rankAt(at);
    if (at > 0) pairRank[at - 1] = rankAt(at - 1);
  }
  return parts.length - 1;
}

const encoder = new TextEncoder();
let buffer = new Uint8Array(1024);

/** The number of o200k_base tokens in `text`. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  ranks ??= load();
  let count = 0;
  for (const [piece] of text.matchAll(SPLIT)) {
    if (buffer.length < piece.length * 3) buffer = new Uint8Array(piece.length * 3);
    const { written } = encoder.encodeInto(piece, buffer);
    if (rankOf(ranks, buffer, 0, written) !== Number.POSITIVE_INFINITY) count++;
    else count += mergedCount(ranks, buffer, written);
  }
  return count;
}
