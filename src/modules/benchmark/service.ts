import type { Database } from '../../db/client';
import type { EventBus } from '../../infra/bus/types';
import { toAppError } from '../../lib/errors';
import { countMessageTokens, estimateOutputTokens } from '../../lib/tokens';
import { deploymentLabel } from '../../providers/model-config';
import type { Router } from '../../providers/router';
import type { ChatMessage, Deployment } from '../../providers/types';
import type { Principal } from '../auth/guard';
import { viewerOf } from '../models/service';
import { type LlmCall, publishUsage, spendOf, usageEvent } from '../usage/service';
import type { TurnLimiter } from '../usage/turn-limiter';
import type { BenchmarkBody, BenchmarkResult } from './model';

export interface BenchmarkDeps {
  /** Read only when a model's access rule names groups. */
  database: Pick<Database, 'db'>;
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
  const viewer = viewerOf(deps.database.db, principal);
  // A model the caller may not use fails its own column before anything is counted.
  const id = await deps.router.authorize(model, viewer);
  const reservation = await deps.limiter.reserve(
    { userId: principal.user.id, apiKeyId: principal.apiKeyId },
    {
      model: id,
      inputTokens,
      outputTokens: estimateOutputTokens({ maxTokens: input.maxTokens, inputTokens, contextWindow: deps.router.contextWindow(id) }),
    },
  );
  const started = performance.now();
  let ttftMs: number | null = null;
  let answeredBy: Deployment | undefined;
  let usage = { promptTokens: 0, completionTokens: 0 };
  let status: LlmCall['status'] = 'error';
  let costUsd: number | null = null;
  const stream = deps.router.stream({ model: id, viewer, messages, maxTokens: input.maxTokens, signal: hooks.signal });
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
    costUsd = answeredBy ? deps.router.costOf(answeredBy, { inputTokens: usage.promptTokens, outputTokens: usage.completionTokens }) : null;
    const event = usageEvent(
      { deployment: answeredBy, requested: model, ...usage, latencyMs: performance.now() - started, ttftMs, status, costUsd },
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
    costUsd,
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
