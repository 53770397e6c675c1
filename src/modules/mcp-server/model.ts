import { type Static, Type } from '@sinclair/typebox';

/** Arguments of Confab's own MCP tools; each schema is both the `inputSchema` a client sees and the check. */
export const SearchDocumentsArgs = Type.Object(
  {
    query: Type.String({ minLength: 1, maxLength: 2000, description: 'What to look for in your documents' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Passages wanted' })),
  },
  { additionalProperties: false },
);
export type SearchDocumentsArgs = Static<typeof SearchDocumentsArgs>;

export const ListDocumentsArgs = Type.Object({}, { additionalProperties: false });

export const GetChunkArgs = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'A chunkId from search_documents' }) },
  { additionalProperties: false },
);
export type GetChunkArgs = Static<typeof GetChunkArgs>;

export const AskArgs = Type.Object(
  { question: Type.String({ minLength: 1, maxLength: 10_000, description: 'A question answered from your documents' }) },
  { additionalProperties: false },
);
export type AskArgs = Static<typeof AskArgs>;
