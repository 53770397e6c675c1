import { join } from 'node:path';
import { and, asc, eq, inArray, isNull, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents } from '../db/schema';
import type { IngestJob, IngestQueue } from '../infra/bus/ingest-queue';
import { AppError, toAppError } from '../lib/errors';
import { log } from '../lib/logger';
import type { ChunkOptions } from './chunk';
import { replaceDocumentChunks } from './chunk-store';
import type { Embedder } from './embedders/embedder';
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
  /** The text-search configuration chunks are indexed with (default 'english'). */
  language?: string;
  /** Attempts before a document is marked failed (the dead letter). */
  maxAttempts?: number;
  /** First retry delay; doubles with each attempt. */
  backoffMs?: number;
  /** How often documents left `queued` by a full queue are offered again. */
  refillIntervalMs?: number;
  /**
   * On a shared database, how long a `processing` document may go untouched before its worker
   * counts as gone and another may take it over (default 2 minutes). A live worker touches its
   * document several times within this window.
   */
  staleAfterMs?: number;
}

export interface Ingestion {
  /** Re-embeds documents of another model, resumes unfinished ones, starts consuming. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Offers a freshly queued document; if the queue is full it is picked up later. */
  submit(doc: { documentId: string; userId: string }): Promise<void>;
  /** Handles one job (what the queue calls); exposed for transports that deliver jobs themselves. */
  handle(job: IngestJob, signal: AbortSignal): Promise<void>;
  /** Jobs this instance finished, by outcome: its own share of `confab_ingest_jobs_total`. */
  handled(): Record<IngestOutcome, number>;
}

export type IngestOutcome = 'ready' | 'retried' | 'failed' | 'skipped';

const setStatus = (database: Database, id: string, fields: Partial<typeof documents.$inferInsert>) =>
  database.db
    .update(documents)
    .set({ ...fields, updatedAt: sql`now()` })
    .where(eq(documents.id, id));

/**
 * Documents to offer to the queue: every `queued` one and, when `abandoned` is asked for,
 * `processing` ones whose worker is gone. PGlite belongs to this process alone, so at start-up
 * every `processing` document is abandoned; on a shared database another replica may be working
 * on it, so only those untouched for `staleAfterMs` are.
 */
export async function waitingDocuments(
  database: Database,
  want: { queued: boolean; abandoned: boolean; staleAfterMs: number },
): Promise<{ id: string; userId: string; attempts: number }[]> {
  const abandoned: SQL | undefined =
    database.kind === 'pglite'
      ? eq(documents.status, 'processing')
      : and(eq(documents.status, 'processing'), lt(documents.updatedAt, sql`now() - make_interval(secs => ${want.staleAfterMs / 1000})`));
  const wanted = [want.queued ? eq(documents.status, 'queued') : undefined, want.abandoned ? abandoned : undefined].filter(Boolean);
  if (wanted.length === 0) return [];
  return database.db
    .select({ id: documents.id, userId: documents.userId, attempts: documents.attempts })
    .from(documents)
    .where(or(...wanted))
    .orderBy(asc(documents.createdAt));
}

function describe(err: unknown): { message: string; retryable: boolean } {
  const e = toAppError(err, 'ingestion_failed');
  return { message: e.publicMessage, retryable: e.retryable };
}

export function createIngestion(opts: IngestionOptions): Ingestion {
  const { database, embedder, queue } = opts;
  const maxAttempts = opts.maxAttempts ?? 4;
  const backoffMs = opts.backoffMs ?? 1000;
  const staleAfterMs = opts.staleAfterMs ?? 120_000;
  let overflowed = false;
  const outcomes: Record<IngestOutcome, number> = { ready: 0, retried: 0, failed: 0, skipped: 0 };
  const count = (outcome: IngestOutcome) => {
    outcomes[outcome]++;
    ingestJobs.inc({ outcome });
  };
  const timers: ReturnType<typeof setInterval>[] = [];
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
    // Keeps the document from looking abandoned to other replicas while a long step runs.
    const heartbeat = setInterval(
      () => {
        database.db
          .update(documents)
          .set({ updatedAt: sql`now()` })
          .where(and(eq(documents.id, job.documentId), eq(documents.status, 'processing')))
          .catch((error) => log.warn('ingestion heartbeat failed', { error }));
      },
      Math.max(50, staleAfterMs / 4),
    );
    try {
      return await ingestFile(job, doc, signal);
    } finally {
      clearInterval(heartbeat);
    }
  }

  async function ingestFile(job: IngestJob, doc: { name: string; storagePath: string }, signal: AbortSignal): Promise<boolean> {
    const file = Bun.file(join(opts.dataDir, doc.storagePath));
    if (!(await file.exists())) throw new AppError('file_missing');
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
    // False when another delivery finished first or the document was deleted meanwhile.
    return replaceDocumentChunks(
      database,
      { id: job.documentId, userId: job.userId },
      {
        model: embedder.model,
        chunks: prepared.chunks,
        vectors: prepared.vectors,
      },
      opts.language,
    );
  }

  async function fail(job: IngestJob, err: unknown): Promise<void> {
    const { message, retryable } = describe(err);
    if (retryable && job.attempt < maxAttempts) {
      const delayMs = backoffMs * 2 ** (job.attempt - 1);
      await setStatus(database, job.documentId, { status: 'queued', error: `Attempt ${job.attempt} failed: ${message}` });
      await offer({ ...job, attempt: job.attempt + 1 }, delayMs);
      count('retried');
      return;
    }
    log.warn('document ingestion failed', { documentId: job.documentId, attempt: job.attempt, reason: message });
    await setStatus(database, job.documentId, { status: 'failed', error: message });
    count('failed');
  }

  async function handle(job: IngestJob, signal: AbortSignal): Promise<void> {
    if (job.attempt > maxAttempts) {
      // Only reachable when earlier attempts died with the process, e.g. a document that crashes it.
      await setStatus(database, job.documentId, { status: 'failed', error: `Gave up after ${maxAttempts} attempts` });
      count('failed');
      return;
    }
    try {
      count((await run(job, signal)) ? 'ready' : 'skipped');
    } catch (err) {
      // A stop mid-job leaves the document `processing`; the next start resumes it.
      if (signal.aborted) return;
      await fail(job, err);
    }
  }

  /** Offers waiting documents, oldest first, until the queue is full. */
  async function offerWaiting(want: { queued: boolean; abandoned: boolean }): Promise<void> {
    const rows = await waitingDocuments(database, { ...want, staleAfterMs });
    if (want.queued) overflowed = false;
    for (const row of rows) {
      if (!(await offer({ documentId: row.id, userId: row.userId, attempt: row.attempts + 1 }))) return;
    }
  }

  async function refill(want: { queued: boolean; abandoned: boolean }) {
    if (refilling) return;
    refilling = true;
    try {
      await offerWaiting(want);
    } catch (error) {
      log.warn('ingestion refill failed', { error });
    } finally {
      refilling = false;
    }
  }

  return {
    handle,
    handled: () => ({ ...outcomes }),
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
      await offerWaiting({ queued: true, abandoned: true });
      timers.push(setInterval(() => overflowed && refill({ queued: true, abandoned: false }), opts.refillIntervalMs ?? 2000));
      // Another replica may die mid-job: its documents are taken over once they go stale.
      if (database.kind !== 'pglite')
        timers.push(setInterval(() => refill({ queued: false, abandoned: true }), Math.max(100, staleAfterMs / 2)));
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await queue.stop();
    },
  };
}
