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
 * idempotent. Each event bus provides one: the in-process bus keeps jobs in this process, the
 * Kafka bus shares them between replicas.
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
