import type { Db } from '../../db/client';
import { type EventBus, TOPICS, type UsageEvent } from '../../infra/bus/types';
import { createUsageBatcher, type UsageBatcherOptions } from './batcher';

export const USAGE_GROUP = 'usage-writer';

export interface UsageConsumer {
  /** Joins the consumer group of `usage.events`. */
  start(): Promise<void>;
  /** For shutdown: resolves once every received event is stored. */
  flush(): Promise<void>;
}

/**
 * Consumes `usage.events` into usage_logs in batches; idempotent by request id, so at-least-once
 * delivery is safe.
 */
export function createUsageConsumer(bus: EventBus, db: Db, opts?: UsageBatcherOptions): UsageConsumer {
  const batcher = createUsageBatcher(db, opts);
  return {
    start: () => bus.subscribe<UsageEvent>(TOPICS.usageEvents, USAGE_GROUP, (message) => batcher.add(message.value)),
    flush: batcher.flush,
  };
}
