import { AppError, toAppError } from '../lib/errors';
import { log } from '../lib/logger';
import { ProviderError } from './provider-error';

/**
 * What the router does after a failed call:
 * - `retry` the same deployment (transient failure, attempts and time budget left);
 * - `fallback` to the next deployment: transient failures once retries are spent, and failures of
 *   the deployment itself (rejected key, unknown model, wrong URL). A user asking a question cannot
 *   fix an operator's broken key, and another configured model can still answer;
 * - `surface` the error: the request itself was refused (bad parameters, too long), so every other
 *   model would refuse it too, or the caller cancelled.
 */
export type Step = { kind: 'retry'; delayMs: number } | { kind: 'fallback' } | { kind: 'surface' };

export function cancelledError(): AppError {
  return new AppError('cancelled');
}

/** A failed call as the router's error; what the provider said is logged here, once per attempt. */
export function asProviderError(err: unknown, provider: string, timedOut: boolean): ProviderError | AppError {
  const failure = timedOut
    ? new ProviderError(provider, 'upstream_timeout', { scope: 'transient', internal: `${provider}: stream stalled` })
    : toAppError(err, 'internal_error', { provider });
  if (failure instanceof ProviderError && failure.scope !== 'cancelled') {
    log.warn('model call failed', { provider, code: failure.code, upstreamStatus: failure.upstreamStatus, reason: failure.message });
  }
  return failure;
}

export function nextStep(
  err: ProviderError | AppError,
  ctx: { attempt: number; maxAttempts: number; delayMs: number; remainingMs: number; available: boolean },
): Step {
  if (!(err instanceof ProviderError)) return { kind: 'surface' };
  if (err.scope === 'cancelled' || err.scope === 'request') return { kind: 'surface' };
  if (err.scope === 'deployment') return { kind: 'fallback' };
  const canRetry = ctx.attempt + 1 < ctx.maxAttempts && ctx.available && ctx.delayMs <= ctx.remainingMs;
  return canRetry ? { kind: 'retry', delayMs: ctx.delayMs } : { kind: 'fallback' };
}
