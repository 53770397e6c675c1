import type { Db } from '../../db/client';
import { TOPICS, type EventBus, type UsageEvent } from '../../infra/bus/types';
import { recordUsage } from './service';

export const USAGE_GROUP = 'usage-writer';

/** Consumes `usage.events` into usage_logs; idempotent, so at-least-once delivery is safe. */
export function startUsageConsumer(bus: EventBus, db: Db): Promise<void> {
  return bus.subscribe<UsageEvent>(TOPICS.usageEvents, USAGE_GROUP, (message) => recordUsage(db, message.value));
}
