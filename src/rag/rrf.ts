/** Reciprocal Rank Fusion constant from Cormack et al.; damps the weight of top ranks. */
export const RRF_K = 60;

export interface Ranked<T> {
  row: T;
  /** Fused RRF score. */
  score: number;
}

interface Fused<T> {
  row: T;
  score: number;
  rank: number | null;
  dist: number | null;
  id: string;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Fuses the two halves' ranked lists (each best first) by Reciprocal Rank Fusion. Equal fused
 * scores are common (rank 1 + rank 3 ties rank 3 + rank 1): the lexical score, then the
 * distance, then the id break them, so results are stable across databases.
 */
export function fuseRrf<T extends { id: string; dist?: number; rank?: number }>(vector: T[], text: T[], limit: number): Ranked<T>[] {
  const fused = new Map<string, Fused<T>>();
  const add = (rows: T[], lexical: boolean) =>
    rows.forEach((row, i) => {
      const entry = fused.get(row.id) ?? { row, score: 0, rank: null, dist: null, id: row.id };
      entry.score += 1 / (RRF_K + i + 1);
      if (lexical) entry.rank = Number(row.rank);
      else entry.dist = Number(row.dist);
      fused.set(row.id, entry);
    });
  add(vector, false);
  add(text, true);
  return [...fused.values()]
    .sort(
      (a, b) =>
        b.score - a.score ||
        (b.rank ?? -Infinity) - (a.rank ?? -Infinity) ||
        (a.dist ?? Infinity) - (b.dist ?? Infinity) ||
        byId(a.id, b.id),
    )
    .slice(0, limit)
    .map(({ row, score }) => ({ row, score }));
}
