import { Counter } from 'prom-client';
import { AppError } from '../../lib/errors';
import { log } from '../../lib/logger';
import { registry } from '../../lib/metrics';
import type { CounterLevel, CounterSpec, QuotaStore, ReserveResult, Spent } from './types';

export type QuotaKind = 'tokensPerDay' | 'usdPerMonth';
export const QUOTA_KINDS: readonly QuotaKind[] = ['tokensPerDay', 'usdPerMonth'];

/** A user's effective quotas; null is no quota. */
export type QuotaLimits = Record<QuotaKind, number | null>;

/** What a turn is estimated to spend, or spent: tokens, and cost in USD. */
export interface Spend {
  tokens: number;
  usd: number;
}

/** One quota window: a UTC day for tokens, a UTC month for spend. */
export interface QuotaWindow {
  kind: QuotaKind;
  start: Date;
  end: Date;
  counter: CounterSpec;
}

export interface QuotaHold {
  /** Replaces the hold with what the turn really spent; once, later calls do nothing. */
  settle(spent: Spend): Promise<void>;
}

export interface QuotaLimiter {
  /** Holds the estimate against every quota the user has, or throws 429 `quota_exceeded`. */
  reserve(userId: string, estimate: Spend, limits: QuotaLimits): Promise<QuotaHold>;
  /** Adds spending no reservation covered (a conversation's title). */
  charge(userId: string, spent: Spend): Promise<void>;
  /** The user's current windows and, where the store has them, their counters. */
  levels(userId: string): Promise<{ window: QuotaWindow; level?: CounterLevel }[]>;
}

export interface QuotaLimiterOptions {
  store: QuotaStore;
  /** The in-process store that decides while `store` fails (`store` itself when it is in-process). */
  fallback: QuotaStore;
  /** What the database recorded for the user in the window, in the counter's units. */
  recorded(userId: string, window: QuotaWindow): Promise<number>;
  now?: () => number;
}

/** Counters count whole units: tokens, and nano-dollars so that sums of small costs stay exact. */
const NANO = 1e9;
export const toUnits = (kind: QuotaKind, amount: number) => (kind === 'usdPerMonth' ? Math.round(amount * NANO) : Math.round(amount));
export const fromUnits = (kind: QuotaKind, units: number) => (kind === 'usdPerMonth' ? units / NANO : units);

const WARN_EVERY_MS = 10_000;

const rejections = new Counter({
  name: 'confab_quota_rejections_total',
  help: 'Turns refused because a quota (tokens per day, spend per month) was used up.',
  labelNames: ['quota'] as const,
  registers: [registry],
});

export const quotaStoreFailures = new Counter({
  name: 'confab_quota_store_failures_total',
  help: 'Quota calls the shared store (Redis) could not answer; the in-process fallback decided them.',
  registers: [registry],
});

const iso = (d: Date) => d.toISOString();

/** The windows `at` falls in: its UTC day and its UTC month. */
export function windowsAt(userId: string, at: number): QuotaWindow[] {
  const d = new Date(at);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  const dayStart = new Date(Date.UTC(y, m, day));
  const dayEnd = new Date(Date.UTC(y, m, day + 1));
  const monthStart = new Date(Date.UTC(y, m, 1));
  const monthEnd = new Date(Date.UTC(y, m + 1, 1));
  // The user id is a hash tag: all of one user's counters share a Redis Cluster slot.
  return [
    {
      kind: 'tokensPerDay',
      start: dayStart,
      end: dayEnd,
      counter: { key: `{${userId}}:t:${iso(dayStart).slice(0, 10)}`, endsAt: +dayEnd },
    },
    {
      kind: 'usdPerMonth',
      start: monthStart,
      end: monthEnd,
      counter: { key: `{${userId}}:c:${iso(monthStart).slice(0, 7)}`, endsAt: +monthEnd },
    },
  ];
}

/** Users whose windows are remembered at once; past it the memo starts afresh. */
const MAX_REMEMBERED = 10_000;

/**
 * `windowsAt`, remembered per user until their day ends: every turn asks twice (to hold, to
 * settle), and building the windows (four dates, two ISO keys) was most of a quota check's cost.
 */
function windowMemo() {
  const memo = new Map<string, QuotaWindow[]>();
  return (userId: string, at: number): QuotaWindow[] => {
    const known = memo.get(userId);
    if (known && at >= +known[0].start && at < +known[0].end) return known;
    if (memo.size >= MAX_REMEMBERED) memo.clear();
    const windows = windowsAt(userId, at);
    memo.set(userId, windows);
    return windows;
  };
}

const SENTENCES: Record<QuotaKind, string> = {
  tokensPerDay: 'You have used all your tokens for today.',
  usdPerMonth: 'You have used your spending budget for this month.',
};

