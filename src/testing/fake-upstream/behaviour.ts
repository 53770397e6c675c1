/** Failures the fake upstream can inject: an HTTP status, a hang, or a stream cut mid-way. */
export type FakeError = '429' | '500' | '503' | '529' | 'stall' | 'cut';
const FAKE_ERRORS: readonly FakeError[] = ['429', '500', '503', '529', 'stall', 'cut'];

/** Server-wide defaults; each can be overridden per request with an `x-fake-*` header. */
export interface FakeBehaviour {
  /** Delay before the first token (and before response headers). */
  ttftMs: number;
  /** Output tokens per second after the first; 0 sends them all at once. */
  tps: number;
  /** Output tokens per answer (capped by the request's max_tokens). */
  tokens: number;
  error: FakeError | null;
  /** Fraction of requests that get the server-wide `error` (header-requested errors always apply). */
  errorRate: number;
  /** Tokens streamed before a `cut`; defaults to half the answer. */
  cutAfter: number | null;
  /** Advertised on 429/503/529 as `retry-after-ms` and (rounded up) `retry-after`. */
  retryAfterMs: number;
  /** How long a `stall` hangs before answering normally; 0 hangs until the client gives up. */
  stallMs: number;
}

export const DEFAULT_BEHAVIOUR: FakeBehaviour = {
  ttftMs: 0,
  tps: 0,
  tokens: 16,
  error: null,
  errorRate: 1,
  cutAfter: null,
  retryAfterMs: 1000,
  stallMs: 0,
};

/** The request headers that override a behaviour for one request. */
export const HEADERS = {
  error: 'x-fake-error',
  ttftMs: 'x-fake-ttft-ms',
  tps: 'x-fake-tps',
  tokens: 'x-fake-tokens',
  cutAfter: 'x-fake-cut-after',
  retryAfterMs: 'x-fake-retry-after-ms',
  stallMs: 'x-fake-stall-ms',
} as const;

export interface Resolved {
  ttftMs: number;
  tps: number;
  tokens: number;
  /** True when the request's max_tokens cut the answer short. */
  truncated: boolean;
  error: FakeError | null;
  cutAfter: number;
  retryAfterMs: number;
  stallMs: number;
}

/** Combines defaults, headers and the request's own token cap into what this request does. */
export function resolveBehaviour(defaults: FakeBehaviour, headers: Headers, maxTokens: number | null): Resolved {
  const num = (name: string, fallback: number) => {
    const raw = headers.get(name);
    const value = raw === null ? NaN : Number(raw);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  const requested = headers.get(HEADERS.error);
  const error = isFakeError(requested) ? requested : defaults.error !== null && Math.random() < defaults.errorRate ? defaults.error : null;
  const wanted = Math.max(1, Math.floor(num(HEADERS.tokens, defaults.tokens)));
  const tokens = maxTokens !== null && maxTokens > 0 ? Math.min(wanted, maxTokens) : wanted;
  const cutAfter = num(HEADERS.cutAfter, defaults.cutAfter ?? Math.floor(tokens / 2));
  return {
    ttftMs: num(HEADERS.ttftMs, defaults.ttftMs),
    tps: num(HEADERS.tps, defaults.tps),
    tokens,
    truncated: tokens < wanted,
    error: headers.has(HEADERS.cutAfter) && error === null ? 'cut' : error,
    cutAfter: Math.min(tokens, Math.floor(cutAfter)),
    retryAfterMs: num(HEADERS.retryAfterMs, defaults.retryAfterMs),
    stallMs: num(HEADERS.stallMs, defaults.stallMs),
  };
}

export function isFakeError(value: unknown): value is FakeError {
  return typeof value === 'string' && (FAKE_ERRORS as readonly string[]).includes(value);
}

/** Retry hints in both forms real providers send: seconds and milliseconds. */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))), 'retry-after-ms': String(retryAfterMs) };
}

/** Mutable server state shared by the dialect handlers. */
export interface UpstreamState {
  behaviour: FakeBehaviour;
  models: string[];
  embeddingDims: number;
  /** When set, requests must present this key (Bearer for OpenAI, x-api-key for Anthropic). */
  apiKey: string | null;
  counts: Map<string, number>;
}

const HTTP_ERRORS = new Set<FakeError>(['429', '500', '503', '529']);

/**
 * Applies the request's injected fault before any answer is produced: an error status answers at
 * once; a stall holds the request. Returns the response to send, or null to answer normally.
 */
export async function preflight(
  b: Resolved,
  signal: AbortSignal,
  fail: (status: number) => Response,
  hold: (ms: number, signal: AbortSignal) => Promise<void>,
): Promise<Response | null> {
  if (b.error !== null && HTTP_ERRORS.has(b.error)) return fail(Number(b.error));
  if (b.error !== 'stall') return null;
  await hold(b.stallMs, signal);
  return b.stallMs === 0 || signal.aborted ? fail(504) : null;
}
