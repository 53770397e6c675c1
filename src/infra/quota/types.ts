/**
 * Quota counters: what one user spent in one window (tokens in a UTC day, cost in a UTC month), in
 * whole units, together with what turns still running hold against it. A turn holds its estimate
 * while it runs and settles to what it really spent when it ends.
 */
export interface CounterSpec {
  key: string;
  /** When the window ends (epoch ms): the store may forget the counter after it. */
  endsAt: number;
}

export interface CounterLevel {
  used: number;
  reserved: number;
}

export type ReserveResult =
  | { outcome: 'allowed'; levels: CounterLevel[] }
  /** `limitedBy` is the index of the first counter that could not take its amount. */
  | { outcome: 'refused'; limitedBy: number; levels: CounterLevel[] }
  /** These counters are not in the store yet: seed them, then reserve again. Nothing was held. */
  | { outcome: 'unseeded'; missing: number[] };

export interface Spent {
  counter: CounterSpec;
  amount: number;
}

/** Where counters live; the choice (memory or Redis) is made once, at start-up. */
export interface QuotaStore {
  readonly kind: 'memory' | 'redis';
  /** Starts a counter at `used` unless the store already has it. */
  seed(counter: CounterSpec, used: number): Promise<void>;
  /**
   * Holds `amounts[i]` on `counters[i]` under `holdId`, atomically: all or none. A counter refuses a
   * positive amount that would take used + reserved past its limit; an amount of 0 is never refused.
   */
  reserve(holdId: string, counters: readonly CounterSpec[], limits: readonly number[], amounts: readonly number[]): Promise<ReserveResult>;
  /**
   * Atomically releases what `holdId` holds on `held` (nothing, if it no longer holds it) and adds
   * each spent amount to its counter, when the store has that counter: a counter it lacks starts
   * from the database, where the same spending is recorded.
   */
  settle(holdId: string, held: readonly CounterSpec[], spent: readonly Spent[]): Promise<void>;
  /** Each counter's level, or undefined when the store does not have it. */
  read(counters: readonly CounterSpec[]): Promise<(CounterLevel | undefined)[]>;
  close(): Promise<void>;
}
