import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { chunks, documents, users } from '../db/schema';
import type { TextChunk } from './chunk';
import { ensureVectorIndex } from './vector-index';

export interface EmbeddedChunks {
  model: string;
  chunks: TextChunk[];
  vectors: ArrayLike<number>[];
}

const INSERT_BATCH = 400;

/**
 * Swaps a document's chunks for a new set and marks it ready, in one transaction: a redelivered
 * job replaces rather than duplicates, and readers never see half a document. `language` is the
 * text-search configuration its lexemes are made with (the triggers of migration 0013 count them
 * into the owner's BM25 statistics). Returns false when
 * the document is gone or no longer being processed (deleted mid-flight).
 */
export async function replaceDocumentChunks(
  database: Database,
  doc: { id: string; userId: string },
  embedded: EmbeddedChunks,
  language = 'english',
): Promise<boolean> {
  const dimensions = embedded.vectors[0]?.length ?? 0;
  if (dimensions > 0) await ensureVectorIndex(database, embedded.model, dimensions);
  return database.db.transaction(async (tx) => {
    // The owner's row first, as the chunks' foreign keys would lock it later: deleting the account
    // locks the user and then their documents, so taking the document first and the user second
    // let each wait for the other, and PostgreSQL broke the deadlock by failing one of them.
    const owner = await tx.select({ id: users.id }).from(users).where(eq(users.id, doc.userId)).for('key share');
    if (owner.length === 0) return false;
    const claimed = await tx
      .select({ id: documents.id })
      .from(documents)
      .where(and(eq(documents.id, doc.id), eq(documents.status, 'processing')))
      .for('update');
    if (claimed.length === 0) return false;
    await tx.delete(chunks).where(eq(chunks.documentId, doc.id));
    const rows = embedded.chunks.map((c, i) => ({
      documentId: doc.id,
      userId: doc.userId,
      ordinal: c.ordinal,
      text: c.text,
      page: c.page,
      start: c.start,
      end: c.end,
      tokenCount: c.tokenCount,
      embeddingModel: embedded.model,
      embedding: Array.from(embedded.vectors[i]),
      textSearchConfig: language,
    }));
    for (let i = 0; i < rows.length; i += INSERT_BATCH) await tx.insert(chunks).values(rows.slice(i, i + INSERT_BATCH));
    await tx
      .update(documents)
      .set({
        status: 'ready',
        error: null,
        progress: 1,
        chunkCount: rows.length,
        embeddingModel: embedded.model,
        updatedAt: sql`now()`,
      })
      .where(eq(documents.id, doc.id));
    return true;
  });
}
