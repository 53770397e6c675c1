import { Counter } from 'prom-client';
import { registry } from '../lib/metrics';

/** Calls to a configured `/rerank` server; a failed one falls back to the offline rerank, so only this shows it. */
export const rerankCalls = new Counter({
  name: 'confab_rerank_calls_total',
  help: 'Calls to the configured rerank server, by outcome (ok, failed: the offline rerank was used instead)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
