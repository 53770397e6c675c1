import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { chunks, documents } from '../../db/schema';
import { countMessageTokens, countTextTokens, DEFAULT_OUTPUT_RESERVATION } from '../../lib/tokens';
import { type Citation, delimitUntrusted } from '../../plugins';
import type { ChatMessage } from '../../providers/types';
import type { DocumentMode } from '../conversations/settings';
import { SYSTEM_PROMPT } from './prompt';

/**
 * The most a turn reads whole, whatever the window: a model with a million-token window would
 * otherwise be sent (and bill for) a library on every message, and the text is counted each turn.
 */
export const MAX_WHOLE_TOKENS = 50_000;
/** A document whose chunks sum past this share of the budget is not read: its overlap is far smaller. */
const ESTIMATE_SLACK = 1.5;

/**
 * The room a turn has for whole documents: the model's window less the answer's reserve (the
 * conversation's longest answer, else what `buildPrompt` reserves), the instructions and the new
 * message, and the history the turn would keep, up to a quarter of the window; at most `MAX_WHOLE_TOKENS`.
 */
export function documentBudget(opts: {
  contextWindow: number;
  maxTokens?: number;
  instructions?: string | null;
  message: string;
  history: readonly { role: string; content: string }[];
}): number {
  const answer = opts.maxTokens ?? Math.min(DEFAULT_OUTPUT_RESERVATION, Math.floor(opts.contextWindow / 4));
  const fixed: ChatMessage[] = [
    { role: 'system', content: SYSTEM_PROMPT },
    ...(opts.instructions ? [{ role: 'system' as const, content: opts.instructions }] : []),
    { role: 'user', content: opts.message },
  ];
  const history = countMessageTokens(opts.history.map((m) => ({ role: m.role, content: m.content }))) - countMessageTokens([]);
  const room = opts.contextWindow - answer - countMessageTokens(fixed) - Math.min(history, Math.floor(opts.contextWindow / 4));
  return Math.min(room, MAX_WHOLE_TOKENS);
}

export interface WholeDocuments {
  /** The parts, numbered from 1: each document's text in chunk-sized, non-overlapping spans. */
  citations: Citation[];
  /** The prompt's system text with every part under its number and document. */
  text: string;
  tokens: number;
}

function where(c: Citation): string {
  return c.page === null ? c.documentName : `${c.documentName}, page ${c.page}`;
}

/**
 * The whole text of the user's `documentIds`, when all of it fits `budget` tokens; undefined when
 * it does not (the turn searches them instead). The text is rebuilt from the stored chunks without
 * their overlap, so every part is exactly the document's text between its offsets and a quote in
 * it maps back to the page and characters it came from.
 */
export async function loadWholeDocuments(
  db: Db,
  userId: string,
  documentIds: readonly string[],
  budget: number,
): Promise<WholeDocuments | undefined> {
  if (!documentIds.length || budget <= 0) return undefined;
  const mine = and(eq(chunks.userId, userId), inArray(chunks.documentId, [...documentIds]));
  const [estimate] = await db
    .select({ tokens: sql<number>`coalesce(sum(${chunks.tokenCount}), 0)::int` })
    .from(chunks)
    .where(mine);
  if (Number(estimate.tokens) > budget * ESTIMATE_SLACK) return undefined;
  const rows = await db
    .select({
      id: chunks.id,
      documentId: chunks.documentId,
      name: documents.name,
      page: chunks.page,
      start: chunks.start,
      end: chunks.end,
      text: chunks.text,
    })
    .from(chunks)
    .innerJoin(documents, eq(documents.id, chunks.documentId))
    .where(mine)
    .orderBy(asc(chunks.ordinal));
  const order = new Map(documentIds.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.documentId)! - order.get(b.documentId)!);
  const citations: Citation[] = [];
  let doc = '';
  let covered = 0;
  for (const r of rows) {
    if (r.documentId !== doc) (doc = r.documentId), (covered = 0);
    // Neighbouring chunks repeat each other's edges; each character is sent once.
    const start = Math.max(r.start, covered);
    if (start >= r.end) continue;
    const text = r.text.slice(start - r.start);
    covered = r.end;
    if (!text.trim()) continue;
    citations.push({
      n: citations.length + 1,
      documentId: r.documentId,
      documentName: r.name,
      chunkId: r.id,
      page: r.page,
      start,
      end: r.end,
      score: 1,
      text,
    });
  }
  if (!citations.length) return undefined;
  const body = [
    "The user's documents, whole, in numbered parts; each part names its document (and page). Answer from them and cite the parts as [n].",
    ...citations.map((c) => `[${c.n}] (${where(c)})\n${c.text.trim()}`),
  ].join('\n\n');
  const text = delimitUntrusted('documents', body);
  const tokens = countTextTokens(text);
  return tokens <= budget ? { citations, text, tokens } : undefined;
}

/**
 * The documents a turn reads whole, when they fit the model's context budget: the files attached
 * in the branch, and in `whole` mode the picked documents too; `retrieve` mode reads none.
 */
export async function readWhole(
  db: Db,
  userId: string,
  turn: {
    mode: DocumentMode;
    files: readonly string[];
    picked: readonly string[];
    contextWindow: number;
    maxTokens?: number;
    instructions?: string | null;
    message: string;
    history: readonly { role: string; content: string }[];
  },
): Promise<(WholeDocuments & { documentIds: string[] }) | undefined> {
  const documentIds =
    turn.mode === 'retrieve' ? [] : turn.mode === 'whole' ? [...new Set([...turn.files, ...turn.picked])] : [...turn.files];
  if (!documentIds.length) return undefined;
  const budget = documentBudget({ ...turn, history: turn.history.filter((m) => m.role === 'user' || m.role === 'assistant') });
  const whole = await loadWholeDocuments(db, userId, documentIds, budget);
  return whole && { ...whole, documentIds };
}
