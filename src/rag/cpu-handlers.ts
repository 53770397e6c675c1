import { chunkText } from './chunk';
import { embedOffline } from './embedders/offline';
import type { ChunkPayload } from './pipeline';

/**
 * CPU-bound RAG work for the scheduler's Bun Workers (`createScheduler({ handlers: <this file> })`).
 * Each handler takes a batch of string payloads and returns one result per payload.
 */
export const handlers: Record<string, (payloads: string[]) => unknown[]> = {
  /** payload: a text; result: its offline embedding (Float32Array). */
  embed: (payloads) => payloads.map((text) => embedOffline(text)),
  /** payload: JSON `ChunkPayload`; result: `TextChunk[]`. */
  chunk: (payloads) =>
    payloads.map((json) => {
      const { text, kind, pages, options } = JSON.parse(json) as ChunkPayload;
      return chunkText({ text, kind, pages }, options);
    }),
};

/** Absolute path of this module, for `createScheduler({ handlers: CPU_HANDLERS_PATH })`. */
export const CPU_HANDLERS_PATH = import.meta.path;
