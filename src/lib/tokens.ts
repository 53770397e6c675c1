import { countTokens } from './o200k';

/**
 * Token counting with o200k_base. Counts are approximations for non-OpenAI models, good enough to
 * reserve rate-limit budget and trim context; the provider's reported usage settles the books.
 */

/** Framing tokens per chat message and per reply, as OpenAI's chat format spends them. */
const PER_MESSAGE = 3;
const PER_REPLY = 3;
/**
 * Counts remembered by text, oldest forgotten first, bounded by entries and by the characters the
 * keys hold: a whole document read on every turn is a key of hundreds of kilobytes.
 */
export class CountCache {
  private readonly counts = new Map<string, number>();
  private chars = 0;
  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(text: string): number | undefined {
    return this.counts.get(text);
  }

  set(text: string, n: number): void {
    if (text.length > this.maxChars || this.counts.has(text)) return;
    while (this.counts.size >= this.maxEntries || this.chars + text.length > this.maxChars) {
      const oldest = this.counts.keys().next().value as string;
      this.counts.delete(oldest);
      this.chars -= oldest.length;
    }
    this.counts.set(text, n);
    this.chars += text.length;
  }

  /** Characters held by the remembered texts. */
  get size(): number {
    return this.chars;
  }
}

/** Long strings (documents, long histories) come back on every turn; remember their counts. */
const CACHE_MIN_LENGTH = 256;
const cache = new CountCache(2048, 16 * 1024 * 1024);

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < CACHE_MIN_LENGTH) return countTokens(text);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = countTokens(text);
  cache.set(text, n);
  return n;
}

export interface CountableMessage {
  role: string;
  content: string;
  name?: string;
  toolCalls?: { name: string; arguments: string }[];
}

export function countMessageTokens(messages: readonly CountableMessage[]): number {
  let total = PER_REPLY;
  for (const m of messages) {
    total += PER_MESSAGE + countTextTokens(m.content);
    if (m.name) total += countTextTokens(m.name);
    for (const call of m.toolCalls ?? []) total += PER_MESSAGE + countTextTokens(call.name) + countTextTokens(call.arguments);
  }
  return total;
}

/** Default reply length assumed when the caller sets no `max_tokens`. */
export const DEFAULT_OUTPUT_RESERVATION = 1024;

/**
 * How many output tokens to reserve before a call: the caller's cap, else a typical reply, never more
 * than the context window leaves and never less than 1.
 */
export function estimateOutputTokens(opts: { maxTokens?: number; inputTokens: number; contextWindow: number }): number {
  const room = opts.contextWindow - opts.inputTokens;
  const wanted = opts.maxTokens ?? DEFAULT_OUTPUT_RESERVATION;
  return Math.max(1, Math.min(wanted, room));
}
