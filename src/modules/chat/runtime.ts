import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { createRateLimiter, createRateLimitStore, type RateLimiter, type RateLimitStore } from '../../infra/rate-limit';
import { MemoryStreamHub, type StreamHub } from '../../infra/stream-hub';
import { builtinPlugins, type PluginRegistry, type PluginServices } from '../../plugins';
import { createRouter, type Router } from '../../providers/router';
import { createEmbedder, type Embedder } from '../../rag/embedders';
import type { LoggedFrame } from '../ws/model';
import { retrievalService } from './retrieval';

/** What chat turns need beyond the foundation: models, limits, stream logs, retrieval and plugins. */
export interface ChatRuntime {
  router: Router;
  limiter: RateLimiter;
  rateLimitStore: RateLimitStore;
  streams: StreamHub<LoggedFrame>;
  embedder: Embedder;
  plugins: { registry: PluginRegistry; services: PluginServices };
}

export interface ChatRuntimeOptions {
  rateLimitStore?: RateLimitStore;
  streams?: StreamHub<LoggedFrame>;
  router?: Router;
  /** Defaults to the configured embedder, run on this thread. */
  embedder?: Embedder;
}

export function createChatRuntime(config: Config, database: Database, opts: ChatRuntimeOptions = {}): ChatRuntime {
  const embedder = opts.embedder ?? createEmbedder(config);
  const rateLimitStore = opts.rateLimitStore ?? createRateLimitStore(config.redisUrl);
  return {
    router: opts.router ?? createRouter(config.providers),
    limiter: createRateLimiter({ store: rateLimitStore, rpm: config.rateLimit.rpm, tpm: config.rateLimit.tpm }),
    rateLimitStore,
    streams: opts.streams ?? new MemoryStreamHub(),
    embedder,
    plugins: {
      registry: builtinPlugins,
      services: { webSearch: config.webSearch, retrieve: retrievalService(database, embedder) },
    },
  };
}
