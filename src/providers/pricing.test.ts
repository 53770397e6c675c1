import { describe, expect, test } from 'bun:test';
import { estimateCostUsd, priceOf } from './pricing';

describe('pricing', () => {
  test('matches-dated-snapshots-by-the-longest-prefix', () => {
    expect(priceOf('openai', 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceOf('openai', 'gpt-4o-2024-11-20')).toEqual({ input: 2.5, output: 10 });
  });
  test('local-and-offline-are-free-and-unknown-models-have-no-price', () => {
    expect(estimateCostUsd('local', 'llama3', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
    expect(estimateCostUsd('offline', 'offline', { inputTokens: 1000, outputTokens: 1000 })).toBe(0);
    expect(estimateCostUsd('openai', 'mystery-model', { inputTokens: 1, outputTokens: 1 })).toBeNull();
  });
  test('estimates-cost-per-million-tokens', () => {
    expect(estimateCostUsd('anthropic', 'claude-sonnet-4-5', { inputTokens: 1_000_000, outputTokens: 100_000 })).toBeCloseTo(4.5, 6);
  });
});
