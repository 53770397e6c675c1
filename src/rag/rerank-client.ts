/**
 * A client for the common `/rerank` API that Cohere, Jina, vLLM and Hugging Face TEI serve:
 * `{model, query, documents, top_n}` in; `{results: [{index, relevance_score}]}` (Cohere, Jina,
 * vLLM) or `[{index, score}]` (TEI) out.
 */

export interface Reranker {
  /** A relevance score for each of `documents`, in their order (higher is more relevant). */
  rerank(query: string, documents: string[], signal?: AbortSignal): Promise<number[]>;
}

export interface RerankClientOptions {
  /** The endpoint itself, e.g. `https://api.cohere.com/v2/rerank` or `http://localhost:8080/rerank`. */
  url: string;
  model?: string;
  apiKey?: string;
  timeoutMs?: number;
}

type RerankResult = { index: number; relevance_score?: number; score?: number };

/** Thrown for a failed call; the message names the status only, never the key or the request. */
export class RerankError extends Error {}

function scoresOf(body: unknown, count: number): number[] {
  const results = Array.isArray(body) ? body : (body as { results?: unknown })?.results;
  if (!Array.isArray(results)) throw new RerankError('rerank: response has no results');
  const scores = new Array<number>(count).fill(Number.NEGATIVE_INFINITY);
  for (const r of results as RerankResult[]) {
    const score = r.relevance_score ?? r.score;
    if (!Number.isInteger(r.index) || r.index < 0 || r.index >= count || typeof score !== 'number') {
      throw new RerankError('rerank: malformed result');
    }
    scores[r.index] = score;
  }
  return scores;
}

export function createRerankClient(opts: RerankClientOptions): Reranker {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return {
    async rerank(query, documents, signal) {
      if (documents.length === 0) return [];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
      const timeout = AbortSignal.timeout(timeoutMs);
      const res = await fetch(opts.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: opts.model, query, documents, top_n: documents.length, return_documents: false }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!res.ok) throw new RerankError(`rerank: server answered ${res.status}`);
      return scoresOf(await res.json(), documents.length);
    },
  };
}
