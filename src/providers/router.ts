import { AppError } from '../lib/errors';
import { log } from '../lib/logger';
import { abortableSleep, retryDelayMs } from './backoff';
import { fallbackChain } from './chain';
import { continuationMessages } from './continuation';
import { DeploymentHealth } from './deployment-health';
import { asProviderError, cancelledError, nextStep, type Step } from './failure-policy';
import { llmDuration, llmFallbacks, llmRequests, llmRetries, llmTokens } from './metrics';
import { defaultCapabilities, LOCAL_CONTEXT_WINDOW } from './model-catalog';
import { deploymentLabel, isKnownModel, loadModelConfig, type RouterTuning } from './model-config';
import { OFFLINE_MODEL_ID } from './offline/provider';
import { ProviderError } from './provider-error';
import { createProviders } from './registry';
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
  listModels(): Promise<ModelInfo[]>;
  /** The model used when a request names `default` or nothing. */
  defaultModel(): Promise<string>;
  /**
   * Text and tool-call deltas as they arrive, `fallback` events when another deployment takes over,
   * then exactly one `usage` and one `finish` (whose `deployment` is the one that finished).
   * A cancelled request ends with `finish {reason: 'cancelled'}` after the usage of what was produced.
   */
  stream(req: ChatRequest, hooks?: StreamHooks): AnswerStream;
  generate(req: ChatRequest): Promise<ChatResult>;
  contextWindow(model: string): number;
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
  const providers = createProviders(cfg, tuning, now);
  const health = new DeploymentHealth({ threshold: tuning.failureThreshold, cooldownMs: tuning.cooldownMs, now });

  async function defaultModel(): Promise<string> {
    if (config.defaultModel) return config.defaultModel;
    const local = (await providers.local?.listModels?.()) ?? [];
    return local.length ? deploymentLabel({ provider: 'local', model: local[0] }) : OFFLINE_MODEL_ID;
  }

  async function resolve(model: string): Promise<Deployment[]> {
    const id = !model || model === 'default' ? await defaultModel() : model;
    if (!isKnownModel(config, cfg, id)) throw new AppError('unknown_model', { message: `Unknown model "${id}"` });
    return fallbackChain(config, id);
  }

  /** Deployments to try in order, skipping those cooling down; the offline model is never skipped. */
  function* candidates(chain: Deployment[]): Generator<Deployment> {
    for (const [i, d] of chain.entries()) if (i === chain.length - 1 || health.tryAcquire(d)) yield d;
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

  function fallbackEvent(from: Deployment, to: Deployment, midstream: boolean): Extract<StreamEvent, { type: 'fallback' }> {
    const event = { type: 'fallback' as const, from: deploymentLabel(from), to: deploymentLabel(to), midstream };
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
    const chain = await resolve(req.model);
    const totals: Totals = { inputTokens: 0, outputTokens: 0, estimated: false };
    let failed: { d: Deployment; err: ProviderError | AppError } | undefined;
    const finish = function* (reason: 'cancelled' | undefined, d: Deployment, outcome: AttemptOutcome): Generator<StreamEvent> {
      yield { type: 'usage', inputTokens: totals.inputTokens, outputTokens: totals.outputTokens, estimated: totals.estimated };
      yield { type: 'finish', reason: reason ?? outcome.finish ?? 'stop', deployment: d };
    };
    for (const d of candidates(chain)) {
      if (failed) {
        const event = fallbackEvent(failed.d, d, ctx.text.length > 0);
        hooks?.onFallback?.(event.from, event.to);
        yield event;
      }
      const preq: Omit<ProviderRequest, 'signal'> = { ...req, model: d.model, continuation: ctx.text || undefined };
      for (let attempt = 0; ; attempt++) {
        const outcome = yield* streamAttempt(providers[d.provider]!, d, preq, ctx);
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

  async function generateOnce(d: Deployment, req: ChatRequest): Promise<ChatResult | ProviderError | AppError> {
    const started = performance.now();
    const labels = { provider: d.provider, model: d.model };
    try {
      const result = await providers[d.provider]!.generate({ ...req, model: d.model });
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
    const chain = await resolve(req.model);
    let failed: { d: Deployment; err: ProviderError | AppError } | undefined;
    for (const d of candidates(chain)) {
      if (failed) fallbackEvent(failed.d, d, false);
      for (let attempt = 0; ; attempt++) {
        const result = await generateOnce(d, req);
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

  async function listModels(): Promise<ModelInfo[]> {
    const models: ModelInfo[] = [];
    for (const g of config.groups.values()) {
      if (g.id === OFFLINE_MODEL_ID) continue;
      models.push({ id: g.id, provider: g.deployments[0].provider, capabilities: g.capabilities, contextWindow: g.contextWindow });
    }
    for (const name of (await providers.local?.listModels?.()) ?? []) {
      const id = deploymentLabel({ provider: 'local', model: name });
      if (!config.groups.has(id))
        models.push({ id, provider: 'local', capabilities: defaultCapabilities('local'), contextWindow: LOCAL_CONTEXT_WINDOW });
    }
    const offline = config.groups.get(OFFLINE_MODEL_ID)!;
    models.push({ id: OFFLINE_MODEL_ID, provider: 'offline', capabilities: offline.capabilities, contextWindow: offline.contextWindow });
    return models;
  }

  function contextWindow(model: string): number {
    const id = !model || model === 'default' ? config.defaultModel : model;
    if (id === undefined) return LOCAL_CONTEXT_WINDOW;
    const group = config.groups.get(id);
    if (group) return group.contextWindow;
    if (isKnownModel(config, cfg, id)) return LOCAL_CONTEXT_WINDOW;
    throw new AppError('unknown_model', { message: `Unknown model "${id}"` });
  }

  return { listModels, defaultModel, stream, generate, contextWindow };
}
