import type { BucketSpec, RateLimitStore } from '../../infra/rate-limit';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';

const HOUR_MS = 3_600_000;
const WARN_EVERY_MS = 10_000;

export interface SignupThrottle {
  /** Takes one sign-up from the address's hourly bucket, or throws `too_many_signups` with the wait. */
  take(address: string): Promise<void>;
}

export interface SignupThrottleOptions {
  store: RateLimitStore;
  /** The in-process store that decides while `store` fails (`store` itself when it is in-process). */
  fallback: RateLimitStore;
  /** Sign-ups per address per hour; 0 turns the throttle off. */
  perHour: number;
}

/**
 * Per-user limits mean nothing if accounts are free to make, so sign-ups are limited per client
 * address: a token bucket of `perHour`, refilling over the hour, in the rate-limit store.
 */
export function createSignupThrottle({ store, fallback, perHour }: SignupThrottleOptions): SignupThrottle {
  let lastWarn = 0;

  async function take(bucket: BucketSpec) {
    if (store === fallback) return fallback.take([bucket], [1]);
    try {
      return await store.take([bucket], [1]);
    } catch (error) {
      if (Date.now() - lastWarn > WARN_EVERY_MS) {
        lastWarn = Date.now();
        log.warn('sign-up throttle store unavailable; limiting in-process until it returns', { store: store.kind, error });
      }
      return fallback.take([bucket], [1]);
    }
  }

  return {
    async take(address) {
      if (perHour === 0) return;
      const result = await take({ key: `signup:${address}`, capacity: perHour, periodMs: HOUR_MS });
      if (result.allowed) return;
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      throw new AppError('too_many_signups', { headers: { 'retry-after': String(seconds) } });
    },
  };
}
