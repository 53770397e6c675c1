import type Redis from 'ioredis';

/** ioredis loads on the first connection: a server without REDIS_URL never pays for it. */
const RedisClient = (): typeof Redis => require('ioredis');

/**
 * The Redis connection a store runs its Lua scripts on. Given a URL it opens one of its own, which
 * fails fast while Redis is away so that the store's caller can fall back, and closes it again;
 * given a client it borrows it and leaves closing to its owner.
 */
export class LuaConnection<C extends Redis = Redis> {
  readonly client: C;
  private readonly owned: boolean;

  constructor(connection: string | Redis, scripts: Record<string, string>) {
    this.owned = typeof connection === 'string';
    this.client = (
      typeof connection === 'string'
        ? new (RedisClient())(connection, {
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            retryStrategy: (times) => Math.min(times * 200, 2_000),
          })
        : connection
    ) as C;
    if (this.owned) this.client.on('error', () => {});
    for (const [name, lua] of Object.entries(scripts)) this.client.defineCommand(name, { lua });
  }

  /** Resolves true once the connection is ready, false after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.client.status === 'ready'), timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    if (this.owned) this.client.disconnect();
  }
}
