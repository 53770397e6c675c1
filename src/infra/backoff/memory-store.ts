import { counted, decide, failed, type KeyState } from './backoff';
import type { BackoffDecision, BackoffRule, BackoffStore } from './types';

/** Keys past their forget time carry no information and are dropped now and then. */
const SWEEP_EVERY = 10_000;

/**
 * In-process attempt counts. Every reservation runs synchronously between awaits, so concurrent
 * attempts in one process are counted one by one and the backoff is exact.
 */
export class MemoryBackoffStore implements BackoffStore {
  readonly kind = 'memory' as const;
  private readonly keys = new Map<string, KeyState & { forgetAt: number }>();
  private ops = 0;

  async reserve(rules: readonly BackoffRule[], now: number): Promise<BackoffDecision> {
    if (++this.ops % SWEEP_EVERY === 0) this.sweep(now);
    const states = rules.map((r) => this.live(r.key, now));
    const decision = decide(rules, states, now);
    if (!decision.allowed) return decision;
    rules.forEach((rule, i) => {
      const next = counted(rule, states[i], now);
      this.keys.set(rule.key, { ...next, forgetAt: Math.max(next.until, now) + rule.forgetMs });
    });
    return decision;
  }

  async fail(rules: readonly BackoffRule[], now: number): Promise<void> {
    for (const rule of rules) {
      const state = this.live(rule.key, now);
      if (!state) continue;
      const next = failed(rule, state, now);
      this.keys.set(rule.key, { ...next, forgetAt: Math.max(next.until, now) + rule.forgetMs });
    }
  }

  async release(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const state = this.keys.get(key);
      if (state) state.attempts = Math.max(0, state.attempts - 1);
    }
  }

  async clear(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.keys.delete(key);
  }

  async close(): Promise<void> {
    this.keys.clear();
  }

  private live(key: string, now: number): KeyState | undefined {
    const state = this.keys.get(key);
    if (state && state.forgetAt <= now) {
      this.keys.delete(key);
      return undefined;
    }
    return state;
  }

  private sweep(now: number): void {
    for (const [key, state] of this.keys) if (state.forgetAt <= now) this.keys.delete(key);
  }
}
