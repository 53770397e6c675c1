import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents } from '../db/schema';
import { createMemoryIngestQueue, type MemoryIngestQueueOptions } from '../infra/bus/memory-ingest-queue';
import { type DocumentDeps, uploadDocument } from '../modules/documents/service';
import { testDatabases } from '../testing/databases';
import { tempDataDir, waitForDocument } from '../testing/documents';
import { flakyEmbedder, gatedEmbedder, smallOfflineEmbedder } from '../testing/embedders';
import { makePdf } from '../testing/make-pdf';
import { createUser } from '../testing/users';
import type { Embedder } from './embedders/embedder';
import { createOfflineEmbedder, OFFLINE_MODEL } from './embedders/offline';
import { extract } from './extract';
import { createIngestion, type Ingestion, waitingDocuments } from './ingestion';

const enc = (s: string) => new TextEncoder().encode(s);
const prose = (topic: string, n = 30) =>
  Array.from({ length: n }, (_, i) => `Fact ${i} about ${topic}: it is notable for reason ${i}.`).join(' ');

const FILES: Record<string, Uint8Array> = {
  'notes.txt': enc(`Plain notes.\n\n${prose('gardening')}`),
  'guide.md': enc(`# Guide\n\n${prose('baking')}\n\n## More\n\n${prose('ovens')}`),
  'page.html': enc(`<html><body><h1>Page</h1><p>${prose('rivers')}</p><ul><li>Item one</li></ul></body></html>`),
  'paper.pdf': makePdf([
    Array.from({ length: 20 }, (_, i) => `Page one line ${i} about volcanoes.`),
    Array.from({ length: 20 }, (_, i) => `Page two line ${i} about glaciers.`),
  ]),
  'data.json': enc(JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => ({ id: i, label: `label ${i}` })) })),
  'table.csv': enc(['city,country,population', ...Array.from({ length: 60 }, (_, i) => `City${i},Country${i % 5},${i * 1000}`)].join('\n')),
  'util.ts': enc(`export function add(a: number, b: number) {\n  return a + b;\n}\n\n${'// helper\n'.repeat(5)}export const ZERO = 0;\n`),
};

