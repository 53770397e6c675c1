import type { Db } from '../../db/client';
import { usageLogs } from '../../db/schema';
import type { UsageEvent } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import { usageRow } from './service';

export interface UsageBatcherOptions {
  /** Rows per insert. */
  maxBatch?: number;
  /** Longest an event waits before its batch is written. */
  flushMs?: number;
  /** Events held before `add` waits for a write (backpressure on the consumer). */
  maxQueued?: number;
}

/**
 * Writes usage events as multi-row inserts: at gateway rates one insert per call would make the
 * database the bottleneck. A failed write keeps its rows and is retried with backoff; rows already
 * present (a redelivery) are skipped by the unique request id.
 */
export function createUsageBatcher(db: Db, opts: UsageBatcherOptions = {}) {
  const maxBatch = opts.maxBatch ?? 500;
  const flushMs = opts.flushMs ?? 50;
  const maxQueued = opts.maxQueued ?? 20_000;
  let queue: UsageEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failures = 0;

  async function writeBatch(batch: UsageEvent[]): Promise<void> {
    for (;;) {
      try {
        await db.insert(usageLogs).values(batch.map(usageRow)).onConflictDoNothing({ target: usageLogs.requestId });
        failures = 0;
        return;
      } catch (error) {
        failures++;
        log.warn('usage batch not written; retrying', { rows: batch.length, attempt: failures, error });
        await Bun.sleep(Math.min(30_000, 100 * 2 ** Math.min(failures, 8)));
      }
    }
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    while (queue.length) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(maxBatch);
      writing = writing.then(() => writeBatch(batch));
    }
    return writing;
  }

  return {
    /** Queues an event; waits only while too many are queued. */
    async add(event: UsageEvent): Promise<void> {
      queue.push(event);
      if (queue.length >= maxBatch) void flush();
      else timer ??= setTimeout(flush, flushMs);
      if (queue.length >= maxQueued) await flush();
    },
    /** Writes everything queued; resolves when it is in the database. */
    flush,
  };
}

export type UsageBatcher = ReturnType<typeof createUsageBatcher>;
