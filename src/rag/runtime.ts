import { createScheduler, type Priority, type Scheduler } from '../../scheduler/index';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { EventBus } from '../infra/bus/types';
import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import { CPU_HANDLERS_PATH, handlers as inlineHandlers } from './cpu-handlers';
import type { Embedder } from './embedders';
import { createIngestion, type Ingestion } from './ingestion';
import type { RunCpu } from './pipeline';

export interface RagRuntime {
  scheduler: Scheduler;
  ingestion: Ingestion;
  /** The embedder whose CPU work (offline model) runs on the scheduler's workers. */
  embedder: Embedder;
  close(): Promise<void>;
}

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

/** Query embeddings (a user is waiting) run at interactive priority; ingestion in the background. */
function offThread(embedder: Embedder, runCpu: RunCpu): Embedder {
  const handler = embedder.cpuHandler;
  if (!handler) return embedder;
  return {
    model: embedder.model,
    dimensions: embedder.dimensions,
    cpuHandler: handler,
    embed: async (texts) => (await runCpu(handler, texts)) as Float32Array[],
  };
}

export async function createRagRuntime(config: Config, database: Database, embedder: Embedder, bus: EventBus): Promise<RagRuntime> {
  const scheduler = createScheduler({ handlers: CPU_HANDLERS_PATH, workers: config.schedulerWorkers });
  await scheduler.ready();
  log.info('scheduler ready', { workers: scheduler.stats().workers });
  const ingestion = createIngestion({
    database,
    embedder,
    queue: bus.ingestQueue(),
    dataDir: config.dataDir,
    runCpu: schedulerRunner(scheduler, 'background'),
  });
  await ingestion.start();
  return {
    scheduler,
    ingestion,
    embedder: offThread(embedder, schedulerRunner(scheduler, 'interactive')),
    async close() {
      await ingestion.stop();
      await scheduler.close();
    },
  };
}
