export { MemoryQuotaStore } from './memory-store';
export {
  createQuotaLimiter,
  fromUnits,
  QUOTA_KINDS,
  type QuotaHold,
  type QuotaKind,
  type QuotaLimiter,
  type QuotaLimits,
  type QuotaWindow,
  quotaStoreFailures,
  type Spend,
  toUnits,
  windowsAt,
} from './quota-limiter';
export { RedisQuotaStore } from './redis-store';
export type { CounterLevel, CounterSpec, QuotaStore, ReserveResult } from './types';
