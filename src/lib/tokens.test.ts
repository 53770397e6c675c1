import { describe, expect, test } from 'bun:test';
import { countTokens as o200kTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { CountCache, countMessageTokens, countTextTokens, estimateOutputTokens } from './tokens';

describe('tokens', () => {
  test('counts-o200k-tokens', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('hello world')).toBe(2);
  });
  test('gives-the-true-count-for-a-long-text-counted-twice', () => {
    const long = 'Retrieval augmented generation grounds answers in documents. '.repeat(200);
    const sameLength = `${long.slice(0, -200)}${'7'.repeat(200)}`;
    const first = countTextTokens(long);
    expect(first).toBeGreaterThan(1000);
    expect(first).toBe(o200kTokens(long));
    expect(countTextTokens(long)).toBe(first);
    expect(countTextTokens(sameLength)).toBe(o200kTokens(sameLength));
    expect(countTextTokens(sameLength)).not.toBe(first);
  });
  test('remembered-counts-stay-within-their-character-budget-oldest-forgotten-first', () => {
    const cache = new CountCache(10, 100);
    cache.set('a'.repeat(40), 1);
    cache.set('b'.repeat(40), 2);
    expect(cache.size).toBe(80);
    cache.set('c'.repeat(40), 3);
    expect(cache.size).toBe(80);
    expect(cache.get('a'.repeat(40))).toBeUndefined();
    expect([cache.get('b'.repeat(40)), cache.get('c'.repeat(40))]).toEqual([2, 3]);
    // A text larger than the whole budget is never kept, and evicts nothing.
    cache.set('d'.repeat(101), 4);
    expect([cache.get('d'.repeat(101)), cache.size]).toEqual([undefined, 80]);
    const few = new CountCache(2, 1000);
    for (const t of ['x', 'y', 'z']) few.set(t, 1);
    expect([few.get('x'), few.get('z'), few.size]).toEqual([undefined, 1, 2]);
  });
  test('adds-framing-per-message-and-counts-tool-calls', () => {
    const plain = countMessageTokens([{ role: 'user', content: 'hello world' }]);
    expect(plain).toBe(2 + 3 + 3);
    const withCall = countMessageTokens([{ role: 'assistant', content: '', toolCalls: [{ name: 'search', arguments: '{"q":"x"}' }] }]);
    expect(withCall).toBeGreaterThan(6);
  });
  test('reserves-the-cap-or-a-default-within-the-window-and-at-least-one', () => {
    expect(estimateOutputTokens({ maxTokens: 500, inputTokens: 100, contextWindow: 8192 })).toBe(500);
    expect(estimateOutputTokens({ inputTokens: 100, contextWindow: 8192 })).toBe(1024);
    expect(estimateOutputTokens({ inputTokens: 8000, contextWindow: 8192 })).toBe(192);
    expect(estimateOutputTokens({ inputTokens: 9000, contextWindow: 8192 })).toBe(1);
  });
});
