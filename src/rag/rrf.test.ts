import { expect, test } from 'bun:test';
import { fuseRrf, RRF_K, TEXT_WEIGHT, VECTOR_WEIGHT } from './rrf';

type Row = { id: string; dist?: number; rank?: number };
const v = (id: string, dist: number): Row => ({ id, dist });
const t = (id: string, rank: number): Row => ({ id, rank });

test('a-chunk-both-halves-found-outranks-one-found-by-either-alone', () => {
  const fused = fuseRrf([v('a', 0.1), v('b', 0.2)], [t('b', 0.9), t('c', 0.8)], 3);
  // The lexical half weighs more: its second (c) outranks the vector half's first (a).
  expect(fused.map((f) => f.row.id)).toEqual(['b', 'c', 'a']);
  expect(fused[0].score).toBeCloseTo(VECTOR_WEIGHT / (RRF_K + 2) + TEXT_WEIGHT / (RRF_K + 1), 12);
});

test('each-half-weighs-by-its-weight-and-the-constant-damps-top-ranks', () => {
  const fused = fuseRrf([v('a', 0.1)], [t('b', 0.9)], 2, { k: 0, vectorWeight: 3, textWeight: 1 });
  expect(fused.map((f) => [f.row.id, f.score])).toEqual([
    ['a', 3],
    ['b', 1],
  ]);
});

test('equal-fused-scores-are-broken-by-lexical-rank-then-distance-then-id', () => {
  // `first` is 1st by vector and 2nd by text, `second` the other way round: with equal weights, the same fused score.
  const even = { vectorWeight: 1, textWeight: 1 };
  const crossed = (first: string, second: string, ranks: [number, number], dists: [number, number]) =>
    fuseRrf([v(first, dists[0]), v(second, dists[1])], [t(second, ranks[1]), t(first, ranks[0])], 2, even).map((f) => f.row.id);
  expect(crossed('x', 'y', [0.4, 0.5], [0.1, 0.2])).toEqual(['y', 'x']);
  expect(crossed('y', 'x', [0.5, 0.5], [0.2, 0.1])).toEqual(['x', 'y']);
  expect(crossed('y', 'x', [0.5, 0.5], [0.2, 0.2])).toEqual(['x', 'y']);
  // The same position in one half each: the one with a lexical rank first.
  expect(fuseRrf([v('p', 0.3)], [t('q', 0.1)], 2, even).map((f) => f.row.id)).toEqual(['q', 'p']);
});
