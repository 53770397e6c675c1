import type { CounterLevel, CounterSpec, QuotaStore, ReserveResult, Spent } from './types';

interface Counter extends CounterLevel {
  endsAt: number;
  holds: Map<string, number>;
}

const SWEEP_EVERY = 10_000;

/**
 * Counters in this process. Each call runs synchronously between awaits, so concurrent turns in
 * one process are serialised and a budget admits exactly what fits. Holds need no expiry here:
 * the process that holds one is the one that settles it, and a crash loses both together.
 */
export class MemoryQuotaStore implements QuotaStore {
  readonly kind = 'memory' as const;
  private readonly counters = new Map<string, Counter>();
  private ops = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async seed(counter: CounterSpec, used: number): Promise<void> {
    if (!this.counters.has(counter.key)) this.counters.set(counter.key, { used, reserved: 0, endsAt: counter.endsAt, holds: new Map() });
  }

  async reserve(
    holdId: string,
    specs: readonly CounterSpec[],
    limits: readonly number[],
    amounts: readonly number[],
  ): Promise<ReserveResult> {
    if (++this.ops % SWEEP_EVERY === 0) this.sweep();
    const counters = specs.map((s) => this.counters.get(s.key));
    const missing = counters.flatMap((c, i) => (c ? [] : [i]));
    if (missing.length) return { outcome: 'unseeded', missing };
    const present = counters as Counter[];
    const limitedBy = present.findIndex((c, i) => amounts[i] > 0 && c.used + c.reserved + amounts[i] > limits[i]);
    if (limitedBy >= 0) return { outcome: 'refused', limitedBy, levels: present.map(level) };
    for (const [i, c] of present.entries()) {
      c.reserved += amounts[i];
      c.holds.set(holdId, amounts[i]);
    }
    return { outcome: 'allowed', levels: present.map(level) };
  }

  async settle(holdId: string, held: readonly CounterSpec[], spent: readonly Spent[]): Promise<void> {
    for (const spec of held) {
      const c = this.counters.get(spec.key);
      const amount = c?.holds.get(holdId);
      if (!c || amount === undefined) continue;
      c.holds.delete(holdId);
      c.reserved -= amount;
    }
    for (const s of spent) {
      const c = this.counters.get(s.counter.key);
      if (c) c.used += s.amount;
    }
  }

  async read(specs: readonly CounterSpec[]): Promise<(CounterLevel | undefined)[]> {
    return specs.map((s) => {
      const c = this.counters.get(s.key);
      return c && level(c);
    });
  }

  async close(): Promise<void> {
    this.counters.clear();
  }

  /** Counters of windows that have ended carry nothing anyone reads again. */
  private sweep(): void {
    const now = this.now();
    for (const [key, c] of this.counters) if (c.endsAt <= now && c.holds.size === 0) this.counters.delete(key);
  }
}

const level = (c: Counter): CounterLevel => ({ used: c.used, reserved: c.reserved });
