import type { Database } from '../../db/client';
import type { RetrieveFn, WordFrequenciesFn } from '../../plugins';
import { corpusFrequencies } from '../../rag/corpus-frequencies';
import type { Embedder } from '../../rag/embedders';
import type { Reranker } from '../../rag/rerank-client';
import { retrieve } from '../../rag/retrieve';

/** The `retrieve` service plugins use: hybrid retrieval over the asking user's chunks. */
export function retrievalService(database: Database, embedder: Embedder, language: string, reranker?: Reranker): RetrieveFn {
  return (userId, query, opts) =>
    retrieve(database, embedder, userId, query, { k: opts.k, documentIds: opts.documentIds, language, reranker });
}

/** The word frequencies the offline model weighs a question's words by, from the asking user's chunks. */
export function wordFrequencyService(database: Database, language: string): WordFrequenciesFn {
  return (userId, question) => corpusFrequencies(database, userId, question, language);
}
