import type { BackoffDecision, BackoffRule } from './types';

/** The wait after a key's `attempts`-th attempt. The Redis store's script does the same arithmetic. */
export function delayAfter(rule: BackoffRule, attempts: number): number {
  return attempts < rule.free ? 0 : Math.min(rule.maxMs, rule.baseMs * 2 ** (attempts - rule.free));
}

export interface KeyState {
  attempts: number;
  /** Until when the next attempt must wait (0: it need not). */
  until: number;
}

/** Refused when any key has used its free attempts and its delay has not run out: the longest wait wins. */
export function decide(rules: readonly BackoffRule[], states: readonly (KeyState | undefined)[], now: number): BackoffDecision {
  let retryAfterMs = 0;
  let limitedBy = -1;
  rules.forEach((rule, i) => {
    const s = states[i];
    if (!s || s.attempts < rule.free || s.until <= now || s.until - now <= retryAfterMs) return;
    retryAfterMs = s.until - now;
    limitedBy = i;
  });
  return { allowed: limitedBy < 0, retryAfterMs, limitedBy };
}

/** A key's state once one more attempt is counted at `now`. */
export function counted(rule: BackoffRule, state: KeyState | undefined, now: number): KeyState {
  const attempts = (state?.attempts ?? 0) + 1;
  return { attempts, until: attempts >= rule.free ? now + delayAfter(rule, attempts) : (state?.until ?? 0) };
}

/** A key's state once a counted attempt failed at `now`: its delay runs from now. */
export function failed(rule: BackoffRule, state: KeyState, now: number): KeyState {
  return { attempts: state.attempts, until: Math.max(state.until, now + delayAfter(rule, state.attempts)) };
}
