import type { AppError } from '../lib/errors';
import { asProviderError } from './failure-policy';
import { llmDuration, llmInterToken, llmRequests, llmTtft } from './metrics';
import type { ProviderError } from './provider-error';
import type { Deployment, FinishReason, Provider, ProviderRequest, StreamEvent, Usage } from './types';

export interface AttemptOutcome {
  error?: ProviderError | AppError;
  /** Text this attempt delivered to the caller (its part of `AttemptContext.text`). */
  text: string;
  /** Tool-call names and argument fragments this attempt delivered, for estimating usage. */
  toolText: string;
  sentToolCall: boolean;
  reported?: Usage;
  finish?: FinishReason;
}

export interface AttemptContext {
  idleTimeoutMs: number;
  /** `performance.now()` when the routed request began: TTFT is what the user waited. */
  requestStart: number;
  /** Set once the first token of the whole request went out. */
  firstTokenSent: boolean;
  /** The caller's signal, to tell a cancellation from our own stall timeout. */
  callerSignal: AbortSignal;
  /** The answer delivered so far by every attempt of the request; each text delta is appended here and nowhere else. */
  text: string;
}

/** Inter-token gaps are observed for one delta in this many. */
const GAP_SAMPLE_EVERY = 4;

/**
 * One streamed call to one deployment. Text and tool-call deltas pass straight through; usage and
 * finish are held back for the router, which reports them once for the whole request. A stream
 * silent for `idleTimeoutMs` is aborted and reported as a timeout; leaving early aborts upstream.
 */
export async function* streamAttempt(
  provider: Provider,
  d: Deployment,
  req: Omit<ProviderRequest, 'signal'>,
  ctx: AttemptContext,
): AsyncGenerator<StreamEvent, AttemptOutcome> {
  const labels = { provider: d.provider, model: d.model };
  const upstream = new AbortController();
  let timedOut = false;
  const idle = setTimeout(() => {
    timedOut = true;
    upstream.abort();
  }, ctx.idleTimeoutMs);
  const started = performance.now();
  const out: AttemptOutcome = { text: '', toolText: '', sentToolCall: false };
  const start = ctx.text.length;
  let lastDeltaAt = 0;
  let deltas = 0;
  try {
    const signal = AbortSignal.any([ctx.callerSignal, upstream.signal]);
    for await (const e of provider.stream({ ...req, signal })) {
      idle.refresh();
      if (e.type === 'usage') out.reported = { inputTokens: e.inputTokens, outputTokens: e.outputTokens };
      else if (e.type === 'finish') out.finish = e.reason;
      else if (e.type === 'text' || e.type === 'tool-call') {
        const at = performance.now();
        if (!ctx.firstTokenSent) {
          ctx.firstTokenSent = true;
          llmTtft.observe(labels, (at - ctx.requestStart) / 1000);
        } else if (++deltas % GAP_SAMPLE_EVERY === 0 && lastDeltaAt > 0) {
          llmInterToken.observe(labels, (at - lastDeltaAt) / 1000);
        }
        lastDeltaAt = at;
        if (e.type === 'text') ctx.text += e.delta;
        else {
          out.sentToolCall = true;
          out.toolText += (e.name ?? '') + e.argumentsDelta;
        }
        yield e;
      }
    }
  } catch (err) {
    out.error = asProviderError(err, d.provider, timedOut && !ctx.callerSignal.aborted);
  } finally {
    out.text = ctx.text.slice(start);
    clearTimeout(idle);
    upstream.abort();
    const ended = out.error === undefined && out.finish !== undefined;
    llmRequests.inc({ ...labels, outcome: ended ? 'ok' : ctx.callerSignal.aborted || !out.error ? 'cancelled' : 'error' });
    llmDuration.observe(labels, (performance.now() - started) / 1000);
  }
  return out;
}
