import type { Usage } from './types';

export interface Price {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
}

/** List prices by model-name prefix; the longest matching prefix wins, so dated snapshots match. */
const PRICES: Record<string, Price> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5': { input: 1.25, output: 10 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'o3-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  'claude-opus-4-5': { input: 5, output: 25 },
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
};
const PREFIXES = Object.keys(PRICES).sort((a, b) => b.length - a.length);
const FREE: Price = { input: 0, output: 0 };

/**
 * The list price of an upstream model by its provider's kind; local and offline models cost
 * nothing; unknown models are undefined.
 */
export function priceOf(provider: string, model: string): Price | undefined {
  if (provider === 'local' || provider === 'offline') return FREE;
  const prefix = PREFIXES.find((p) => model.startsWith(p));
  return prefix ? PRICES[prefix] : undefined;
}

/** Estimated cost in USD, or null when the model's price is unknown. */
export function estimateCostUsd(provider: string, model: string, usage: Usage): number | null {
  return costAt(priceOf(provider, model), usage);
}

/** Cost in USD of `usage` at `price`, or null without a price. */
export function costAt(price: Price | undefined, usage: Usage): number | null {
  if (!price) return null;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}
