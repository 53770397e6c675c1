import { Counter } from 'prom-client';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import { registry } from '../../lib/metrics';
import type { BucketSpec, RateLimitStore, TakeResult } from './types';

export interface LimitSubject {
  userId: string;
  apiKeyId?: string;
}

export interface Reservation {
  /** `X-RateLimit-*` headers describing the caller's buckets after this reservation. */
  headers: Record<string, string>;
  /** Replaces the reserved token estimate with what the call really used. */
  settle(actualTokens: number): Promise<void>;
}

/** One caller's bucket sizes, where they differ from the limiter's own; null switches a bucket off. */
export interface RateLimits {
  rpm: number | null;
  tpm: number | null;
}

export interface RateLimiter {
  /** Takes one request and `estimatedTokens` from the caller's buckets, or throws a 429 AppError. */
  reserve(subject: LimitSubject, estimatedTokens: number, limits?: RateLimits): Promise<Reservation>;
}

export interface RateLimiterOptions {
  store: RateLimitStore;
  /** Requests per period; 0 turns the request buckets off. */
  rpm: number;
  /** Tokens per period; 0 turns the token buckets off. */
  tpm: number;
  periodMs?: number;
  /** The in-process store that decides while `store` fails (`store` itself when it is in-process). */
  fallback: RateLimitStore;
}

const rejections = new Counter({
  name: 'confab_rate_limit_rejections_total',
  help: 'Requests refused by the rate limiter, by the bucket that was empty.',
  labelNames: ['bucket'] as const,
  registers: [registry],
});

export const rateLimitStoreFailures = new Counter({
  name: 'confab_rate_limit_store_failures_total',
  help: 'Limiter calls the shared store (Redis) could not answer; the in-process fallback decided them.',
  registers: [registry],
});

interface Bucket extends BucketSpec {
  name: string;
  kind: 'requests' | 'tokens';
}

const seconds = (ms: number) => `${Math.max(0, ms) / 1000}s`;
const WARN_EVERY_MS = 10_000;
/** Callers whose buckets are remembered at once; past it the memo starts afresh. */
const MAX_REMEMBERED = 10_000;
const KINDS = ['requests', 'tokens'] as const;

/**
 * The limiter policy: per user and per API key, a requests bucket and a tokens bucket. A turn
 * reserves its token estimate up front and settles to the real usage afterwards. When the shared
 * store cannot answer, decisions fail open to an in-process limiter (see docs/chat.md).
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const periodMs = opts.periodMs ?? 60_000;
  const fallback = opts.fallback;
  let lastWarn = 0;

  /** A caller's buckets at these sizes, and which of them count tokens; remembered per caller. */
  const remembered = new Map<string, { rpm: number; tpm: number; buckets: Bucket[]; tokens: Bucket[] }>();

  function bucketsFor(subject: LimitSubject, rpm: number, tpm: number): { buckets: Bucket[]; tokens: Bucket[] } {
    const caller = subject.apiKeyId ? `${subject.userId}/${subject.apiKeyId}` : subject.userId;
    const known = remembered.get(caller);
    if (known && known.rpm === rpm && known.tpm === tpm) return known;
    const owners: [string, string][] = [['user', `u:${subject.userId}`]];
    if (subject.apiKeyId) owners.push(['key', `k:${subject.apiKeyId}`]);
    const buckets: Bucket[] = [];
    for (const [who, id] of owners) {
      if (rpm > 0) buckets.push({ name: `${who}_requests`, kind: 'requests', key: `${id}:r`, capacity: rpm, periodMs });
      if (tpm > 0) buckets.push({ name: `${who}_tokens`, kind: 'tokens', key: `${id}:t`, capacity: tpm, periodMs });
    }
    const entry = { rpm, tpm, buckets, tokens: buckets.filter((b) => b.kind === 'tokens') };
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(caller, entry);
    return entry;
  }

  async function take(buckets: Bucket[], costs: number[]): Promise<{ result: TakeResult; store: RateLimitStore }> {
    if (opts.store === fallback) return { result: await fallback.take(buckets, costs), store: fallback };
    try {
      return { result: await opts.store.take(buckets, costs), store: opts.store };
    } catch (error) {
      rateLimitStoreFailures.inc();
      if (Date.now() - lastWarn > WARN_EVERY_MS) {
        lastWarn = Date.now();
        log.warn('rate-limit store unavailable; limiting in-process until it returns', { store: opts.store.kind, error });
      }
      return { result: await fallback.take(buckets, costs), store: fallback };
    }
  }

  /** Per kind, the tightest of the caller's buckets: the least remaining and the longest reset. */
  function headersOf(buckets: Bucket[], result: TakeResult): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const kind of KINDS) {
      let capacity = 0;
      let remaining = Infinity;
      let resetMs = -Infinity;
      for (let i = 0; i < buckets.length; i++) {
        if (buckets[i].kind !== kind) continue;
        capacity ||= buckets[i].capacity;
        remaining = Math.min(remaining, result.levels[i].remaining);
        resetMs = Math.max(resetMs, result.levels[i].resetMs);
      }
      if (capacity === 0) continue;
      const label = kind === 'requests' ? 'Requests' : 'Tokens';
      headers[`X-RateLimit-Limit-${label}`] = String(capacity);
      headers[`X-RateLimit-Remaining-${label}`] = String(Math.max(0, remaining));
      headers[`X-RateLimit-Reset-${label}`] = seconds(resetMs);
    }
    return headers;
  }

  async function reserve(subject: LimitSubject, estimatedTokens: number, limits?: RateLimits): Promise<Reservation> {
    const rpm = limits ? (limits.rpm ?? 0) : opts.rpm;
    const tpm = limits ? (limits.tpm ?? 0) : opts.tpm;
    const { buckets, tokens } = bucketsFor(subject, rpm, tpm);
    if (buckets.length === 0) return { headers: {}, settle: async () => {} };
    const reserved = Math.max(1, Math.min(Math.ceil(estimatedTokens), tpm || Infinity));
    const costs = buckets.map((b) => (b.kind === 'requests' ? 1 : reserved));
    const { result, store } = await take(buckets, costs);
    const headers = headersOf(buckets, result);
    if (!result.allowed) {
      const limited = buckets[result.limitedBy];
      rejections.inc({ bucket: limited.name });
      headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
      headers['retry-after-ms'] = String(result.retryAfterMs);
      throw new AppError('rate_limited', {
        headers,
        details: { retryAfterMs: result.retryAfterMs, bucket: limited.name },
      });
    }
    let settled = false;
    const settle = async (actualTokens: number) => {
      if (settled) return;
      settled = true;
      const delta = reserved - Math.max(0, Math.round(actualTokens));
      if (delta === 0) return;
      await Promise.all(tokens.map((b) => store.adjust(b, delta))).catch((error) => log.warn('rate-limit settle failed', { error }));
    };
    return { headers, settle };
  }

  return { reserve };
}

/** The `retryAfterMs` of a rate-limit error, for WebSocket error frames. */
export function retryAfterOf(error: AppError): number | undefined {
  return (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs;
}
