import { join } from 'node:path';
import { and, asc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import type { ChunkOptions } from './chunk';
import { replaceDocumentChunks } from './chunk-store';
import type { Embedder } from './embedders/embedder';
import type { IngestJob, IngestQueue } from './ingest-queue';
import { ingestJobs } from './ingest-metrics';
import { prepareDocument, type RunCpu } from './pipeline';

export interface IngestionOptions {
  database: Database;
  embedder: Embedder;
  queue: IngestQueue;
  /** Uploads live under `<dataDir>/<storage_path>`. */
  dataDir: string;
  runCpu?: RunCpu;
  chunkOptions?: ChunkOptions;
  /** Attempts before a document is marked failed (the dead letter). */
  maxAttempts?: number;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
  /** How often documents left `queued` by a full queue are offered again. */
  refillIntervalMs?: number;
}

export interface Ingestion {
  /** Re-embeds documents of another model, resumes unfinished ones, starts consuming. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Offers a freshly queued document; if the queue is full it is picked up later. */
  submit(doc: { documentId: string; userId: string }): Promise<void>;
  /** Handles one job (what the queue calls); exposed for transports that deliver jobs themselves. */
  handle(job: IngestJob, signal: AbortSignal): Promise<void>;
}

const setStatus = (database: Database, id: string, fields: Partial<typeof documents.$inferInsert>) =>
  database.db.update(documents).set({ ...fields, updatedAt: sql`now()` }).where(eq(documents.id, id));

function describe(err: unknown): { message: string; retryable: boolean } {
  if (err instanceof AppError) return { message: err.message, retryable: err.retryable };
  return { message: (err as Error)?.message ?? String(err), retryable: true };
}

export function createIngestion(opts: IngestionOptions): Ingestion {
  const { database, embedder, queue } = opts;
  const maxAttempts = opts.maxAttempts ?? 4;
  const backoffMs = opts.backoffMs ?? 1000;
  let overflowed = false;
  let refillTimer: ReturnType<typeof setInterval> | undefined;
  let refilling = false;

  async function offer(job: IngestJob, delayMs = 0): Promise<boolean> {
    const accepted = await queue.enqueue(job, { delayMs });
    if (!accepted) overflowed = true;
    return accepted;
  }

  async function claim(job: IngestJob) {
    const [doc] = await database.db
      .update(documents)
      .set({ status: 'processing', attempts: job.attempt, progress: 0, updatedAt: sql`now()` })
      .where(and(eq(documents.id, job.documentId), inArray(documents.status, ['queued', 'processing'])))
      .returning({ name: documents.name, storagePath: documents.storagePath });
    return doc;
  }

  /** False when the document was no longer waiting (deleted, or done by an earlier delivery). */
  async function run(job: IngestJob, signal: AbortSignal): Promise<boolean> {
    const doc = await claim(job);
    if (!doc) return false;
    const file = Bun.file(join(opts.dataDir, doc.storagePath));
    if (!(await file.exists())) throw new AppError('file_missing', 'The uploaded file is missing from storage', 500);
    let lastProgress = 0;
    const prepared = await prepareDocument(await file.bytes(), doc.name, embedder, {
      runCpu: opts.runCpu,
      chunkOptions: opts.chunkOptions,
      signal,
      onProgress: async (fraction) => {
        if (fraction - lastProgress < 0.05) return;
        lastProgress = fraction;
        await setStatus(database, job.documentId, { progress: fraction });
      },
    });
    signal.throwIfAborted();
    await replaceDocumentChunks(database, { id: job.documentId, userId: job.userId }, {
      model: embedder.model,
      chunks: prepared.chunks,
      vectors: prepared.vectors,
    });
    return true;
  }

  async function fail(job: IngestJob, err: unknown): Promise<void> {
    const { message, retryable } = describe(err);
    if (retryable && job.attempt < maxAttempts) {
      const delayMs = backoffMs * 2 ** (job.attempt - 1);
      await setStatus(database, job.documentId, { status: 'queued', error: `Attempt ${job.attempt} failed: ${message}` });
      await offer({ ...job, attempt: job.attempt + 1 }, delayMs);
      ingestJobs.inc({ outcome: 'retried' });
      return;
    }
    log.warn('document ingestion failed', { documentId: job.documentId, attempt: job.attempt, reason: message });
    await setStatus(database, job.documentId, { status: 'failed', error: message });
    ingestJobs.inc({ outcome: 'failed' });
  }

  async function handle(job: IngestJob, signal: AbortSignal): Promise<void> {
    if (job.attempt > maxAttempts) {
      // Only reachable when earlier attempts died with the process, e.g. a document that crashes it.
      await setStatus(database, job.documentId, { status: 'failed', error: `Gave up after ${maxAttempts} attempts` });
      ingestJobs.inc({ outcome: 'failed' });
      return;
    }
    try {
      ingestJobs.inc({ outcome: (await run(job, signal)) ? 'ready' : 'skipped' });
    } catch (err) {
      // A stop mid-job leaves the document `processing`; the next start resumes it.
      if (signal.aborted) return;
      await fail(job, err);
    }
  }

  /** Offers `queued` (and at start-up also `processing`) documents, oldest first, until the queue is full. */
  async function offerWaiting(includeProcessing: boolean): Promise<void> {
    const statuses: ('queued' | 'processing')[] = includeProcessing ? ['queued', 'processing'] : ['queued'];
    const rows = await database.db
      .select({ id: documents.id, userId: documents.userId, attempts: documents.attempts })
      .from(documents)
      .where(inArray(documents.status, statuses))
      .orderBy(asc(documents.createdAt));
    overflowed = false;
    for (const row of rows) {
      if (!(await offer({ documentId: row.id, userId: row.userId, attempt: row.attempts + 1 }))) return;
    }
  }

  async function refill() {
    if (!overflowed || refilling) return;
    refilling = true;
    try {
      await offerWaiting(false);
    } catch (error) {
      log.warn('ingestion refill failed', { error });
    } finally {
      refilling = false;
    }
  }

  return {
    handle,
    async submit(doc) {
      await offer({ ...doc, attempt: 1 });
    },
    async start() {
      const stale = await database.db
        .update(documents)
        .set({ status: 'queued', progress: 0, attempts: 0, error: null, updatedAt: sql`now()` })
        .where(and(eq(documents.status, 'ready'), or(isNull(documents.embeddingModel), ne(documents.embeddingModel, embedder.model))))
        .returning({ id: documents.id });
      if (stale.length > 0) log.info('re-embedding documents for a new embedding model', { count: stale.length, model: embedder.model });
      await queue.start(handle);
      await offerWaiting(true);
      refillTimer = setInterval(refill, opts.refillIntervalMs ?? 2000);
    },
    async stop() {
      clearInterval(refillTimer);
      await queue.stop();
    },
  };
}
