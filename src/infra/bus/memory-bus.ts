import { log } from '../../lib/logger';
import type { IngestQueue } from './ingest-queue';
import { createMemoryIngestQueue } from './memory-ingest-queue';
import type { BusHandler, EventBus, Topic } from './types';

interface Subscription {
  handler: BusHandler;
  queue: { key: string; value: unknown }[];
  running: boolean;
}

/**
 * In-process bus with Kafka's delivery semantics for one process: every group gets every event,
 * in publish order, retried with backoff until its handler succeeds. Events live in memory,
 * so they do not survive a crash; the durable variant is Kafka.
 */
export class MemoryBus implements EventBus {
  readonly kind = 'memory' as const;
  private readonly groups = new Map<Topic, Map<string, Subscription>>();
  private closed = false;

  constructor(
    private readonly retryBaseMs = 100,
    private readonly retryMaxMs = 30_000,
  ) {}

  async publish<T>(topic: Topic, key: string, value: T): Promise<void> {
    for (const sub of this.groups.get(topic)?.values() ?? []) {
      sub.queue.push({ key, value });
      void this.drain(topic, sub);
    }
  }

  async subscribe<T>(topic: Topic, group: string, handler: BusHandler<T>): Promise<void> {
    let groups = this.groups.get(topic);
    if (!groups) this.groups.set(topic, (groups = new Map()));
    if (groups.has(group)) throw new Error(`group ${group} already consumes ${topic} in this process`);
    groups.set(group, { handler: handler as BusHandler, queue: [], running: false });
  }

  /** A bounded in-memory queue: jobs stay in this process, like the bus's events. */
  ingestQueue(): IngestQueue {
    return createMemoryIngestQueue();
  }

  private async drain(topic: Topic, sub: Subscription) {
    if (sub.running) return;
    sub.running = true;
    while (sub.queue.length > 0 && !this.closed) {
      const { key, value } = sub.queue[0];
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await sub.handler({ topic, key, value, attempt });
          break;
        } catch (error) {
          const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
          log.warn('event handler failed; retrying', { topic, attempt, delayMs: delay, error });
          await Bun.sleep(delay);
        }
      }
      sub.queue.shift();
    }
    sub.running = false;
  }

  /** Lets queued events finish (bounded), then stops delivering. */
  async close(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = () => [...this.groups.values()].some((g) => [...g.values()].some((s) => s.queue.length > 0));
    while (pending() && Date.now() < deadline) await Bun.sleep(10);
    this.closed = true;
  }
}
