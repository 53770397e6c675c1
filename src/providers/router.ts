import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import { abortableSleep, retryDelayMs } from './backoff';
import { continuationMessages } from './continuation';
import { DeploymentHealth } from './deployment-health';
import { asProviderError, cancelledError, nextStep, type Step } from './failure-policy';
import { llmDuration, llmFallbacks, llmRequests, llmRetries, llmTokens } from './metrics';
import type { ModelViewer } from './model-access';
import { deploymentLabel, loadModelConfig, type RouterTuning } from './model-config';
import { type CatalogEntry, createModelDirectory, type Resolution, type RuntimeModels } from './model-directory';
import { ProviderError } from './provider-error';
import { type AttemptContext, type AttemptOutcome, streamAttempt } from './stream-attempt';
import type { ChatRequest, ChatResult, Deployment, ModelInfo, ProviderRequest, ProvidersConfig, StreamEvent, Usage } from './types';
import { settleUsage } from './usage';

export interface RouterOptions {
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  /** Overrides defaults and the config file's `router` section. */
  tuning?: Partial<RouterTuning>;
}

export interface StreamHooks {
  onFallback?(from: string, to: string): void;
}

/** A routed request's events, and the answer text they have carried so far (across fallbacks). */
export interface AnswerStream extends AsyncIterable<StreamEvent> {
  readonly text: string;
}

export interface Router {
  /** Enabled models; with a viewer, only those it may use. */
  listModels(viewer?: ModelViewer): Promise<ModelInfo[]>;
  /** The model used when a request names `default` or nothing (for this viewer). */
  defaultModel(viewer?: ModelViewer): Promise<string>;
  /**
   * The model id a request may use, `default` resolved: throws `unknown_model` for unknown and
   * disabled models and, with a viewer, `model_forbidden` for a model it may not use.
   */
  authorize(model: string, viewer?: ModelViewer): Promise<string>;
  /**
   * Text and tool-call deltas as they arrive, `fallback` events when another deployment takes over,
   * then exactly one `usage` and one `finish` (whose `deployment` is the one that finished).
   * A cancelled request ends with `finish {reason: 'cancelled'}` after the usage of what was produced.
   */
  stream(req: ChatRequest, hooks?: StreamHooks): AnswerStream;
  generate(req: ChatRequest): Promise<ChatResult>;
  contextWindow(model: string): number;
  /** Every model, disabled ones included, with admins' settings and prices. */
  catalog(): Promise<CatalogEntry[]>;
  /** What a call a deployment answered costs in USD: the admin's price of its model, else the list price; null when unknown. */
  costOf(d: Deployment, usage: Usage): number | null;
  /** Serves these connections and model settings from the next request on; in-flight requests finish as they began. */
  configure(runtime: RuntimeModels): void;
}

type Totals = Usage & { estimated: boolean };

/**
 * Routes chat requests over model groups with retries, fallbacks, per-deployment circuit breakers
 * and the offline model as the last resort. What is retried, what falls back and what surfaces is
 * decided in `failure-policy.ts`; in short, a broken or rate-limited upstream and a provider whose
 * key or model name is wrong are routed around, while a request the API refuses as invalid fails.
 */
