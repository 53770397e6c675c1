export interface MmrCandidate {
  /** Relevance to the query; any scale, larger is better. */
  score: number;
  vector: ArrayLike<number> | null;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * Maximal Marginal Relevance: greedily picks the candidate that is relevant but unlike those
 * already picked. `lambda` 1 is pure relevance, 0 pure diversity. Returns indices in pick order.
 */
export function mmrSelect(candidates: MmrCandidate[], k: number, lambda = 0.7): number[] {
  const top = Math.max(...candidates.map((c) => c.score), 0) || 1;
  const remaining = candidates.map((_, i) => i);
  const maxSim = new Float64Array(candidates.length);
  const picked: number[] = [];
  while (picked.length < k && remaining.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    remaining.forEach((idx, pos) => {
      const value = (lambda * candidates[idx].score) / top - (1 - lambda) * maxSim[idx];
      if (value > bestValue) {
        bestValue = value;
        best = pos;
      }
    });
    const [chosen] = remaining.splice(best, 1);
    picked.push(chosen);
    const v = candidates[chosen].vector;
    if (!v) continue;
    for (const idx of remaining) {
      const w = candidates[idx].vector;
      if (w) maxSim[idx] = Math.max(maxSim[idx], cosine(v, w));
    }
  }
  return picked;
}
