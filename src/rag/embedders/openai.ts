import OpenAI from 'openai';
import { AppError } from '../../lib/errors';
import type { Embedder } from './embedder';

export interface OpenAIEmbedderOptions {
  /** `openai` or `local`; becomes part of the recorded model name so providers never mix. */
  provider: 'openai' | 'local';
  model: string;
  apiKey?: string;
  /** OpenAI-compatible base including `/v1`. */
  baseURL?: string;
  /** Inputs per request; OpenAI accepts up to 2048. */
  batchSize?: number;
  timeoutMs?: number;
}

const KNOWN_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

function embeddingError(err: unknown): AppError {
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 502;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new AppError('embedding_failed', { message: `Embedding request failed (${status})`, retryable, cause: err });
  }
  if (err instanceof OpenAI.APIUserAbortError) return new AppError('aborted', { message: 'Embedding was cancelled' });
  return new AppError('embedding_failed', { internal: `Embedding request failed: ${(err as Error).message}`, cause: err });
}

/**
 * Embeddings from OpenAI or any server speaking its `/embeddings` API (Ollama, vLLM, llama.cpp,
 * LM Studio). Retries are left to the ingestion queue, which owns backoff.
 */
export function createOpenAIEmbedder(opts: OpenAIEmbedderOptions): Embedder {
  const client = new OpenAI({
    apiKey: opts.apiKey ?? 'unused',
    baseURL: opts.baseURL,
    maxRetries: 0,
    timeout: opts.timeoutMs ?? 60_000,
  });
  const batchSize = opts.batchSize ?? 256;
  let dimensions = KNOWN_DIMENSIONS[opts.model] ?? 0;

  async function embedBatch(batch: string[], signal?: AbortSignal): Promise<number[][]> {
    let response: OpenAI.CreateEmbeddingResponse;
    try {
      response = await client.embeddings.create({ model: opts.model, input: batch }, { signal });
    } catch (err) {
      throw embeddingError(err);
    }
    const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
    if (vectors.length !== batch.length) {
      throw new AppError('embedding_failed', { internal: `Expected ${batch.length} embeddings, got ${vectors.length}`, retryable: false });
    }
    dimensions = vectors[0]?.length ?? dimensions;
    return vectors;
  }

  return {
    model: `${opts.provider}:${opts.model}`,
    get dimensions() {
      return dimensions;
    },
    async embed(texts, signal) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) out.push(...(await embedBatch(texts.slice(i, i + batchSize), signal)));
      return out;
    },
  };
}
