import { type ChunkOptions, chunkText, type TextChunk } from './chunk';
import type { Embedder } from './embedders/embedder';
import { type Extracted, extract } from './extract';

/** Runs a named CPU handler (cpu-handlers.ts) over a batch, e.g. on the scheduler's workers. */
export type RunCpu = (kind: string, payloads: string[]) => Promise<unknown[]>;

export interface PipelineOptions {
  runCpu?: RunCpu;
  chunkOptions?: ChunkOptions;
  /** Texts per embedding call; progress is reported after each. */
  embedBatch?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void | Promise<void>;
}

/** What the `chunk` CPU handler receives, as JSON. */
export interface ChunkPayload {
  text: string;
  kind: Extracted['kind'];
  pages: Extracted['pages'];
  options?: ChunkOptions;
}

export async function chunkExtracted(extracted: Extracted, opts: PipelineOptions = {}): Promise<TextChunk[]> {
  if (!opts.runCpu) return chunkText(extracted, opts.chunkOptions);
  const payload: ChunkPayload = { text: extracted.text, kind: extracted.kind, pages: extracted.pages, options: opts.chunkOptions };
  const [result] = await opts.runCpu('chunk', [JSON.stringify(payload)]);
  return result as TextChunk[];
}

/** Embeds in batches, off-thread when the embedder has a CPU handler and a runner is given. */
export async function embedTexts(embedder: Embedder, texts: string[], opts: PipelineOptions = {}): Promise<ArrayLike<number>[]> {
  const batch = opts.embedBatch ?? 64;
  const out: ArrayLike<number>[] = [];
  for (let i = 0; i < texts.length; i += batch) {
    opts.signal?.throwIfAborted();
    const slice = texts.slice(i, i + batch);
    const vectors =
      embedder.cpuHandler && opts.runCpu
        ? ((await opts.runCpu(embedder.cpuHandler, slice)) as ArrayLike<number>[])
        : await embedder.embed(slice, opts.signal);
    out.push(...vectors);
    await opts.onProgress?.(Math.min(1, (i + slice.length) / texts.length));
  }
  return out;
}

export interface PreparedDocument {
  extracted: Extracted;
  chunks: TextChunk[];
  vectors: ArrayLike<number>[];
}

/** Bytes in, embedded chunks out: extract → chunk → embed. Progress runs 0 → 1 across the steps. */
export async function prepareDocument(
  bytes: Uint8Array,
  fileName: string,
  embedder: Embedder,
  opts: PipelineOptions = {},
): Promise<PreparedDocument> {
  const extracted = await extract(bytes, fileName);
  await opts.onProgress?.(0.1);
  const chunks = await chunkExtracted(extracted, opts);
  await opts.onProgress?.(0.2);
  const vectors = await embedTexts(
    embedder,
    chunks.map((c) => c.text),
    { ...opts, onProgress: (f) => opts.onProgress?.(0.2 + 0.75 * f) },
  );
  return { extracted, chunks, vectors };
}
