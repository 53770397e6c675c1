export {
  createRateLimiter,
  type LimitSubject,
  type RateLimiter,
  type RateLimits,
  type Reservation,
  rateLimitStoreFailures,
  retryAfterOf,
} from './limiter';
export { MemoryRateLimitStore } from './memory-store';
export { RedisRateLimitStore } from './redis-store';
export type { BucketSpec, RateLimitStore, TakeResult } from './types';
