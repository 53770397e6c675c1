import { AppError } from '../../lib/errors';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Slows password guessing: after `maxFailures` failed logins for one key (an account or an
 * address) within `windowMs`, further attempts answer 429 until the window passes.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  check(key: string): void {
    const t = this.now();
    const w = this.windows.get(key);
    if (w && w.resetAt > t && w.failures >= this.maxFailures) {
      const retryAfter = Math.ceil((w.resetAt - t) / 1000);
      throw new AppError('too_many_attempts', { headers: { 'retry-after': String(retryAfter) } });
    }
  }

  fail(key: string): void {
    const t = this.now();
    if (this.windows.size > 100_000) this.sweep(t);
    const w = this.windows.get(key);
    if (!w || w.resetAt <= t) this.windows.set(key, { failures: 1, resetAt: t + this.windowMs });
    else w.failures++;
  }

  succeed(key: string): void {
    this.windows.delete(key);
  }

  private sweep(t: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= t) this.windows.delete(k);
  }
}
