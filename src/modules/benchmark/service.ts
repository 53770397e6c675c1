import type { EventBus } from '../../infra/bus/types';
import type { RateLimiter } from '../../infra/rate-limit';
import { toAppError } from '../../lib/errors';
import { countMessageTokens, estimateOutputTokens } from '../../lib/tokens';
import type { Router } from '../../providers/router';
import type { ChatMessage } from '../../providers/types';
import type { Principal } from '../auth/guard';
import { costOf, publishUsage, usageEvent } from '../usage/service';

export interface BenchmarkDeps {
  router: Router;
  limiter: RateLimiter;
  bus: EventBus;
}

export type BenchmarkResult =
  | {
      model: string;
      ok: true;
      /** The deployment that answered (differs from `model` after a fallback). */
      answeredBy: string;
      output: string;
      ttftMs: number | null;
      totalMs: number;
      /** Output tokens per second after the first token. */
      tokensPerSec: number | null;
      usage: { promptTokens: number; completionTokens: number };
      costUsd: number | null;
    }
  | { model: string; ok: false; error: { code: string; message: string } };

export interface BenchmarkInput {
  requestId: string;
  prompt: string;
  models: string[];
  maxTokens?: number;
}

export interface BenchmarkHooks {
  signal: AbortSignal;
  onToken?(model: string, delta: string): void;
  onResult?(result: BenchmarkResult): void;
}

const round = (n: number) => Math.round(n * 10) / 10;

function failure(model: string, err: unknown): BenchmarkResult {
  const e = toAppError(err, 'generation_failed', { model });
  return { model, ok: false, error: { code: e.code, message: e.publicMessage } };
}

async function runOne(
  deps: BenchmarkDeps,
  principal: Principal,
  input: BenchmarkInput,
  model: string,
  hooks: BenchmarkHooks,
): Promise<BenchmarkResult> {
  const messages: ChatMessage[] = [{ role: 'user', content: input.prompt }];
  const inputTokens = countMessageTokens(messages);
  const reservation = await deps.limiter.reserve(
    { userId: principal.user.id, apiKeyId: principal.apiKeyId },
    inputTokens + estimateOutputTokens({ maxTokens: input.maxTokens, inputTokens, contextWindow: deps.router.contextWindow(model) }),
  );
  const started = performance.now();
  let ttftMs: number | null = null;
  let output = '';
  let answeredBy = model;
  let usage = { promptTokens: 0, completionTokens: 0 };
  try {
    for await (const e of deps.router.stream({ model, messages, maxTokens: input.maxTokens, signal: hooks.signal })) {
      if (e.type === 'text') {
        ttftMs ??= performance.now() - started;
        output += e.delta;
        hooks.onToken?.(model, e.delta);
      } else if (e.type === 'usage') usage = { promptTokens: e.inputTokens, completionTokens: e.outputTokens };
      else if (e.type === 'finish' && e.model) answeredBy = e.model;
    }
  } finally {
    void reservation.settle(usage.promptTokens + usage.completionTokens);
  }
  const totalMs = performance.now() - started;
  publishUsage(
    deps.bus,
    usageEvent(
      { model: answeredBy, ...usage, latencyMs: totalMs, ttftMs, status: 'ok' },
      { requestId: `${input.requestId}:${model}`, userId: principal.user.id, apiKeyId: principal.apiKeyId ?? null },
    ),
  );
  const generating = ttftMs === null ? 0 : totalMs - ttftMs;
  return {
    model,
    ok: true,
    answeredBy,
    output,
    ttftMs: ttftMs === null ? null : round(ttftMs),
    totalMs: round(totalMs),
    tokensPerSec: generating > 0 ? round((usage.completionTokens / generating) * 1000) : null,
    usage,
    costUsd: costOf(answeredBy, usage),
  };
}

/** The same prompt to every model at once; each model's failure is its own result, never the whole run's. */
export async function runBenchmark(
  deps: BenchmarkDeps,
  principal: Principal,
  input: BenchmarkInput,
  hooks: BenchmarkHooks,
): Promise<BenchmarkResult[]> {
  return Promise.all(
    input.models.map(async (model) => {
      const result = await runOne(deps, principal, input, model, hooks).catch((err) => failure(model, err));
      hooks.onResult?.(result);
      return result;
    }),
  );
}
