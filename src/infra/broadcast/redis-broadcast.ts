import type Redis from 'ioredis';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import type { RedisHandle } from '../redis/client';
import type { Broadcast } from './types';

type Listener = (message: string | undefined) => void;

/**
 * Redis pub/sub on its own subscriber connection. Each message carries this replica's id, so a
 * replica does not hear itself; after a reconnect every listener hears `undefined`, because what
 * was published meanwhile is lost.
 */
export class RedisBroadcast implements Broadcast {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly origin = crypto.randomUUID();
  private readonly prefix: string;
  private connectedBefore = false;

  constructor(redis: RedisHandle, opts: { prefix?: string } = {}) {
    this.client = redis.client;
    this.prefix = opts.prefix ?? 'confab:broadcast:';
    this.subscriber = redis.duplicate('broadcast-subscriber');
    this.subscriber.on('message', (channel: string, raw: string) => this.deliver(channel, raw));
    this.subscriber.on('ready', () => {
      void this.resubscribe();
      if (this.connectedBefore) for (const list of this.listeners.values()) for (const l of list) l(undefined);
      this.connectedBefore = true;
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    try {
      await this.client.publish(this.prefix + channel, JSON.stringify({ from: this.origin, message }));
    } catch (error) {
      throw new AppError('event_bus_unavailable', { internal: `broadcast on ${channel}: ${String(error)}`, cause: error });
    }
  }

  subscribe(channel: string, listener: Listener): void {
    const list = this.listeners.get(channel);
    if (list) list.push(listener);
    else this.listeners.set(channel, [listener]);
    if (this.subscriber.status === 'ready') void this.resubscribe();
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }

  /** Subscriptions are sent on every (re)connect: commands are not queued while Redis is away. */
  private async resubscribe(): Promise<void> {
    const channels = [...this.listeners.keys()].map((c) => this.prefix + c);
    if (channels.length) await this.subscriber.subscribe(...channels).catch((error) => log.warn('broadcast not subscribed', { error }));
  }

  private deliver(channel: string, raw: string): void {
    let parsed: { from?: string; message?: string };
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (parsed.from === this.origin || typeof parsed.message !== 'string') return;
    for (const listener of this.listeners.get(channel.slice(this.prefix.length)) ?? []) listener(parsed.message);
  }
}
