import { describe, expect, test } from 'bun:test';
import { poolBm25, rerankOffline } from './offline-rerank';

describe('offline rerank', () => {
  test('pool-bm25-weights-rare-words-over-common-ones-and-saturates-repeats', () => {
    const texts = ['the lighthouse lamp burned oil', 'oil prices rose', 'oil oil oil oil oil oil', 'a lighthouse keeper'];
    const [lamp, prices, repeated, keeper] = poolBm25('lighthouse oil', texts);
    expect(lamp).toBeGreaterThan(prices);
    expect(keeper).toBeGreaterThan(prices);
    // Six repeats of the common word score less than one rare word plus one common word.
    expect(repeated).toBeLessThan(lamp);
    expect(poolBm25('unrelated question', texts)).toEqual([0, 0, 0, 0]);
  });

  test('a-chunk-that-matches-the-words-better-rises-above-fused-neighbours', () => {
    const fused = [
      { row: { text: 'Visitors sign the guest book at reception.' }, score: 0.033 },
      { row: { text: 'Printers accept jobs after login.' }, score: 0.032 },
      { row: { text: 'Carried-over holiday days lapse after March.' }, score: 0.016 },
    ];
    const out = rerankOffline('when do carried-over holiday days lapse', fused, 2);
    expect(out.map((r) => r.row.text)).toEqual([
      'Carried-over holiday days lapse after March.',
      'Visitors sign the guest book at reception.',
    ]);
  });
});
