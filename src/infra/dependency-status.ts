import type { EventBus } from './bus/types';
import type { RedisHandle } from './redis/client';

export type DependencyState = 'up' | 'down';

/**
 * The shared services this replica is configured with and whether each answers now. A replica
 * with one of them down still serves what does not need it, so readiness reports it as degraded
 * rather than unready.
 */
export function dependencyStatus(deps: { bus: EventBus; redis?: RedisHandle }): Record<string, DependencyState> {
  const status: Record<string, DependencyState> = {};
  if (deps.redis) status.redis = deps.redis.isReady() ? 'up' : 'down';
  const bus = deps.bus as EventBus & { isConnected?: () => boolean };
  if (bus.kind === 'kafka' && bus.isConnected) status.kafka = bus.isConnected() ? 'up' : 'down';
  return status;
}
