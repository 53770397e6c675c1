import type { Config } from '../../config';
import type { Database } from '../../db/client';
import { createQuotaLimiter, type QuotaLimiter, type QuotaStore } from '../../infra/quota';
import { createRateLimiter, type RateLimitStore } from '../../infra/rate-limit';
import type { StreamHub } from '../../infra/stream-hub';
import { builtinPlugins, createSandboxGate, type PluginRegistry, type PluginServices } from '../../plugins';
import type { Router } from '../../providers/router';
import type { Embedder } from '../../rag/embedders';
import { createRerankClient } from '../../rag/rerank-client';
import { createLimitsResolver, type LimitsResolver } from '../usage/effective-limits';
import { recordedInWindow } from '../usage/service';
import { createTurnLimiter, type TurnLimiter } from '../usage/turn-limiter';
import type { LoggedFrame } from '../ws/model';
import { retrievalService, wordFrequencyService } from './retrieval';

/** What chat turns need beyond the foundation: models, limits, stream logs, retrieval and plugins. */
export interface ChatRuntime {
  router: Router;
  /** Rate limits and quotas, applied to every turn. */
  limiter: TurnLimiter;
  rateLimitStore: RateLimitStore;
  quotaStore: QuotaStore;
  quotas: QuotaLimiter;
  /** Each user's effective limits: their own, their groups', the default. */
  limits: LimitsResolver;
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
    quotaFallback,
    ...parts
  }: Pick<ChatRuntime, 'router' | 'rateLimitStore' | 'quotaStore' | 'streams' | 'embedder'> & {
    rateLimitFallback: RateLimitStore;
    quotaFallback: QuotaStore;
  },
): ChatRuntime {
  const { rpm, tpm } = config.rateLimit;
  const limits = createLimitsResolver(database, config);
  const quotas = createQuotaLimiter({
    store: parts.quotaStore,
    fallback: quotaFallback,
    recorded: (userId, window) => recordedInWindow(database.db, userId, window),
  });
  const rateLimiter = createRateLimiter({ store: parts.rateLimitStore, fallback: rateLimitFallback, rpm, tpm });
  return {
    ...parts,
    limiter: createTurnLimiter({ rateLimiter, quotas, limits, router: parts.router }),
    quotas,
    limits,
    plugins: {
      registry: builtinPlugins,
      services: {
        webSearch: config.webSearch,
        retrieve: retrievalService(database, parts.embedder, config.textSearchLanguage, config.rerank && createRerankClient(config.rerank)),
        wordFrequencies: wordFrequencyService(database, config.textSearchLanguage),
        sandboxes: createSandboxGate(config.codeInterpreter),
      },
    },
  };
}
