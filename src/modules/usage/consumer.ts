import type { Db } from '../../db/client';
import { type EventBus, TOPICS, type UsageEvent } from '../../infra/bus/types';
import { createUsageBatcher, type UsageBatcherOptions } from './batcher';

export const USAGE_GROUP = 'usage-writer';

/**
 * Consumes `usage.events` into usage_logs in batches; idempotent by request id, so at-least-once
 * delivery is safe. Returns `flush`, for shutdown: it resolves once every received event is stored.
 */
export async function startUsageConsumer(bus: EventBus, db: Db, opts?: UsageBatcherOptions): Promise<{ flush(): Promise<void> }> {
  const batcher = createUsageBatcher(db, opts);
  await bus.subscribe<UsageEvent>(TOPICS.usageEvents, USAGE_GROUP, (message) => batcher.add(message.value));
  return { flush: batcher.flush };
}
