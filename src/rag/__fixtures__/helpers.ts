import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { documents, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Embedder } from '../embedders/embedder';
import { createOfflineEmbedder, embedOffline } from '../embedders/offline';

export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'confab-rag-'));

export async function createUser(database: Database): Promise<string> {
  const [user] = await database.db
    .insert(users)
    .values({ email: `${crypto.randomUUID()}@example.com`, passwordHash: '-' })
    .returning({ id: users.id });
  return user.id;
}

export type DocumentRow = typeof documents.$inferSelect;

/** Polls the document row until `done` holds (ingestion is asynchronous by design). */
export async function waitForDocument(
  database: Database,
  id: string,
  done: (d: DocumentRow) => boolean = (d) => d.status === 'ready' || d.status === 'failed',
  timeoutMs = 20_000,
): Promise<DocumentRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [doc] = await database.db.select().from(documents).where(eq(documents.id, id));
    if (doc && done(doc)) return doc;
    if (Date.now() > deadline) throw new Error(`document ${id} stuck: ${JSON.stringify(doc)}`);
    await Bun.sleep(20);
  }
}

/** The offline embedder, held at a gate until the test opens it: makes "mid-ingestion" observable. */
export function gatedEmbedder(): Embedder & { open(): void; entered: Promise<void> } {
  const inner = createOfflineEmbedder();
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  return {
    model: inner.model,
    dimensions: inner.dimensions,
    open,
    entered,
    async embed(texts, signal) {
      enter();
      await Promise.race([
        gate,
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
      return inner.embed(texts);
    },
  };
}

/** The offline embedder failing its first `failures` calls the way an overloaded provider does. */
export function flakyEmbedder(failures: number): Embedder & { calls: number } {
  const inner = createOfflineEmbedder();
  const e = {
    model: inner.model,
    dimensions: inner.dimensions,
    calls: 0,
    async embed(texts: string[]) {
      e.calls++;
      if (e.calls <= failures) throw new AppError('embedding_failed', { message: 'Embedding request failed (503)' });
      return inner.embed(texts);
    },
  };
  return e;
}

/** A genuinely different model (the offline hashing at 64 dimensions), for re-embedding tests. */
export const smallOfflineEmbedder = (): Embedder => ({
  model: 'offline-hash-64-test',
  dimensions: 64,
  embed: async (texts) => texts.map((t) => embedOffline(t, 64)),
});
