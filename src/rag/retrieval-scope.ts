import { type SQL, sql } from 'drizzle-orm';

/** Whose chunks a retrieval may see: one user's, optionally narrowed to some of their documents. */
export interface RetrievalScope {
  userId: string;
  documentIds?: string[];
}

/** One candidate chunk from either half, with what the answer shows of it. */
export interface CandidateRow {
  id: string;
  document_id: string;
  name: string;
  page: number | null;
  start_offset: number;
  end_offset: number;
  text: string;
  /** Vector half: cosine distance. */
  dist?: number;
  /** Text half: BM25 score. */
  rank?: number;
  embedding?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function scopeFilter(alias: string, s: RetrievalScope): SQL {
  const a = sql.raw(alias);
  const own = sql`${a}.user_id = ${s.userId}`;
  if (!s.documentIds) return own;
  const ids = s.documentIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return sql`false`;
  return sql`${own} AND ${a}.document_id IN (${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )})`;
}

/** The columns a candidate carries, read from the chunk row the half already fetched. */
export const candidateColumns = (alias: string, withEmbedding: boolean): SQL => {
  const a = sql.raw(alias);
  return sql`${a}.id, ${a}.document_id, ${a}.page, ${a}.start_offset, ${a}.end_offset, ${a}.text${withEmbedding ? sql`, ${a}.embedding::text AS embedding` : sql``}`;
};

export const rowsOf = <T>(result: unknown): T[] => (Array.isArray(result) ? result : (result as { rows: T[] }).rows);
