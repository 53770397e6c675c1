import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { log } from '../../lib/logger';
import { kafkaConsumerLag } from './kafka-metrics';
import type { BusHandler, Topic } from './types';

export interface ConsumerOptions {
  /** Partitions handled at the same time; messages of one partition are always handled in order. */
  concurrency: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** A running consumer; `stop` leaves the group after the in-flight message settles. */
export interface Consumption {
  /** Partitions of the topic this member holds now (empty until it joined the group). */
  partitions(): number[];
  stop(): Promise<void>;
}

interface Run {
  kafka: Kafka;
  topic: Topic;
  group: string;
  handler: BusHandler;
  opts: ConsumerOptions;
  stopped: boolean;
  consumer?: Consumer;
  restartTimer?: ReturnType<typeof setTimeout>;
  failures: number;
  assigned: number[];
}

function decode(message: KafkaMessage): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(message.value?.toString() ?? 'null') };
  } catch {
    return { ok: false };
  }
}

/** Sleeps in short steps so a stopping consumer or a rebalance ends the wait early. */
async function pause(ms: number, payload: EachBatchPayload): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && payload.isRunning() && !payload.isStale()) {
    await Bun.sleep(Math.min(250, until - Date.now()));
    await payload.heartbeat().catch(() => {});
  }
}

/** Calls the handler until it succeeds; false when the consumer stopped or lost the partition first. */
async function deliver(run: Run, payload: EachBatchPayload, message: KafkaMessage): Promise<boolean> {
  const decoded = decode(message);
  if (!decoded.ok) {
    log.error('unreadable event skipped', { topic: run.topic, partition: payload.batch.partition, offset: message.offset });
    return true;
  }
  const key = message.key?.toString() ?? '';
  // A long handler must not look like a dead member to the group coordinator.
  const beat = setInterval(() => void payload.heartbeat().catch(() => {}), run.opts.heartbeatIntervalMs);
  try {
    for (let attempt = 1; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return false;
      try {
        await run.handler({ topic: run.topic, key, value: decoded.value, attempt });
        return true;
      } catch (error) {
        const delayMs = Math.min(run.opts.retryMaxMs, run.opts.retryBaseMs * 2 ** (attempt - 1));
        log.warn('event handler failed; retrying', { topic: run.topic, group: run.group, attempt, delayMs, error });
        await pause(delayMs, payload);
      }
    }
  } finally {
    clearInterval(beat);
  }
}

/** Offsets are committed one message at a time, only after its handler returned (at least once). */
function eachBatch(run: Run, consumer: Consumer) {
  return async (payload: EachBatchPayload) => {
    const { batch } = payload;
    for (const message of batch.messages) {
      if (!(await deliver(run, payload, message))) return;
      const next = (BigInt(message.offset) + 1n).toString();
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      payload.resolveOffset(message.offset);
      const lag = BigInt(batch.highWatermark) - BigInt(next);
      kafkaConsumerLag.set({ topic: batch.topic, partition: String(batch.partition), group: run.group }, Number(lag > 0n ? lag : 0n));
      await payload.heartbeat();
    }
  };
}

function scheduleRestart(run: Run, reason: unknown) {
  if (run.stopped || run.restartTimer) return;
  const delayMs = Math.min(run.opts.retryMaxMs, run.opts.retryBaseMs * 2 ** Math.min(run.failures++, 8));
  log.warn('kafka consumer stopped; restarting', {
    topic: run.topic,
    group: run.group,
    delayMs,
    reason: (reason as Error)?.message ?? reason,
  });
  run.restartTimer = setTimeout(() => {
    run.restartTimer = undefined;
    void launch(run);
  }, delayMs);
}

async function launch(run: Run): Promise<void> {
  if (run.stopped) return;
  const consumer = run.kafka.consumer({
    groupId: run.group,
    sessionTimeout: run.opts.sessionTimeoutMs,
    heartbeatInterval: run.opts.heartbeatIntervalMs,
    allowAutoTopicCreation: true,
    // kafkajs restarts a crashed consumer by itself; never once it has been stopped.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000, restartOnFailure: async () => !run.stopped },
  });
  run.consumer = consumer;
  // kafkajs restarts itself after retriable crashes; the rest would leave the topic unconsumed.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart)
      void consumer
        .disconnect()
        .catch(() => {})
        .then(() => scheduleRestart(run, payload.error));
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    run.failures = 0;
    run.assigned = payload.memberAssignment[run.topic] ?? [];
  });
  consumer.on(consumer.events.STOP, () => (run.assigned = []));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: run.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: run.opts.concurrency,
      eachBatch: eachBatch(run, consumer),
    });
  } catch (error) {
    await consumer.disconnect().catch(() => {});
    scheduleRestart(run, error);
  }
}

/** Joins `group` on `topic` and keeps a consumer running (through broker outages) until stopped. */
export function startConsumer(kafka: Kafka, topic: Topic, group: string, handler: BusHandler, opts: ConsumerOptions): Consumption {
  const run: Run = { kafka, topic, group, handler, opts, stopped: false, failures: 0, assigned: [] };
  void launch(run);
  return {
    partitions: () => run.assigned,
    async stop() {
      run.stopped = true;
      clearTimeout(run.restartTimer);
      await run.consumer?.disconnect().catch(() => {});
    },
  };
}
