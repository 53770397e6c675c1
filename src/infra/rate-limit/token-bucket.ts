import type { BucketLevel, BucketSpec, TakeResult } from './types';

export interface BucketState {
  tokens: number;
  at: number;
  /** The capacity the bucket had when stored; absent in state stored before it was kept. */
  capacity?: number;
}

/**
 * The bucket's level at `now`; an unknown bucket is full. A bucket whose capacity changed since
 * (an admin raised or cut the limit) keeps what was used of it: a raise is there at once, a cut
 * is charged at once.
 */
export function levelAt(spec: BucketSpec, state: BucketState | undefined, now: number): number {
  if (!state) return spec.capacity;
  const rate = spec.capacity / spec.periodMs;
  const tokens = state.capacity === undefined ? state.tokens : state.tokens + spec.capacity - state.capacity;
  return Math.min(spec.capacity, tokens + Math.max(0, now - state.at) * rate);
}

export function describeLevel(spec: BucketSpec, tokens: number): BucketLevel {
  const rate = spec.capacity / spec.periodMs;
  return { remaining: Math.floor(tokens), resetMs: Math.ceil((spec.capacity - tokens) / rate) };
}

/**
 * The decision for one take, given the current levels. The same arithmetic runs in the Redis Lua
 * script, so both stores admit exactly the same requests.
 */
export function decide(specs: readonly BucketSpec[], levels: readonly number[], costs: readonly number[]): TakeResult {
  let retryAfterMs = 0;
  let limitedBy = -1;
  specs.forEach((spec, i) => {
    if (levels[i] >= costs[i]) return;
    const wait = Math.ceil((costs[i] - levels[i]) / (spec.capacity / spec.periodMs));
    if (wait > retryAfterMs || limitedBy < 0) {
      retryAfterMs = wait;
      limitedBy = i;
    }
  });
  const allowed = limitedBy < 0;
  const after = levels.map((l, i) => (allowed ? l - costs[i] : l));
  return { allowed, retryAfterMs, limitedBy, levels: specs.map((s, i) => describeLevel(s, after[i])) };
}
