import { log } from '../../lib/logger';
import type { IngestHandler, IngestJob, IngestQueue } from './ingest-queue';
import type { KafkaBus } from './kafka-bus';
import type { Consumption } from './kafka-consumer';
import { type BusMessage, TOPICS } from './types';

/** What travels on `ingest.jobs`: the job, and when it may run at the earliest (a delayed retry). */
interface JobMessage {
  job: IngestJob;
  notBefore: number;
}

export interface KafkaIngestQueueOptions {
  topic?: string;
  deadLetterTopic?: string;
  /** Consumer group; every replica joins the same one, so each job goes to one of them. */
  group?: string;
  /** Partitions handled at the same time by this replica. */
  concurrency?: number;
  /** Deliveries of one message whose handler threw before it goes to `ingest.dlq`. */
  maxDeliveries?: number;
}

function isJobMessage(value: unknown): value is JobMessage {
  const v = value as JobMessage;
  return (
    typeof v?.notBefore === 'number' &&
    typeof v.job?.documentId === 'string' &&
    typeof v.job.userId === 'string' &&
    Number.isInteger(v.job.attempt)
  );
}

async function waitUntil(at: number, signal: AbortSignal): Promise<void> {
  while (Date.now() < at && !signal.aborted) await Bun.sleep(Math.min(250, at - Date.now()));
}

/**
 * Ingestion jobs over Kafka, shared by every replica through one consumer group. Jobs are keyed
 * by document, so one document's jobs are handled in order by one replica at a time. Kafka has no
 * delayed delivery: a retry is published at once with `notBefore`, and the consumer holds it
 * (heartbeating) until then. The document row stays the source of truth: a job only points at
 * it, and the handler skips documents that are no longer waiting, so a redelivery is harmless.
 */
export function createKafkaIngestQueue(bus: KafkaBus, opts: KafkaIngestQueueOptions = {}): IngestQueue & { partitions(): number[] } {
  const maxDeliveries = opts.maxDeliveries ?? 5;
  let consumption: Consumption | undefined;
  let controller = new AbortController();

  async function deadLetter(value: unknown, reason: string) {
    log.error('ingestion job dead-lettered', { reason });
    await bus.publish(opts.deadLetterTopic ?? TOPICS.ingestDlq, (value as JobMessage)?.job?.documentId ?? 'unknown', {
      value,
      reason,
      at: new Date().toISOString(),
    });
  }

  async function deliver(handler: IngestHandler, message: BusMessage<unknown>) {
    const signal = controller.signal;
    if (!isJobMessage(message.value)) return deadLetter(message.value, 'malformed job');
    if (message.attempt > maxDeliveries) return deadLetter(message.value, `handler failed ${maxDeliveries} times`);
    await waitUntil(message.value.notBefore, signal);
    if (!signal.aborted) await handler(message.value.job, signal);
    // Thrown so the offset stays uncommitted and the job is redelivered to whoever consumes next.
    if (signal.aborted) throw new Error('ingestion stopping');
  }

  return {
    partitions: () => consumption?.partitions() ?? [],
    async enqueue(job, { delayMs = 0 } = {}) {
      const message: JobMessage = { job, notBefore: Date.now() + Math.max(0, delayMs) };
      try {
        await bus.publish(opts.topic ?? TOPICS.ingestJobs, job.documentId, message);
        return true;
      } catch {
        // The document stays `queued`; the ingestion worker offers it again later.
        return false;
      }
    },
    async start(handler) {
      controller = new AbortController();
      consumption = await bus.consume(opts.topic ?? TOPICS.ingestJobs, opts.group ?? 'confab-ingest', (m) => deliver(handler, m), {
        concurrency: opts.concurrency ?? 2,
      });
    },
    async stop() {
      controller.abort();
      await consumption?.stop();
      consumption = undefined;
    },
  };
}
