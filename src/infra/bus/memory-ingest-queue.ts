import { log } from '../../lib/logger';
import type { IngestHandler, IngestJob, IngestQueue } from './ingest-queue';

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
