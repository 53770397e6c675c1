/**
 * The scheduler clock: microseconds since the scheduler's epoch, as a wrapping 32-bit integer so
 * it fits a descriptor word. `performance.timeOrigin + performance.now()` is one clock across
 * the main thread and its workers, so both sides can stamp and compare.
 */
const origin = performance.timeOrigin;

export function wallMs(): number {
  return origin + performance.now();
}

export function clockUs(epochMs: number): number {
  return ((wallMs() - epochMs) * 1000) | 0;
}
