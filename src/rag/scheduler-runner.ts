import type { Priority, Scheduler } from '../../scheduler/index';
import { AppError } from '../lib/errors';
import { handlers as inlineHandlers } from './cpu-handlers';
import type { Embedder } from './embedders';
import type { RunCpu } from './pipeline';

/**
 * CPU work goes to the scheduler's workers so it never stalls the event loop that streams tokens.
 * A payload too large for the shared arena (a very long document's chunking) runs inline instead.
 */
export function schedulerRunner(scheduler: Scheduler, priority: Priority): RunCpu {
  return async (kind, payloads) => {
    try {
      return await scheduler.submitMany(kind, payloads, priority);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'payload_too_large')) throw error;
      return inlineHandlers[kind](payloads);
    }
  };
}

/** The embedder with its CPU work (the offline model's) run by `runCpu`; a remote one is unchanged. */
export function offThreadEmbedder(embedder: Embedder, runCpu: RunCpu): Embedder {
  const handler = embedder.cpuHandler;
  if (!handler) return embedder;
  return {
    model: embedder.model,
    dimensions: embedder.dimensions,
    cpuHandler: handler,
    embed: async (texts) => (await runCpu(handler, texts)) as Float32Array[],
  };
}
