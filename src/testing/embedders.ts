import { AppError } from '../lib/errors';
import type { Embedder } from '../rag/embedders/embedder';
import { createOfflineEmbedder, embedOffline } from '../rag/embedders/offline';

/** The offline embedder, held at a gate until the test opens it: makes "mid-ingestion" observable. */
export function gatedEmbedder(): Embedder & { open(): void; entered: Promise<void> } {
  const inner = createOfflineEmbedder();
  let open!: () => void;
  let enter!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  return {
    model: inner.model,
    dimensions: inner.dimensions,
    open,
    entered,
    async embed(texts, signal) {
      enter();
      await Promise.race([
        gate,
        new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true })),
      ]);
      return inner.embed(texts);
    },
  };
}

/** The offline embedder failing its first `failures` calls the way an overloaded provider does. */
export function flakyEmbedder(failures: number): Embedder & { calls: number } {
  const inner = createOfflineEmbedder();
  const e = {
    model: inner.model,
    dimensions: inner.dimensions,
    calls: 0,
    async embed(texts: string[]) {
      e.calls++;
      if (e.calls <= failures) throw new AppError('embedding_failed', { message: 'Embedding request failed (503)' });
      return inner.embed(texts);
    },
  };
  return e;
}

/** A genuinely different model (the offline hashing at 64 dimensions), for re-embedding tests. */
export const smallOfflineEmbedder = (): Embedder => ({
  model: 'offline-hash-64-test',
  dimensions: 64,
  embed: async (texts) => texts.map((t) => embedOffline(t, 64)),
});
