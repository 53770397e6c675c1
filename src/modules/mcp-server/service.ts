import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { chunks, documents } from '../../db/schema';
import { notFound } from '../../lib/errors';
import type { Citation, RetrieveFn } from '../../plugins';
import type { Principal } from '../auth/guard';
import { type DocumentView, listDocuments } from '../documents/service';
import type { AskArgs, GetChunkArgs, SearchDocumentsArgs } from './model';

export interface McpServerDeps {
  db: Db;
  retrieve: RetrieveFn;
  /** One chat turn with document lookup, as `POST /api/chat` runs it. */
  ask(principal: Principal, question: string): Promise<{ conversationId: string; content: string; citations: Citation[] }>;
}

export interface ChunkView {
  chunkId: string;
  documentId: string;
  documentName: string;
  ordinal: number;
  page: number | null;
  start: number;
  end: number;
  text: string;
}

/** Hybrid retrieval over the caller's own chunks, numbered as an answer would cite them. */
export async function searchDocuments(deps: McpServerDeps, userId: string, args: SearchDocumentsArgs): Promise<Citation[]> {
  const passages = await deps.retrieve(userId, args.query, { k: args.limit ?? 5 });
  return passages.map((p, i) => ({
    n: i + 1,
    documentId: p.documentId,
    documentName: p.documentName,
    chunkId: p.chunkId,
    page: p.page,
    start: p.start,
    end: p.end,
    score: p.score,
    text: p.text,
  }));
}

export function listOwnDocuments(deps: McpServerDeps, userId: string): Promise<DocumentView[]> {
  return listDocuments(deps.db, userId);
}

/** One of the caller's chunks; another user's id is as unknown as a made-up one. */
export async function getChunk(deps: McpServerDeps, userId: string, args: GetChunkArgs): Promise<ChunkView> {
  const [row] = await deps.db
    .select({
      chunkId: chunks.id,
      documentId: chunks.documentId,
      documentName: documents.name,
      ordinal: chunks.ordinal,
      page: chunks.page,
      start: chunks.start,
      end: chunks.end,
      text: chunks.text,
    })
    .from(chunks)
    .innerJoin(documents, eq(documents.id, chunks.documentId))
    .where(and(eq(chunks.id, args.id), eq(chunks.userId, userId)));
  if (!row) throw notFound('Chunk');
  return row;
}

export function ask(deps: McpServerDeps, principal: Principal, args: AskArgs) {
  return deps.ask(principal, args.question);
}
