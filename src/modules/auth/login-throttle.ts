import type { BackoffRule, BackoffStore } from '../../infra/backoff';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import { hashToken } from './tokens';

const DELAYS = { baseMs: 1_000, maxMs: 15 * 60_000, forgetMs: 60 * 60_000 };
/** One account from one address: guessing that account's password from there. */
const PER_ACCOUNT_AND_ADDRESS = { free: 5, ...DELAYS };
/** One address, any account: spraying many accounts, with room for a shared NAT. */
const PER_ADDRESS = { free: 50, ...DELAYS };
const WARN_EVERY_MS = 10_000;

/** A counted login attempt, settled once the password has been checked. */
export interface LoginAttempt {
  /** The password was right: this account starts over at this address. */
  succeeded(): Promise<void>;
  /** The password was wrong: the attempt stays counted and the next one waits from now. */
  failed(): Promise<void>;
  /** The check itself failed (not the password): the attempt does not count. */
  abandoned(): Promise<void>;
}

export interface LoginThrottle {
  /** Counts an attempt before the password is checked, or throws `too_many_attempts` with the wait. */
  reserve(account: string, address: string): Promise<LoginAttempt>;
}

export interface LoginThrottleOptions {
  store: BackoffStore;
  /** The in-process store that counts while `store` fails (`store` itself when it is in-process). */
  fallback: BackoffStore;
  now?: () => number;
}

/**
 * Slows password guessing without handing anyone a way to lock others out. Attempts are counted per
 * account and address and per address, each with exponential backoff once its free attempts are
 * used. Nothing is counted per account alone: failures from one address never refuse the right
 * password from another. Counting happens before the check, so concurrent guesses cannot outrun it.
 */
export function createLoginThrottle({ store, fallback, now = Date.now }: LoginThrottleOptions): LoginThrottle {
  let lastWarn = 0;

  async function reserveIn(rules: BackoffRule[]) {
    if (store === fallback) return { decision: await fallback.reserve(rules, now()), used: fallback };
    try {
      return { decision: await store.reserve(rules, now()), used: store };
    } catch (error) {
      if (Date.now() - lastWarn > WARN_EVERY_MS) {
        lastWarn = Date.now();
        log.warn('login throttle store unavailable; counting in-process until it returns', { store: store.kind, error });
      }
      return { decision: await fallback.reserve(rules, now()), used: fallback };
    }
  }

  const settle = (step: Promise<void>) => step.catch((error) => log.warn('login attempt not settled', { error }));

  return {
    async reserve(account, address) {
      const pairKey = `login:pair:${hashToken(`${account}\n${address}`)}`;
      const addressKey = `login:addr:${address}`;
      const rules = [
        { key: pairKey, ...PER_ACCOUNT_AND_ADDRESS },
        { key: addressKey, ...PER_ADDRESS },
      ];
      const { decision, used } = await reserveIn(rules);
      if (!decision.allowed) {
        const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        throw new AppError('too_many_attempts', { headers: { 'retry-after': String(seconds) } });
      }
      return {
        succeeded: () => settle(Promise.all([used.clear([pairKey]), used.release([addressKey])]).then(() => {})),
        failed: () => settle(used.fail(rules, now())),
        abandoned: () => settle(used.release([pairKey, addressKey])),
      };
    },
  };
}
