import { sql } from 'drizzle-orm';
import { Counter } from 'prom-client';
import type { Db } from '../../db/client';
import { isPermanentDataError, sqlState } from '../../db/errors';
import type { UsageEvent } from '../../infra/bus/types';
import { log } from '../../lib/logger';
import { registry } from '../../lib/metrics';

const rowsRefused = new Counter({
  name: 'confab_usage_rows_refused_total',
  help: 'Usage events the database refused as bad data (logged with their request id and dropped); every other failure is retried.',
  registers: [registry],
});

export interface UsageBatcherOptions {
  /** Rows per insert; the embedded database writes on the event loop, so this bounds a stall. */
  maxBatch?: number;
  /** Longest an event waits before its batch is written. */
  flushMs?: number;
  /** Events held before `add` waits for a write (backpressure on the consumer). */
  maxQueued?: number;
}

/**
 * One insert for a whole batch, its rows passed as a single JSON parameter that the database
 * unpacks: building a bound parameter per column per row costs the gateway more CPU than the
 * insert itself. A request id already present (a redelivery) is skipped, and so is the usage of
 * a user deleted since (their logs went with them): such an event must not block the ones behind it.
 */
export async function insertUsageBatch(db: Db, batch: readonly UsageEvent[]): Promise<void> {
  // The first delivery of a request id wins; the join below does not keep the batch's order.
  const seen = new Set<string>();
  const rows = batch.filter((e) => !seen.has(e.requestId) && seen.add(e.requestId));
  await db.execute(sql`
    insert into usage_logs (request_id, user_id, api_key_id, conversation_id, model, provider, prompt_tokens,
      completion_tokens, latency_ms, ttft_ms, status, cost_usd, created_at)
    select "requestId", "userId", "apiKeyId", "conversationId", model, provider, round("promptTokens")::int,
      round("completionTokens")::int, round("latencyMs")::int, round("ttftMs")::int, status, "costUsd", at
    from json_to_recordset(${JSON.stringify(rows)}::json) as r("requestId" text, "userId" uuid, "apiKeyId" uuid,
      "conversationId" uuid, model text, provider text, "promptTokens" numeric, "completionTokens" numeric,
      "latencyMs" numeric, "ttftMs" numeric, status text, "costUsd" real, at timestamptz)
    where exists (select 1 from users u where u.id = r."userId")
    on conflict (request_id) do nothing`);
}

/**
 * Writes usage events as multi-row inserts: at gateway rates one insert per call would make the
 * database the bottleneck. A failed write keeps its rows and is retried with backoff; rows already
 * present (a redelivery) are skipped by the unique request id. A batch the database refuses as bad
 * data is split in halves until the bad event stands alone, so one malformed event (from another
 * replica's version, say) is logged and dropped instead of holding every event behind it forever.
 */
export function createUsageBatcher(db: Db, opts: UsageBatcherOptions = {}) {
  const maxBatch = opts.maxBatch ?? 200;
  const flushMs = opts.flushMs ?? 50;
  const maxQueued = opts.maxQueued ?? 20_000;
  let queue: UsageEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failures = 0;

  async function writeBatch(batch: UsageEvent[]): Promise<void> {
    for (;;) {
      try {
        await insertUsageBatch(db, batch);
        failures = 0;
        return;
      } catch (error) {
        if (isPermanentDataError(error)) {
          if (batch.length === 1) {
            rowsRefused.inc();
            log.error('usage event refused by the database; dropped', { requestId: batch[0].requestId, sqlState: sqlState(error) });
            return;
          }
          const half = Math.ceil(batch.length / 2);
          await writeBatch(batch.slice(0, half));
          await writeBatch(batch.slice(half));
          return;
        }
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
