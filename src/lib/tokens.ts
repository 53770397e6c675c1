import { countTokens } from './o200k';

/**
 * Token counting with o200k_base. Counts are approximations for non-OpenAI models, good enough to
 * reserve rate-limit budget and trim context; the provider's reported usage settles the books.
 */

/** Framing tokens per chat message and per reply, as OpenAI's chat format spends them. */
const PER_MESSAGE = 3;
const PER_REPLY = 3;
/** Long strings (documents, long histories) come back on every turn; remember their counts. */
const CACHE_MIN_LENGTH = 256;
const CACHE_MAX_ENTRIES = 2048;
const cache = new Map<string, number>();

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length < CACHE_MIN_LENGTH) return countTokens(text);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const n = countTokens(text);
  if (cache.size >= CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
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
