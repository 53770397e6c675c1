export { MemoryBroadcast } from './memory-broadcast';
export { RedisBroadcast } from './redis-broadcast';
export type { Broadcast } from './types';
