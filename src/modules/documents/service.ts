import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { documents } from '../../db/schema';
import { AppError, badRequest, notFound } from '../../lib/errors';
import { sniff } from '../../rag/sniff';

type DocumentRow = typeof documents.$inferSelect;

export interface DocumentView {
  id: string;
  name: string;
  mimeType: string;
  sizeBytes: number;
  status: DocumentRow['status'];
  error: string | null;
  attempts: number;
  progress: number;
  chunkCount: number;
  embeddingModel: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DocumentDeps {
  db: Db;
  dataDir: string;
  maxUploadBytes: number;
  /** Hands a queued document to ingestion (it stays queued if ingestion is busy). */
  submit(doc: { documentId: string; userId: string }): Promise<void>;
}

export interface Upload {
  bytes: Uint8Array;
  fileName: string;
  name?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const toView = (d: DocumentRow): DocumentView => ({
  id: d.id,
  name: d.name,
  mimeType: d.mimeType,
  sizeBytes: d.sizeBytes,
  status: d.status,
  error: d.error,
  attempts: d.attempts,
  progress: d.progress,
  chunkCount: d.chunkCount,
  embeddingModel: d.embeddingModel,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

/** A display name only: the last path segment, without control characters, never used on disk. */
export function displayName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'untitled' : clean;
}

/** The folder under the data directory that holds one user's uploads. */
export const userUploadsDir = (userId: string): string => join('uploads', userId.toLowerCase());

/** Where an upload lives, relative to the data folder; built only from server-made ids. */
export function storagePath(userId: string, documentId: string): string {
  if (!UUID.test(userId) || !UUID.test(documentId)) throw badRequest('Invalid id');
  return join(userUploadsDir(userId), documentId.toLowerCase());
}

const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher('sha256').update(bytes).digest('hex');

async function existingUpload(deps: DocumentDeps, userId: string, digest: string): Promise<DocumentView | null> {
  const [doc] = await deps.db
    .select()
    .from(documents)
    .where(and(eq(documents.userId, userId), eq(documents.sha256, digest)))
    .limit(1);
  if (!doc) return null;
  if (doc.status !== 'failed') return toView(doc);
  // Uploading a failed document again is how a user asks for another try.
  const [reset] = await deps.db
    .update(documents)
    .set({ status: 'queued', error: null, attempts: 0, progress: 0, updatedAt: sql`now()` })
    .where(eq(documents.id, doc.id))
    .returning();
  await deps.submit({ documentId: doc.id, userId });
  return toView(reset);
}

/**
 * Stores an upload and queues it. The content decides the type (415 when unsupported); the same
 * bytes uploaded twice by one user return the existing document instead of a copy, also when
 * both uploads arrive at the same instant (the unique index on user and digest decides).
 */
export async function uploadDocument(
  deps: DocumentDeps,
  userId: string,
  upload: Upload,
): Promise<{ document: DocumentView; created: boolean }> {
  if (upload.bytes.length > deps.maxUploadBytes) {
    throw new AppError('payload_too_large', { message: `File exceeds ${Math.floor(deps.maxUploadBytes / 1024)} KiB` });
  }
  const { mimeType } = sniff(upload.bytes, upload.fileName);
  const digest = sha256(upload.bytes);
  const existing = await existingUpload(deps, userId, digest);
  if (existing) return { document: existing, created: false };
  const id = crypto.randomUUID();
  const relative = storagePath(userId, id);
  await mkdir(join(deps.dataDir, userUploadsDir(userId)), { recursive: true, mode: 0o700 });
  await Bun.write(join(deps.dataDir, relative), upload.bytes);
  let row: DocumentRow | undefined;
  try {
    [row] = await deps.db
      .insert(documents)
      .values({
        id,
        userId,
        name: displayName(upload.name ?? upload.fileName),
        mimeType,
        sizeBytes: upload.bytes.length,
        sha256: digest,
        storagePath: relative,
      })
      .onConflictDoNothing({ target: [documents.userId, documents.sha256] })
      .returning();
  } catch (err) {
    await rm(join(deps.dataDir, relative), { force: true });
    throw err;
  }
  if (!row) return { document: await concurrentUpload(deps, userId, digest, relative), created: false };
  await deps.submit({ documentId: id, userId });
  return { document: toView(row), created: true };
}

/** Another upload of the same content won the insert: this copy of the file is not needed. */
async function concurrentUpload(deps: DocumentDeps, userId: string, digest: string, relative: string): Promise<DocumentView> {
  await rm(join(deps.dataDir, relative), { force: true });
  const winner = await existingUpload(deps, userId, digest);
  if (!winner)
    throw new AppError('conflict', { message: 'The same content was deleted while being uploaded; upload it again', retryable: true });
  return winner;
}

export async function listDocuments(db: Db, userId: string): Promise<DocumentView[]> {
  const rows = await db.select().from(documents).where(eq(documents.userId, userId)).orderBy(desc(documents.createdAt));
  return rows.map(toView);
}

export async function getDocument(db: Db, userId: string, id: string): Promise<DocumentView> {
  const [doc] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.id, id), eq(documents.userId, userId)));
  if (!doc) throw notFound('Document');
  return toView(doc);
}

/** Removes the document, its chunks (cascade) and its stored file. */
export async function deleteDocument(db: Db, dataDir: string, userId: string, id: string): Promise<void> {
  const [doc] = await db
    .delete(documents)
    .where(and(eq(documents.id, id), eq(documents.userId, userId)))
    .returning({ storagePath: documents.storagePath });
  if (!doc) throw notFound('Document');
  await rm(join(dataDir, doc.storagePath), { force: true });
}
