/**
 * Rate limits as token buckets. A bucket holds up to `capacity` tokens and refills at
 * `capacity / periodMs` per millisecond; a take succeeds only when every named bucket can pay.
 */
export interface BucketSpec {
  key: string;
  capacity: number;
  periodMs: number;
}

export interface BucketLevel {
  /** Whole tokens left after this call (may be negative while a bucket is in debt). */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface TakeResult {
  allowed: boolean;
  /** One entry per bucket, in the order given. */
  levels: BucketLevel[];
  /** When refused: how long until every bucket could pay. */
  retryAfterMs: number;
  /** When refused: the index of the bucket that needs the longest wait. */
  limitedBy: number;
}

/** Where bucket state lives; the choice (memory or Redis) is made once, at start-up. */
export interface RateLimitStore {
  readonly kind: 'memory' | 'redis';
  /** Takes `costs[i]` from `buckets[i]` for every i, atomically: all or none. */
  take(buckets: readonly BucketSpec[], costs: readonly number[]): Promise<TakeResult>;
  /** Adds `delta` tokens (negative charges more, into debt if need be), capped at capacity. */
  adjust(bucket: BucketSpec, delta: number): Promise<void>;
  close(): Promise<void>;
}
