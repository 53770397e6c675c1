import { type BucketState, decide, levelAt } from './token-bucket';
import type { BucketSpec, RateLimitStore, TakeResult } from './types';

/** Buckets idle long enough to be full again carry no information and are dropped. */
const SWEEP_EVERY = 10_000;

/**
 * In-process buckets. Every take runs synchronously between awaits, so concurrent requests in one
 * process are serialised and the limit is exact.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly kind = 'memory' as const;
  private readonly buckets = new Map<string, BucketState & { fullAt: number }>();
  private ops = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async take(specs: readonly BucketSpec[], costs: readonly number[]): Promise<TakeResult> {
    return this.takeNow(specs, costs);
  }

  takeNow(specs: readonly BucketSpec[], costs: readonly number[]): TakeResult {
    const now = this.now();
    if (++this.ops % SWEEP_EVERY === 0) this.sweep(now);
    const levels = specs.map((s) => levelAt(s, this.buckets.get(s.key), now));
    const result = decide(specs, levels, costs);
    if (result.allowed) for (const [i, s] of specs.entries()) this.store(s, levels[i] - costs[i], now);
    return result;
  }

  async adjust(spec: BucketSpec, delta: number): Promise<void> {
    const now = this.now();
    this.store(spec, Math.min(spec.capacity, levelAt(spec, this.buckets.get(spec.key), now) + delta), now);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private store(spec: BucketSpec, tokens: number, now: number): void {
    const fullAt = now + ((spec.capacity - tokens) * spec.periodMs) / spec.capacity;
    this.buckets.set(spec.key, { tokens, at: now, capacity: spec.capacity, fullAt });
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) if (b.fullAt <= now) this.buckets.delete(key);
  }
}
