import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client';
import { documents } from '../db/schema';

export const tempDataDir = () => mkdtempSync(join(tmpdir(), 'confab-rag-'));

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
