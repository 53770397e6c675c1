/** Turns texts into vectors; one instance per configured model. */
export interface Embedder {
  /** Stored with every chunk; vectors of different models are never compared. */
  readonly model: string;
  /** Vector length; remote models report 0 until their first answer reveals it. */
  readonly dimensions: number;
  /** Names a CPU handler (see cpu-handlers.ts) that computes the same vectors off the main thread. */
  readonly cpuHandler?: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[] | number[][]>;
}
