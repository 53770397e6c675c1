import type { QuotaLimiter, Spend } from '../../infra/quota';
import type { LimitSubject, RateLimiter } from '../../infra/rate-limit';
import type { Router } from '../../providers/router';
import type { LimitsResolver } from './effective-limits';
import { estimatedCostUsd } from './service';

/** What a turn is expected to use before it starts: the model it names, its prompt and its longest reply. */
export interface TurnEstimate {
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export interface TurnReservation {
  /** `X-RateLimit-*` headers describing the caller's buckets after this reservation. */
  headers: Record<string, string>;
  /** Replaces what was reserved with what the turn spent (the sum of its usage rows); once. */
  settle(spent: Spend): Promise<void>;
}

export interface TurnLimiter {
  /** Admits a turn within the caller's rate limits and quotas, or throws 429 `quota_exceeded` / `rate_limited`. */
  reserve(subject: LimitSubject, estimate: TurnEstimate): Promise<TurnReservation>;
  /** Books spending no reservation covered, such as a conversation's title. */
  charge(userId: string, spent: Spend): Promise<void>;
}

const NOTHING: Spend = { tokens: 0, usd: 0 };

/**
 * Every turn passes here, over REST, WebSocket, `/v1` and the benchmark: the user's effective
 * limits, then their quotas (tokens per day, spend per month), then their rate limits. A turn the
 * rate limits refuse gives its quota hold back at once.
 */
export function createTurnLimiter(parts: {
  rateLimiter: RateLimiter;
  quotas: QuotaLimiter;
  limits: LimitsResolver;
  /** Prices the estimate as admins priced the model. */
  router: Pick<Router, 'costOf'>;
}): TurnLimiter {
  return {
    async reserve(subject, estimate) {
      const { limits } = await parts.limits.of(subject.userId);
      const tokens = estimate.inputTokens + estimate.outputTokens;
      const usd = estimatedCostUsd(parts.router, estimate.model, estimate);
      const hold = await parts.quotas.reserve(subject.userId, { tokens, usd }, limits);
      let rate: Awaited<ReturnType<RateLimiter['reserve']>>;
      try {
        rate = await parts.rateLimiter.reserve(subject, tokens, limits);
      } catch (error) {
        await hold.settle(NOTHING);
        throw error;
      }
      return {
        headers: rate.headers,
        settle: async (spent) => {
          await Promise.all([rate.settle(spent.tokens), hold.settle(spent)]);
        },
      };
    },
    charge: (userId, spent) => parts.quotas.charge(userId, spent),
  };
}
