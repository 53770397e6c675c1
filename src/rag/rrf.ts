/**
 * Reciprocal Rank Fusion's constant (Cormack et al. use 60) and the halves' weights, chosen by
 * measurement on the public set (`bun run eval:retrieval --sweep`, table in docs/retrieval.md):
 * with BM25 as the full-text half, a small constant (top ranks count) and the lexical half
 * weighing twice the offline embedder's.
 */
export const RRF_K = 10;
export const VECTOR_WEIGHT = 1;
export const TEXT_WEIGHT = 2;

/** How the halves' ranks are fused: the RRF constant and each half's weight. */
export interface FusionOptions {
  k?: number;
  vectorWeight?: number;
  textWeight?: number;
}

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
export function fuseRrf<T extends { id: string; dist?: number; rank?: number }>(
  vector: T[],
  text: T[],
  limit: number,
  fusion: FusionOptions = {},
): Ranked<T>[] {
  const k = fusion.k ?? RRF_K;
  const fused = new Map<string, Fused<T>>();
  const add = (rows: T[], lexical: boolean) =>
    rows.forEach((row, i) => {
      const entry = fused.get(row.id) ?? { row, score: 0, rank: null, dist: null, id: row.id };
      entry.score += (lexical ? (fusion.textWeight ?? TEXT_WEIGHT) : (fusion.vectorWeight ?? VECTOR_WEIGHT)) / (k + i + 1);
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
