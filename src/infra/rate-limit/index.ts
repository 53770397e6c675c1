import { MemoryRateLimitStore } from './memory-store';
import { RedisRateLimitStore } from './redis-store';
import type { RateLimitStore } from './types';

export { createRateLimiter, type LimitSubject, type RateLimiter, type Reservation, rateLimitStoreFailures, retryAfterOf } from './limiter';
export { MemoryRateLimitStore } from './memory-store';
export { RedisRateLimitStore } from './redis-store';
export type { BucketSpec, RateLimitStore, TakeResult } from './types';

/** Redis when `REDIS_URL` is set (shared by every replica), otherwise in-process. */
export function createRateLimitStore(redisUrl: string | undefined): RateLimitStore {
  return redisUrl ? new RedisRateLimitStore(redisUrl) : new MemoryRateLimitStore();
}