export function createRouter(cfg: ProvidersConfig, opts: RouterOptions = {}): Router {
  const config = loadModelConfig(cfg);
  const tuning: RouterTuning = { ...config.tuning, ...opts.tuning };
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const directory = createModelDirectory(cfg, config, tuning, now);
  const health = new DeploymentHealth({ threshold: tuning.failureThreshold, cooldownMs: tuning.cooldownMs, now });
  const providerOf = (r: Resolution, d: Deployment) => r.providers.get(d.provider)!.provider;

  /** Deployments to try in order, skipping those cooling down; the offline model is never skipped. */
  /**
   * The deployments to try, in order, skipping those whose breaker is open (the last one is always
   * tried). Each comes with the first one skipped before it, so the caller can say why another answered.
   */
  function* candidates(chain: Deployment[]): Generator<{ d: Deployment; skipped?: Deployment }> {
    let skipped: Deployment | undefined;
    for (const [i, d] of chain.entries()) {
      if (i === chain.length - 1 || health.tryAcquire(d)) {
        yield { d, skipped };
        skipped = undefined;
      } else skipped ??= d;
    }
  }

  function record(d: Deployment, err: ProviderError | AppError | undefined, step: Step | undefined): void {
    if (!err || d.provider === 'offline') {
      health.success(d);
      return;
    }
    const scope = err instanceof ProviderError ? err.scope : 'request';
    if (scope === 'deployment') {
      log.warn('deployment rejected the request; routing around it', { provider: d.provider, model: d.model, code: err.code });
      health.trip(d);
    } else if (scope === 'transient' && step) health.failure(d);
    else health.release(d);
  }

  function fallbackEvent(
    from: Deployment,
    to: Deployment,
    midstream: boolean,
    reason: 'failed' | 'cooldown' = 'failed',
  ): Extract<StreamEvent, { type: 'fallback' }> {
    const event = { type: 'fallback' as const, from: deploymentLabel(from), to: deploymentLabel(to), midstream, reason };
    llmFallbacks.inc({ from: event.from, to: event.to, midstream: String(midstream) });
    return event;
  }

  function book(d: Deployment, totals: Totals, usage: Totals): void {
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    totals.estimated ||= usage.estimated;
    llmTokens.inc({ provider: d.provider, model: d.model, direction: 'input' }, usage.inputTokens);
    llmTokens.inc({ provider: d.provider, model: d.model, direction: 'output' }, usage.outputTokens);
  }

  function stepAfter(err: ProviderError | AppError, d: Deployment, attempt: number, deadline: number, midstream: boolean): Step {
    const retryAfter = err instanceof ProviderError ? err.retryAfterMs : undefined;
    const step = nextStep(err, {
      attempt: midstream ? tuning.maxAttempts : attempt,
      maxAttempts: tuning.maxAttempts,
      delayMs: retryDelayMs(attempt, tuning, random, retryAfter),
      remainingMs: deadline - now(),
      available: !health.isCoolingDown(d),
    });
    record(d, err, step);
    return step;
  }

  function stream(req: ChatRequest, hooks?: StreamHooks): AnswerStream {
    const ctx: AttemptContext = {
      idleTimeoutMs: tuning.idleTimeoutMs,
      requestStart: performance.now(),
      firstTokenSent: false,
      callerSignal: req.signal,
      text: '',
    };
    const events = route(req, hooks, ctx);
    return {
      [Symbol.asyncIterator]: () => events,
      get text() {
        return ctx.text;
      },
    };
  }

  async function* route(req: ChatRequest, hooks: StreamHooks | undefined, ctx: AttemptContext): AsyncGenerator<StreamEvent> {
    const deadline = now() + tuning.budgetMs;
    const resolution = await directory.resolve(req.model, req.viewer);
    const totals: Totals = { inputTokens: 0, outputTokens: 0, estimated: false };
    let failed: { d: Deployment; err: ProviderError | AppError } | undefined;
    const finish = function* (reason: 'cancelled' | undefined, d: Deployment, outcome: AttemptOutcome): Generator<StreamEvent> {
      yield { type: 'usage', inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, estimated: totals.estimated };
      yield { type: 'finish', reason: reason ?? outcome.finish ?? 'stop', deployment: d };
    };
    for (const { d, skipped } of candidates(resolution.chain)) {
      // Another deployment answers: one before it failed, or was skipped while it cools down after errors.
      const from = failed?.d ?? skipped;
      if (from) {
        const event = fallbackEvent(from, d, ctx.text.length > 0, failed ? 'failed' : 'cooldown');
        hooks?.onFallback?.(event.from, event.to);
        yield event;
      }
      const preq: Omit<ProviderRequest, 'signal'> = { ...req, model: d.model, continuation: ctx.text || undefined };
      for (let attempt = 0; ; attempt++) {
        const outcome = yield* streamAttempt(providerOf(resolution, d), d, preq, ctx);
        if (outcome.text || outcome.sentToolCall || outcome.reported) {
          book(
            d,
            totals,
            settleUsage(outcome.reported, () => continuationMessages(preq), outcome.text + outcome.toolText),
          );
        }
        const err = outcome.error;
        if (!err) {
          record(d, undefined, undefined);
          return yield* finish(undefined, d, outcome);
        }
        if (req.signal.aborted) {
          health.release(d);
          return yield* finish('cancelled', d, outcome);
        }
        const midstream = outcome.text.length > 0 || outcome.sentToolCall;
        const step = outcome.sentToolCall ? ({ kind: 'surface' } as const) : stepAfter(err, d, attempt, deadline, midstream);
        if (step.kind === 'surface') throw err;
        if (step.kind === 'fallback') {
          failed = { d, err };
          break;
        }
        llmRetries.inc({ provider: d.provider, model: d.model });
        try {
          await sleep(step.delayMs, req.signal);
        } catch {
          return yield* finish('cancelled', d, outcome);
        }
      }
    }
    throw failed?.err ?? new AppError('no_model_available');
  }

  async function generateOnce(r: Resolution, d: Deployment, req: ChatRequest): Promise<ChatResult | ProviderError | AppError> {
    const started = performance.now();
    const labels = { provider: d.provider, model: d.model };
    try {
      const result = await providerOf(r, d).generate({ ...req, model: d.model });
      llmRequests.inc({ ...labels, outcome: 'ok' });
      const usage = settleUsage(result.usage.estimated ? undefined : result.usage, () => req.messages, result.text);
      book(d, { inputTokens: 0, outputTokens: 0, estimated: false }, usage);
      return { ...result, usage, deployment: d };
    } catch (caught) {
      llmRequests.inc({ ...labels, outcome: req.signal.aborted ? 'cancelled' : 'error' });
      return req.signal.aborted ? cancelledError() : asProviderError(caught, d.provider, false);
    } finally {
      llmDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  async function generate(req: ChatRequest): Promise<ChatResult> {
    const deadline = now() + tuning.budgetMs;
    const resolution = await directory.resolve(req.model, req.viewer);
    let failed: { d: Deployment; err: ProviderError | AppError } | undefined;
    for (const { d, skipped } of candidates(resolution.chain)) {
      if (failed) fallbackEvent(failed.d, d, false);
      else if (skipped) fallbackEvent(skipped, d, false, 'cooldown');
      for (let attempt = 0; ; attempt++) {
        const result = await generateOnce(resolution, d, req);
        if (!(result instanceof Error)) {
          record(d, undefined, undefined);
          return result;
        }
        if (req.signal.aborted) {
          health.release(d);
          throw result;
        }
        const step = stepAfter(result, d, attempt, deadline, false);
        if (step.kind === 'surface') throw result;
        if (step.kind === 'fallback') {
          failed = { d, err: result };
          break;
        }
        llmRetries.inc({ provider: d.provider, model: d.model });
        await sleep(step.delayMs, req.signal).catch(() => {
          throw cancelledError();
        });
      }
    }
    throw failed?.err ?? new AppError('no_model_available');
  }

  return {
    listModels: directory.listModels,
    defaultModel: directory.defaultModel,
    authorize: directory.authorize,
    stream,
    generate,
    contextWindow: directory.contextWindow,
    catalog: directory.catalog,
    costOf: directory.costOf,
    configure(runtime) {
      // A replaced upstream starts afresh: a breaker tripped by the old key must not hold back the new one.
      health.forget(directory.configure(runtime));
    },
  };
}
