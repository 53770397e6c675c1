import { describe, expect, test } from 'bun:test';
import { pickByDeadline } from './pick';

const AGING = 1000;

describe('priority pick', () => {
  test('serves-the-most-urgent-lane-when-jobs-are-equally-old', () => {
    expect(pickByDeadline([500, 500, 500], AGING)).toBe(0);
    expect(pickByDeadline([undefined, 500, 500], AGING)).toBe(1);
    expect(pickByDeadline([undefined, undefined, 500], AGING)).toBe(2);
  });

  test('reports-nothing-to-do-when-every-lane-is-empty', () => {
    expect(pickByDeadline([undefined, undefined, undefined], AGING)).toBe(-1);
  });

  test('prefers-a-fresh-interactive-job-over-background-work-younger-than-two-aging-periods', () => {
    expect(pickByDeadline([10_000, undefined, 10_000 - 2 * AGING + 1], AGING)).toBe(0);
  });

  test('ages-background-work-past-fresh-interactive-work-so-it-never-starves', () => {
    expect(pickByDeadline([10_000, undefined, 10_000 - 2 * AGING - 1], AGING)).toBe(2);
    expect(pickByDeadline([10_000, 10_000 - AGING - 1, undefined], AGING)).toBe(1);
  });

  test('compares-correctly-across-the-32-bit-clock-wrap', () => {
    const justBeforeWrap = 0x7fffff00;
    const justAfterWrap = (justBeforeWrap + 10 * AGING) | 0;
    expect(justAfterWrap).toBeLessThan(0);
    expect(pickByDeadline([justAfterWrap, undefined, justBeforeWrap], AGING)).toBe(2);
  });
});