for (const target of testDatabases()) {
  describe(`ingestion on ${target.name}`, () => {
    let database: Database;
    let userId: string;
    const dataDir = tempDataDir();
    const running: Ingestion[] = [];

    beforeAll(async () => {
      database = await target.open();
      userId = await createUser(database);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(running.map((i) => i.stop()));
      await target.cleanup();
    });

    async function startIngestion(embedder: Embedder = createOfflineEmbedder(), queue: MemoryIngestQueueOptions = {}, extra = {}) {
      const ingestion = createIngestion({
        database,
        embedder,
        queue: createMemoryIngestQueue(queue),
        dataDir,
        backoffMs: 10,
        refillIntervalMs: 50,
        staleAfterMs: 300,
        ...extra,
      });
      running.push(ingestion);
      await ingestion.start();
      return ingestion;
    }

    const deps = (ingestion: Pick<Ingestion, 'submit'> | null): DocumentDeps => ({
      db: database.db,
      dataDir,
      maxUploadBytes: 10 * 1024 * 1024,
      submit: (doc) => ingestion?.submit(doc) ?? Promise.resolve(),
    });
    const upload = async (ingestion: Pick<Ingestion, 'submit'> | null, fileName: string, bytes: Uint8Array, user = userId) =>
      (await uploadDocument(deps(ingestion), user, { fileName, bytes })).document;

    const chunksOf = (documentId: string) =>
      database.db.select().from(chunks).where(eq(chunks.documentId, documentId)).orderBy(asc(chunks.ordinal));

    test('ingests-every-file-type-with-offsets-that-point-at-the-extracted-text', async () => {
      const ingestion = await startIngestion();
      const uploaded = await Promise.all(Object.entries(FILES).map(([name, bytes]) => upload(ingestion, name, bytes)));
      for (const doc of uploaded) {
        const done = await waitForDocument(database, doc.id);
        expect({ name: doc.name, status: done.status, error: done.error }).toEqual({ name: doc.name, status: 'ready', error: null });
        const stored = await chunksOf(doc.id);
        expect(stored.length).toBe(done.chunkCount);
        expect(stored.length).toBeGreaterThan(0);
        const { text } = await extract(FILES[doc.name], doc.name);
        for (const c of stored) {
          expect(text.slice(c.start, c.end)).toBe(c.text);
          expect(c.embeddingModel).toBe(OFFLINE_MODEL);
          expect(c.embedding).toHaveLength(384);
        }
      }
      const pdf = uploaded.find((d) => d.name === 'paper.pdf')!;
      const pages = (await chunksOf(pdf.id)).map((c) => [c.page, c.text.includes('volcanoes') ? 'v' : 'g']);
      expect(pages).toEqual([
        [1, 'v'],
        [2, 'g'],
      ]);
      expect(uploaded.map((d) => d.mimeType).sort()).toEqual([
        'application/json',
        'application/pdf',
        'text/csv',
        'text/html',
        'text/markdown',
        'text/plain',
        'text/x-typescript',
      ]);
    });

    test('status-moves-from-queued-through-processing-to-ready', async () => {
      const embedder = gatedEmbedder();
      const ingestion = await startIngestion(embedder);
      const doc = await upload(ingestion, 'status.md', enc(`# Status\n\n${prose('status')}`));
      expect(doc.status).toBe('queued');
      await embedder.entered;
      const processing = await waitForDocument(database, doc.id, (d) => d.status === 'processing');
      expect(processing.progress).toBeGreaterThan(0);
      expect(processing.progress).toBeLessThan(1);
      expect(processing.attempts).toBe(1);
      embedder.open();
      const ready = await waitForDocument(database, doc.id);
      expect([ready.status, ready.progress, ready.error]).toEqual(['ready', 1, null]);
      await ingestion.stop();
    });

    test('a-poisoned-document-ends-failed-with-its-reason-while-others-proceed', async () => {
      const ingestion = await startIngestion(createOfflineEmbedder(), { concurrency: 1 });
      const poison = await upload(ingestion, 'broken.pdf', enc('%PDF-1.7\n1 0 obj << /Type /Catalog >> truncated'));
      const good = await upload(ingestion, 'fine.md', enc(`# Fine\n\n${prose('health')}`));
      const failed = await waitForDocument(database, poison.id);
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('Could not read the PDF');
      expect(failed.attempts).toBe(1);
      expect(await chunksOf(poison.id)).toHaveLength(0);
      expect((await waitForDocument(database, good.id)).status).toBe('ready');
      await ingestion.stop();
    });

    test('transient-embedding-failures-are-retried-with-backoff', async () => {
      const embedder = flakyEmbedder(2);
      const ingestion = await startIngestion(embedder);
      const doc = await upload(ingestion, 'flaky.md', enc(`# Flaky\n\n${prose('retries')}`));
      const done = await waitForDocument(database, doc.id);
      expect([done.status, done.attempts, done.error]).toEqual(['ready', 3, null]);
      expect(embedder.calls).toBe(3);
      await ingestion.stop();
    });

    test('the-last-failed-attempt-dead-letters-the-document-with-its-reason', async () => {
      const embedder = flakyEmbedder(Number.POSITIVE_INFINITY);
      const ingestion = await startIngestion(embedder, {}, { maxAttempts: 3 });
      const doc = await upload(ingestion, 'doomed.md', enc(`# Doomed\n\n${prose('failure')}`));
      const done = await waitForDocument(database, doc.id);
      expect([done.status, done.attempts]).toEqual(['failed', 3]);
      expect(done.error).toContain('Embedding request failed (503)');
      expect(embedder.calls).toBe(3);
      await ingestion.stop();
    });

    test('a-restart-mid-ingestion-resumes-processing-and-queued-documents', async () => {
      const embedder = gatedEmbedder();
      const first = await startIngestion(embedder, { concurrency: 1 });
      const inFlight = await upload(first, 'inflight.md', enc(`# In flight\n\n${prose('restarts')}`));
      const waiting = await upload(first, 'waiting.md', enc(`# Waiting\n\n${prose('queues')}`));
      await embedder.entered;
      await first.stop();
      const statuses = await database.db.select({ id: documents.id, status: documents.status }).from(documents);
      expect(statuses.find((d) => d.id === inFlight.id)?.status).toBe('processing');
      expect(statuses.find((d) => d.id === waiting.id)?.status).toBe('queued');
      const second = await startIngestion();
      expect((await waitForDocument(database, inFlight.id)).status).toBe('ready');
      expect((await waitForDocument(database, waiting.id)).status).toBe('ready');
      await second.stop();
    });

    test('only-abandoned-processing-documents-are-offered-again-and-on-a-shared-database-only-stale-ones', async () => {
      const queued = await upload(null, 'w-queued.md', enc(`# Queued\n\n${prose('waiting')}`));
      const live = await upload(null, 'w-live.md', enc(`# Live\n\n${prose('working')}`));
      const stale = await upload(null, 'w-stale.md', enc(`# Stale\n\n${prose('abandoned')}`));
      await database.db.update(documents).set({ status: 'processing', updatedAt: sql`now()` }).where(eq(documents.id, live.id));
      await database.db
        .update(documents)
        .set({ status: 'processing', updatedAt: sql`now() - interval '10 minutes'` })
        .where(eq(documents.id, stale.id));
      const ids = async (want: { queued: boolean; abandoned: boolean }) =>
        (await waitingDocuments(database, { ...want, staleAfterMs: 60_000 }))
          .map((d) => d.id)
          .filter((id) => [queued.id, live.id, stale.id].includes(id));
      const shared = database.kind === 'postgres';
      expect(await ids({ queued: true, abandoned: true })).toEqual(shared ? [queued.id, stale.id] : [queued.id, live.id, stale.id]);
      expect(await ids({ queued: false, abandoned: true })).toEqual(shared ? [stale.id] : [live.id, stale.id]);
      expect(await ids({ queued: true, abandoned: false })).toEqual([queued.id]);
      await database.db.delete(documents).where(sql`${documents.id} IN (${queued.id}, ${live.id}, ${stale.id})`);
    });

    test('a-document-whose-worker-died-mid-job-is-taken-over-once-stale', async () => {
      const orphan = await upload(null, 'orphan.md', enc(`# Orphan\n\n${prose('orphans')}`));
      await database.db
        .update(documents)
        .set({ status: 'processing', attempts: 1, updatedAt: sql`now()` })
        .where(eq(documents.id, orphan.id));
      const ingestion = await startIngestion();
      const done = await waitForDocument(database, orphan.id);
      expect([done.status, done.attempts]).toEqual(['ready', 2]);
      expect((await chunksOf(orphan.id)).length).toBe(done.chunkCount);
      await ingestion.stop();
    });

    test('a-full-queue-still-accepts-uploads-and-drains-them-later', async () => {
      const ingestion = await startIngestion(createOfflineEmbedder(), { capacity: 1, concurrency: 1 });
      const docs = [];
      for (let i = 0; i < 6; i++) docs.push(await upload(ingestion, `burst-${i}.md`, enc(`# Burst ${i}\n\n${prose(`burst ${i}`, 10)}`)));
      expect(docs.every((d) => d.status === 'queued')).toBe(true);
      for (const d of docs) expect((await waitForDocument(database, d.id)).status).toBe('ready');
      await ingestion.stop();
    });

    test('the-same-upload-twice-and-a-redelivered-job-make-no-duplicate-chunks', async () => {
      const ingestion = await startIngestion();
      const bytes = enc(`# Twice\n\n${prose('duplicates', 60)}`);
      const first = await upload(ingestion, 'twice.md', bytes);
      const ready = await waitForDocument(database, first.id);
      const before = await chunksOf(first.id);
      const second = await uploadDocument(deps(ingestion), userId, { fileName: 'again.md', bytes });
      expect(second.created).toBe(false);
      expect(second.document.id).toBe(first.id);
      await database.db.update(documents).set({ status: 'processing' }).where(eq(documents.id, first.id));
      await ingestion.handle({ documentId: first.id, userId, attempt: 2 }, new AbortController().signal);
      const after = await chunksOf(first.id);
      expect(after.length).toBe(before.length);
      expect(after.map((c) => [c.ordinal, c.start, c.end, c.text])).toEqual(before.map((c) => [c.ordinal, c.start, c.end, c.text]));
      expect((await waitForDocument(database, first.id)).chunkCount).toBe(ready.chunkCount);
      const [{ n }] = await database.rows<{ n: number }>(sql`SELECT count(*)::int AS n FROM documents WHERE sha256 = ${ready.sha256}`);
      expect(n).toBe(1);
      await ingestion.stop();
    });

    test('a-new-embedding-model-re-embeds-ready-documents-and-never-mixes-models', async () => {
      const ingestion = await startIngestion();
      const doc = await upload(ingestion, 'models.md', enc(`# Models\n\n${prose('embedding models')}`));
      await waitForDocument(database, doc.id);
      await ingestion.stop();
      const small = smallOfflineEmbedder();
      await startIngestion(small);
      const done = await waitForDocument(database, doc.id, (d) => d.status === 'ready' && d.embeddingModel === small.model);
      expect(done.embeddingModel).toBe(small.model);
      const models = await database.rows<{ model: string; dims: number }>(
        sql`SELECT DISTINCT embedding_model AS model, vector_dims(embedding) AS dims FROM chunks WHERE document_id = ${doc.id}`,
      );
      expect(models).toEqual([{ model: small.model, dims: 64 }]);
    });

    test('deleting-a-document-mid-ingestion-leaves-no-chunks-behind', async () => {
      const embedder = gatedEmbedder();
      const ingestion = createIngestion({ database, embedder, queue: createMemoryIngestQueue(), dataDir });
      const doc = await upload(null, 'gone.md', enc(`# Gone\n\n${prose('deletion')}`));
      const handled = ingestion.handle({ documentId: doc.id, userId, attempt: 1 }, new AbortController().signal);
      await embedder.entered;
      await database.db.delete(documents).where(eq(documents.id, doc.id));
      embedder.open();
      await handled;
      expect(await chunksOf(doc.id)).toHaveLength(0);
    });
  });
}
