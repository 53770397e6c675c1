export { MemoryBackoffStore } from './memory-store';
export { RedisBackoffStore } from './redis-store';
export type { BackoffDecision, BackoffRule, BackoffStore } from './types';
