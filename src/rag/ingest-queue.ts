import { log } from '../lib/logger';

/** One unit of ingestion work. The document row is the source of truth; a job only points at it. */
export interface IngestJob {
  documentId: string;
  userId: string;
  /** 1 for the first try; the handler decides on retries and dead-lettering from it. */
  attempt: number;
}

export type IngestHandler = (job: IngestJob, signal: AbortSignal) => Promise<void>;

/**
 * How ingestion jobs travel from the upload to a worker. Delivery is at least once: handlers are
 * idempotent. The embedded implementation lives in this process; a Kafka one implements the same
 * contract across replicas.
 */
export interface IngestQueue {
  /**
   * Offers a job, to be delivered no earlier than `delayMs` from now. Resolves false when the
   * transport is full: the document then stays `queued` and is offered again later.
   */
  enqueue(job: IngestJob, opts?: { delayMs?: number }): Promise<boolean>;
  /** Starts delivering jobs to the handler. */
  start(handler: IngestHandler): Promise<void>;
  /** Stops delivering, aborts the handlers' signal and waits for in-flight jobs to settle. */
  stop(): Promise<void>;
}

export interface MemoryIngestQueueOptions {
  /** Jobs held at once (waiting or delayed); more are refused until space frees. */
  capacity?: number;
  /** Jobs handled at the same time. */
  concurrency?: number;
}

/** The embedded transport: a bounded in-memory queue with delayed delivery and deduplication. */
export function createMemoryIngestQueue(opts: MemoryIngestQueueOptions = {}): IngestQueue & { size(): number } {
  const capacity = opts.capacity ?? 256;
  const concurrency = opts.concurrency ?? 2;
  const ready: IngestJob[] = [];
  const delayed = new Map<string, ReturnType<typeof setTimeout>>();
  const pending = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let handler: IngestHandler | undefined;
  let controller = new AbortController();

  function pump() {
    while (handler && inFlight.size < concurrency && ready.length > 0) {
      const job = ready.shift()!;
      pending.delete(job.documentId);
      const run = handler(job, controller.signal)
        .catch((error) => log.error('ingest handler failed', { documentId: job.documentId, error }))
        .finally(() => {
          inFlight.delete(run);
          pump();
        });
      inFlight.add(run);
    }
  }

  return {
    size: () => pending.size,
    async enqueue(job, { delayMs = 0 } = {}) {
      if (pending.has(job.documentId)) return true;
      if (pending.size >= capacity) return false;
      pending.add(job.documentId);
      if (delayMs <= 0) {
        ready.push(job);
        pump();
        return true;
      }
      const timer = setTimeout(() => {
        delayed.delete(job.documentId);
        ready.push(job);
        pump();
      }, delayMs);
      delayed.set(job.documentId, timer);
      return true;
    },
    async start(h) {
      handler = h;
      controller = new AbortController();
      pump();
    },
    async stop() {
      handler = undefined;
      controller.abort();
      for (const timer of delayed.values()) clearTimeout(timer);
      delayed.clear();
      ready.length = 0;
      pending.clear();
      await Promise.all([...inFlight]);
    },
  };
}
