import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../lib/metrics';

/** LLM traffic as the router sees it, labelled by the deployment that served it. */

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 80];
const TTFT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const GAP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export const llmRequests = new Counter({
  name: 'confab_llm_requests_total',
  help: 'Upstream LLM calls by outcome (ok, error, cancelled)',
  labelNames: ['provider', 'model', 'outcome'] as const,
  registers: [registry],
});

export const llmDuration = new Histogram({
  name: 'confab_llm_request_duration_seconds',
  help: 'Wall time of an upstream LLM call, from request to last event',
  labelNames: ['provider', 'model'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const llmTtft = new Histogram({
  name: 'confab_llm_ttft_seconds',
  help: 'Time from the start of a routed request to its first streamed token',
  labelNames: ['provider', 'model'] as const,
  buckets: TTFT_BUCKETS,
  registers: [registry],
});

export const llmInterToken = new Histogram({
  name: 'confab_llm_inter_token_seconds',
  help: 'Gap between consecutive streamed deltas (sampled)',
  labelNames: ['provider', 'model'] as const,
  buckets: GAP_BUCKETS,
  registers: [registry],
});

export const llmTokens = new Counter({
  name: 'confab_llm_tokens_total',
  help: 'Tokens consumed, by direction (input, output)',
  labelNames: ['provider', 'model', 'direction'] as const,
  registers: [registry],
});

export const llmRetries = new Counter({
  name: 'confab_llm_retries_total',
  help: 'Retries of an upstream call on the same deployment',
  labelNames: ['provider', 'model'] as const,
  registers: [registry],
});

export const llmFallbacks = new Counter({
  name: 'confab_llm_fallbacks_total',
  help: 'Switches from one deployment to the next; midstream="true" when tokens had already been sent',
  labelNames: ['from', 'to', 'midstream'] as const,
  registers: [registry],
});

export const llmCooldowns = new Counter({
  name: 'confab_llm_cooldowns_total',
  help: 'Times a deployment was taken out of rotation by its circuit breaker',
  labelNames: ['provider', 'model'] as const,
  registers: [registry],
});

export const llmDeploymentCooldown = new Gauge({
  name: 'confab_llm_deployment_cooldown',
  help: '1 while a deployment is cooling down after repeated failures, else 0',
  labelNames: ['provider', 'model'] as const,
  registers: [registry],
});
