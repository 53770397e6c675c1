import type { ErrorCode } from '../lib/error-catalogue';
import { AppError } from '../lib/errors';

/** How a call failed, as an adapter reads it off its SDK's error classes. */
export interface UpstreamFailure {
  kind: 'abort' | 'timeout' | 'connection' | 'http' | 'stream' | 'unknown';
  status?: number;
  headers?: Headers;
  message: string;
}

/**
 * `deployment` failures say "this deployment cannot serve anyone right now" (bad key, unknown model,
 * wrong base URL): the router moves to the next deployment instead of failing the user's request.
 */
export type FailureScope = 'transient' | 'deployment' | 'request' | 'cancelled';

/**
 * A failed call to a model provider. What the upstream said (`internal`) goes to the log; a client
 * reads the catalogue's sentence for the code.
 */
export class ProviderError extends AppError {
  /** The provider's name (see `Deployment.provider`). */
  readonly provider: string;
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;
  readonly scope: FailureScope;

  constructor(
    provider: string,
    code: ErrorCode,
    opts: { scope: FailureScope; internal: string; status?: number; upstreamStatus?: number; retryAfterMs?: number },
  ) {
    super(code, { internal: opts.internal, status: opts.status });
    this.name = 'ProviderError';
    this.provider = provider;
    this.scope = opts.scope;
    this.upstreamStatus = opts.upstreamStatus;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

const RETRYABLE_STATUS = new Set([408, 409, 429]);
const KEY_SHAPE = /\b(sk|pk|rk)-[A-Za-z0-9_*.-]{6,}/g;

/** Parses `retry-after-ms`, then `retry-after` as seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms);
  const raw = headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function redactSecrets(message: string, secrets: readonly (string | undefined)[]): string {
  let out = message;
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out.replace(KEY_SHAPE, '[redacted]');
}

function scopeOfStatus(status: number): FailureScope {
  if (RETRYABLE_STATUS.has(status) || status >= 500) return 'transient';
  if (status === 401 || status === 403 || status === 404) return 'deployment';
  return 'request';
}

function codeOfStatus(status: number): ErrorCode {
  if (status === 429) return 'upstream_rate_limited';
  if (status === 401 || status === 403) return 'upstream_auth_failed';
  if (status === 404) return 'upstream_not_found';
  if (status >= 500 || RETRYABLE_STATUS.has(status)) return 'upstream_unavailable';
  return 'upstream_rejected';
}

export function providerError(provider: string, f: UpstreamFailure, secrets: readonly (string | undefined)[]): ProviderError {
  const internal = `${provider}: ${redactSecrets(f.message, secrets)}`;
  switch (f.kind) {
    case 'abort':
      return new ProviderError(provider, 'cancelled', { scope: 'cancelled', internal });
    case 'timeout':
      return new ProviderError(provider, 'upstream_timeout', { scope: 'transient', internal });
    case 'connection':
    case 'stream':
    case 'unknown':
      return new ProviderError(provider, 'upstream_unavailable', { scope: 'transient', internal });
    case 'http': {
      const status = f.status ?? 502;
      const scope = scopeOfStatus(status);
      // A refused request keeps the upstream's 4xx: it describes the caller's request, not our gateway.
      return new ProviderError(provider, codeOfStatus(status), {
        scope,
        internal,
        status: scope === 'request' ? status : undefined,
        upstreamStatus: status,
        retryAfterMs: parseRetryAfter(f.headers),
      });
    }
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error classes each official SDK exports under the same names. */
export interface SdkErrors {
  APIUserAbortError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIError: ErrorClass;
}

/** Classifies what an official SDK threw; both SDKs share the error taxonomy. */
export function readSdkFailure(sdk: SdkErrors, err: unknown, signal: AbortSignal): UpstreamFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (signal.aborted || err instanceof sdk.APIUserAbortError) return { kind: 'abort', message: 'request cancelled' };
  if (err instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', message };
  if (err instanceof sdk.APIConnectionError) return { kind: 'connection', message };
  if (err instanceof sdk.APIError) {
    const { status, headers } = err as Error & { status?: number; headers?: Headers };
    if (status === undefined) return { kind: 'stream', message };
    return { kind: 'http', status, headers, message };
  }
  return { kind: 'stream', message };
}
