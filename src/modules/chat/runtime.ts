import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { createRateLimiter, type RateLimiter, type RateLimitStore } from '../../infra/rate-limit';
import type { StreamHub } from '../../infra/stream-hub';
import { builtinPlugins, createSandboxGate, type PluginRegistry, type PluginServices } from '../../plugins';
import type { Router } from '../../providers/router';
import type { Embedder } from '../../rag/embedders';
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

/** The limiter policy and the plugins' services over implementations chosen by the caller. */
export function createChatRuntime(
  config: Config,
  database: Database,
  {
    rateLimitFallback,
    ...parts
  }: Pick<ChatRuntime, 'router' | 'rateLimitStore' | 'streams' | 'embedder'> & { rateLimitFallback: RateLimitStore },
): ChatRuntime {
  const { rpm, tpm } = config.rateLimit;
  return {
    ...parts,
    limiter: createRateLimiter({ store: parts.rateLimitStore, fallback: rateLimitFallback, rpm, tpm }),
    plugins: {
      registry: builtinPlugins,
      services: {
        webSearch: config.webSearch,
        retrieve: retrievalService(database, parts.embedder),
        sandboxes: createSandboxGate(config.codeInterpreter),
      },
    },
  };
}
