import type { Config } from '../config';
import { log } from '../lib/logger';
import type { LoggedFrame } from '../modules/ws/model';
import { createEventBus } from './bus/create-event-bus';
import type { EventBus } from './bus/types';
import { RedisRateLimitStore } from './rate-limit/redis-store';
import type { RateLimitStore } from './rate-limit/types';
import { createRedis, describeRedisUrl, type RedisHandle } from './redis/client';
import { RedisStreamHub } from './stream-hub/redis-stream-hub';
import type { StreamHub } from './stream-hub/types';

/**
 * The shared services behind the embedded defaults (DESIGN §2), chosen once at start-up:
 * with REDIS_URL one Redis connection carries the rate-limit buckets and the stream hub, with
 * KAFKA_BROKERS the event bus is Kafka. A service that is down at start-up does not stop the
 * process: it starts degraded and heals when the service comes back.
 */
export interface Backing {
  bus: EventBus;
  redis?: RedisHandle;
  /** Shared implementations for the chat runtime; absent ones keep their in-process default. */
  runtime: { rateLimitStore?: RateLimitStore; streams?: StreamHub<LoggedFrame> };
  /** Closes the connections (the runtime closes its own stores first). */
  close(): Promise<void>;
}

const REDIS_STARTUP_WAIT_MS = 3_000;

export async function createBacking(config: Pick<Config, 'redisUrl' | 'kafkaBrokers'>): Promise<Backing> {
  const bus = await createEventBus(config);
  if (!config.redisUrl) {
    log.info('stream hub and rate limits', { implementation: 'memory' });
    return { bus, runtime: {}, close: () => bus.close() };
  }
  const redis = createRedis(config.redisUrl);
  const ready = await redis.waitReady(REDIS_STARTUP_WAIT_MS);
  if (!ready) log.warn('redis not reachable yet; starting degraded and retrying', { at: describeRedisUrl(config.redisUrl) });
  log.info('stream hub and rate limits', { implementation: 'redis', at: describeRedisUrl(config.redisUrl), ready });
  return {
    bus,
    redis,
    runtime: { rateLimitStore: new RedisRateLimitStore(redis.client), streams: new RedisStreamHub(redis) },
    async close() {
      await redis.close();
      await bus.close();
    },
  };
}