function exceeded(window: QuotaWindow, now: number): AppError {
  const retryAfterMs = Math.max(0, +window.end - now);
  return new AppError('quota_exceeded', {
    message: `${SENTENCES[window.kind]} It resets at ${iso(window.end)}.`,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    details: { quota: window.kind, resetsAt: iso(window.end) },
  });
}

/**
 * The quota policy over a store: which counters a turn holds, in which units, when they reset,
 * and where a counter starts (what the database recorded, the first time a store needs it). A
 * turn holds its estimate (at most the whole limit, so a lone turn can always start) and is
 * refused when that would take a quota past its limit. While the shared store cannot answer,
 * decisions fall back to in-process counters started from the database, as rate limits do.
 */
export function createQuotaLimiter(opts: QuotaLimiterOptions): QuotaLimiter {
  const now = opts.now ?? Date.now;
  const seeding = new Map<string, Promise<void>>();
  const windowsOf = windowMemo();
  let lastWarn = 0;

  async function onStore<T>(run: (store: QuotaStore) => Promise<T>): Promise<{ value: T; store: QuotaStore }> {
    if (opts.store === opts.fallback) return { value: await run(opts.fallback), store: opts.fallback };
    try {
      return { value: await run(opts.store), store: opts.store };
    } catch (error) {
      quotaStoreFailures.inc();
      if (Date.now() - lastWarn > WARN_EVERY_MS) {
        lastWarn = Date.now();
        log.warn('quota store unavailable; counting in-process until it returns', { store: opts.store.kind, error });
      }
      return { value: await run(opts.fallback), store: opts.fallback };
    }
  }

  /** Concurrent turns of one user share one database read per counter. */
  function seed(store: QuotaStore, userId: string, window: QuotaWindow): Promise<void> {
    const key = `${store.kind}:${window.counter.key}`;
    let pending = seeding.get(key);
    if (!pending) {
      pending = opts
        .recorded(userId, window)
        .then((used) => store.seed(window.counter, used))
        .finally(() => seeding.delete(key));
      seeding.set(key, pending);
    }
    return pending;
  }

  function spentIn(userId: string, spent: Spend): Spent[] {
    return windowsOf(userId, now()).map((w) => ({
      counter: w.counter,
      amount: toUnits(w.kind, w.kind === 'tokensPerDay' ? spent.tokens : spent.usd),
    }));
  }

  async function settle(store: QuotaStore, holdId: string, held: CounterSpec[], userId: string, spent: Spend): Promise<void> {
    const charges = spentIn(userId, spent);
    const run = (s: QuotaStore) => s.settle(holdId, held, charges);
    await (store === opts.store ? onStore(run) : run(store)).catch((error) => log.warn('quota settle failed', { error }));
  }

  async function reserve(userId: string, estimate: Spend, limits: QuotaLimits): Promise<QuotaHold> {
    const at = now();
    const windows = windowsOf(userId, at).filter((w) => limits[w.kind] !== null);
    // Nothing is held without a window, so no store reads the id of such a hold.
    const holdId = windows.length ? crypto.randomUUID() : '';
    let done = false;
    const hold = (store: QuotaStore, held: CounterSpec[]): QuotaHold => ({
      settle: async (spent) => {
        if (done) return;
        done = true;
        await settle(store, holdId, held, userId, spent);
      },
    });
    if (windows.length === 0) return hold(opts.store, []);
    const counters = windows.map((w) => w.counter);
    const limitUnits = windows.map((w) => toUnits(w.kind, limits[w.kind] as number));
    const amounts = windows.map((w, i) => {
      const wanted = toUnits(w.kind, w.kind === 'tokensPerDay' ? estimate.tokens : estimate.usd);
      return wanted > 0 ? Math.max(1, Math.min(Math.ceil(wanted), limitUnits[i])) : 0;
    });
    const attempt = async (store: QuotaStore): Promise<ReserveResult> => {
      let result = await store.reserve(holdId, counters, limitUnits, amounts);
      for (let tries = 0; result.outcome === 'unseeded' && tries < 3; tries++) {
        await Promise.all(result.missing.map((i) => seed(store, userId, windows[i])));
        result = await store.reserve(holdId, counters, limitUnits, amounts);
      }
      return result;
    };
    const { value: result, store } = await onStore(attempt);
    if (result.outcome === 'unseeded') throw new AppError('internal_error', { internal: 'quota counters could not be started' });
    if (result.outcome === 'refused') {
      const window = windows[result.limitedBy];
      rejections.inc({ quota: window.kind });
      throw exceeded(window, at);
    }
    return hold(store, counters);
  }

  return {
    reserve,
    charge: (userId, spent) => settle(opts.store, crypto.randomUUID(), [], userId, spent),
    async levels(userId) {
      const windows = windowsOf(userId, now());
      const { value } = await onStore((s) => s.read(windows.map((w) => w.counter)));
      return windows.map((window, i) => ({ window, level: value[i] }));
    },
  };
}
