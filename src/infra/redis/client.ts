import type Redis from 'ioredis';

/** ioredis loads on the first connection: a server without REDIS_URL never pays for it. */
const RedisClient = (): typeof Redis => require('ioredis');

import { Gauge } from 'prom-client';
import { log } from '../../lib/logger';
import { registry } from '../../lib/metrics';

/**
 * One Redis connection policy for the whole process.
 *
 * - Reconnects forever with capped exponential backoff, so a Redis restart heals by itself.
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once instead of piling up
 *   behind the outage, so a request that needs Redis answers "unavailable" quickly and one that
 *   does not is never slowed down.
 * - Subscriber connections are separate (`duplicate`) and resubscribe after a reconnect.
 */
export interface RedisHandle {
  /** The command connection. */
  readonly client: Redis;
  /** A new connection with the same policy, e.g. for SUBSCRIBE or blocking reads. */
  duplicate(name: string): Redis;
  /** True while the command connection is usable. */
  isReady(): boolean;
  /** ioredis' connection state: `connecting`, `ready`, `reconnecting`, `end`, … */
  status(): string;
  /** Resolves true once ready, false if not ready within `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const redisUp = new Gauge({
  name: 'confab_redis_up',
  help: '1 while the Redis command connection is ready, else 0 (absent without REDIS_URL)',
  labelNames: ['connection'] as const,
  registers: [registry],
});

/** The URL without its password, for logs. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis://[unparseable]';
  }
}

const retryDelay = (times: number) => Math.min(2_000, 50 * 2 ** Math.min(times, 6));

function connect(url: string, name: string, onState?: (ready: boolean) => void): Redis {
  const where = describeRedisUrl(url);
  const client = new (RedisClient())(url, {
    connectionName: `confab-${name}`,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: retryDelay,
    lazyConnect: false,
  });
  let lastError = '';
  client.on('ready', () => {
    lastError = '';
    onState?.(true);
    log.info('redis connected', { connection: name, at: where });
  });
  client.on('close', () => onState?.(false));
  client.on('error', (error: Error) => {
    // A down Redis fires the same error on every reconnect attempt; say it once per change.
    if (error.message === lastError) return;
    lastError = error.message;
    log.warn('redis connection error', { connection: name, at: where, reason: error.message });
  });
  return client;
}

export function createRedis(url: string): RedisHandle {
  const duplicates = new Set<Redis>();
  const client = connect(url, 'commands', (ready) => redisUp.set({ connection: 'commands' }, ready ? 1 : 0));
  redisUp.set({ connection: 'commands' }, 0);
  return {
    client,
    duplicate(name) {
      const extra = connect(url, name);
      duplicates.add(extra);
      extra.once('end', () => duplicates.delete(extra));
      return extra;
    },
    isReady: () => client.status === 'ready',
    status: () => client.status,
    async waitReady(timeoutMs) {
      if (client.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        client.once('ready', onReady);
      });
    },
    async close() {
      for (const extra of duplicates) extra.disconnect();
      duplicates.clear();
      await client.quit().catch(() => client.disconnect());
      redisUp.set({ connection: 'commands' }, 0);
    },
  };
}
