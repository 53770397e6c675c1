import type { Lane } from './lane';

/**
 * Chooses the lane to serve next. Each lane's oldest job gets a virtual deadline of its enqueue
 * time plus `rank × agingUs` (rank 0 is the most urgent lane), and the earliest deadline wins.
 * A fresh interactive job beats background work, but a background job that has waited two aging
 * periods longer than the interactive head goes first, so no lane starves.
 *
 * `heads[r]` is the enqueue time (µs, 32-bit wrapping clock) of lane r's oldest job, or undefined
 * when the lane is empty. Returns -1 when every lane is empty.
 */
export function pickByDeadline(heads: ReadonlyArray<number | undefined>, agingUs: number): number {
  let best = -1;
  let bestDeadline = 0;
  for (let r = 0; r < heads.length; r++) {
    const enq = heads[r];
    if (enq === undefined) continue;
    const deadline = (enq + r * agingUs) | 0;
    if (best < 0 || ((deadline - bestDeadline) | 0) < 0) {
      best = r;
      bestDeadline = deadline;
    }
  }
  return best;
}

/** `pickByDeadline` over live lanes, reusing one scratch array. */
export function pickLane(lanes: readonly Lane[], agingUs: number, scratch: Array<number | undefined>): number {
  for (let r = 0; r < lanes.length; r++) scratch[r] = lanes[r].oldestEnqueuedUs();
  return pickByDeadline(scratch, agingUs);
}
