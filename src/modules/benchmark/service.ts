import type { EventBus } from '../../infra/bus/types';
import { toAppError } from '../../lib/errors';
import { countMessageTokens, estimateOutputTokens } from '../../lib/tokens';
import { deploymentLabel } from '../../providers/model-config';
import type { Router } from '../../providers/router';
import type { ChatMessage, Deployment } from '../../providers/types';
import type { Principal } from '../auth/guard';
import { costOf, type LlmCall, publishUsage, spendOf, usageEvent } from '../usage/service';
import type { TurnLimiter } from '../usage/turn-limiter';
import type { BenchmarkBody, BenchmarkResult } from './model';

export interface BenchmarkDeps {
  router: Router;
  limiter: TurnLimiter;
  bus: EventBus;
}

export type BenchmarkInput = BenchmarkBody & { requestId: string };

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
    {
      model,
      inputTokens,
      outputTokens: estimateOutputTokens({ maxTokens: input.maxTokens, inputTokens, contextWindow: deps.router.contextWindow(model) }),
    },
  );
  const started = performance.now();
  let ttftMs: number | null = null;
  let answeredBy: Deployment | undefined;
  let usage = { promptTokens: 0, completionTokens: 0 };
  let status: LlmCall['status'] = 'error';
  const stream = deps.router.stream({ model, messages, maxTokens: input.maxTokens, signal: hooks.signal });
  try {
    for await (const e of stream) {
      if (e.type === 'text') {
        ttftMs ??= performance.now() - started;
        hooks.onToken?.(model, e.delta);
      } else if (e.type === 'usage') usage = { promptTokens: e.inputTokens, completionTokens: e.outputTokens };
      else if (e.type === 'finish') answeredBy = e.deployment;
    }
    status = 'ok';
  } finally {
    // A failed run is recorded too, so the limits are charged exactly what the usage rows say.
    const event = usageEvent(
      { deployment: answeredBy, requested: model, ...usage, latencyMs: performance.now() - started, ttftMs, status },
      { requestId: `${input.requestId}:${model}`, userId: principal.user.id, apiKeyId: principal.apiKeyId ?? null },
    );
    void reservation.settle(spendOf(event));
    publishUsage(deps.bus, event);
  }
  const totalMs = performance.now() - started;
  const generating = ttftMs === null ? 0 : totalMs - ttftMs;
  return {
    model,
    ok: true,
    answeredBy: answeredBy ? deploymentLabel(answeredBy) : model,
    output: stream.text,
    ttftMs: ttftMs === null ? null : round(ttftMs),
    totalMs: round(totalMs),
    tokensPerSec: generating > 0 ? round((usage.completionTokens / generating) * 1000) : null,
    usage,
    costUsd: answeredBy ? costOf(answeredBy, usage) : null,
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
