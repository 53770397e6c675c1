import { AppError } from '../src/lib/errors';
import type { Priority } from './contract';
import type { Group, JobTable } from './job-table';
import { PRIORITIES } from './metrics';
import { type DoneMessage, unpackDone } from './protocol';

/** What settling one batch adds up, for the caller's metrics; reused across batches. */
export interface SettleTotals {
  /** Per kind id: jobs that succeeded at [2k], failed at [2k + 1]. */
  readonly tally: Int32Array;
  /** Per lane: queue wait (µs) of the batch's oldest job, or -1. */
  readonly oldest: number[];
}

type OnSettled = ((priority: Priority, queueWaitUs: number, ok: boolean) => void) | undefined;

/**
 * Delivers one finished batch into its groups and returns how many jobs it settled. Answers for
 * groups that have settled or moved on (old generation) and repeated answers for a job re-run
 * after a crash are ignored, so every job is delivered exactly once. Consecutive jobs of one group
 * (the usual case) cost one table lookup between them.
 */
export function settleBatch(table: JobTable, message: DoneMessage, totals: SettleTotals, onSettled: OnSettled): number {
  const { handles, gens, indices, values } = unpackDone(message);
  const { errors, startedUs } = message;
  const checkNumbers = message.results !== null;
  const { tally, oldest } = totals;
  let lastH = -1;
  let lastG = 0;
  let group: Group | undefined;
  let wait = 0;
  let settled = 0;
  for (let i = 0; i < message.n; i++) {
    const h = handles[i];
    if (h !== lastH || gens[i] !== lastG) {
      lastH = h;
      lastG = gens[i];
      group = table.get(h, lastG);
      if (group === undefined) continue;
      wait = (startedUs - group.enqueuedUs) | 0;
      if (wait > oldest[group.lane]) oldest[group.lane] = wait;
    }
    if (group === undefined) continue;
    const index = indices[i];
    const seen = group.seen;
    if (seen !== null) {
      if (seen[index] === 1) continue;
      seen[index] = 1;
    }
    const value = values[i];
    let error = errors === null ? null : errors[i];
    if (error === null && checkNumbers && group.numeric && typeof value !== 'number') error = 'handler must return a number per payload';
    tally[2 * group.kind + (error === null ? 0 : 1)]++;
    if (onSettled) onSettled(PRIORITIES[group.lane], wait, error === null);
    if (error !== null) failGroup(group, new AppError('job_failed', { internal: error }));
    else if (group.results !== null) group.results[index] = value;
    else (group.resolve as (v: unknown) => void)(value);
    settled++;
    if (countDown(table, h, group)) group = undefined;
  }
  return settled;
}

/** Rejects a group's promise on its first failure; its other jobs still count down. */
export function failGroup(group: Group, reason: unknown): void {
  if (group.failed) return;
  group.failed = true;
  group.reject(reason);
}

/** One job of the group is settled; on the last one the group resolves and its handle is freed. */
export function countDown(table: JobTable, h: number, group: Group): boolean {
  if (--group.left > 0) return false;
  table.free(h);
  if (!group.failed && group.results !== null) (group.resolve as (v: unknown) => void)(group.results);
  return true;
}
