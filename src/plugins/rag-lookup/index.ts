import { type Static, Type } from '@sinclair/typebox';
import type { Citation } from '../citation';
import type { Plugin } from '../types';

const parameters = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 2_000, description: "What to look up in the user's documents." }),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'How many passages.' })),
    documentIds: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 50, description: 'Only search these documents.' })),
  },
  { additionalProperties: false },
);

export type RagLookupArgs = Static<typeof parameters>;

export interface RagLookupData {
  query: string;
  citations: Citation[];
}

function where(c: Citation): string {
  return c.page === null || c.page === undefined ? c.documentName : `${c.documentName}, page ${c.page}`;
}

function describe(query: string, citations: Citation[]): string {
  if (citations.length === 0) return `No passages in the user's documents match "${query}".`;
  const passages = citations.map((c) => `[${c.n}] (${where(c)})\n${c.text.trim()}`);
  return [`Passages from the user's documents for "${query}". Cite them as [n].`, ...passages].join('\n\n');
}

/**
 * Retrieval over the asking user's documents. Numbering continues from `ctx.citationStart`, so
 * numbers stay unique when one answer draws on several lookups. Switched on for a message, the
 * message is the query; a message limited to some documents searches them without being asked.
 */
export const ragLookupPlugin: Plugin<RagLookupArgs, RagLookupData> = {
  name: 'rag_lookup',
  description: "Searches the user's uploaded documents and returns numbered passages with their source, to cite as [n].",
  summary: 'Looks things up in your documents and cites them.',
  parameters,
  capabilities: ['documents'],
  timeoutMs: 10_000,
  available: (services) => (services.retrieve ? { ok: true } : { ok: false, reason: 'document retrieval is not running' }),
  async run(args, ctx) {
    const passages = await ctx.services.retrieve!(ctx.userId, args.query, { k: args.k ?? 5, documentIds: args.documentIds });
    const start = ctx.citationStart ?? 1;
    const citations = passages.map((p, i) => ({ ...p, n: start + i }));
    return { text: describe(args.query, citations), data: { query: args.query, citations } };
  },
  explicitArgs: ({ message, documentIds }) => (documentIds?.length ? { query: message, documentIds } : { query: message }),
  impliedBy: ({ documentIds }) => Boolean(documentIds?.length),
  citations: (data) => data.citations,
};
