import * as hdr from 'hdr-histogram-js';
import { createScheduler, type Priority } from './index';
import { PRIORITIES } from './metrics';

/**
 * The simulated inference workload behind the CLI: a closed loop keeps `concurrency` requests
 * outstanding, with priorities drawn from a fixed mix, until `requests` have completed.
 */

export interface WorkloadOptions {
  workers: number;
  batch: number;
  requests: number;
  concurrency: number;
  perJobUs: number;
  perBatchUs: number;
  maxWaitUs: number;
  /** Shares of interactive, normal and background requests. */
  mix: [number, number, number];
}

export interface LatencySummary {
  count: number;
  waitUs: { p50: number; p95: number; p99: number; max: number };
  endToEndMs: { p50: number; p95: number; p99: number; max: number };
}

export interface WorkloadReport {
  options: WorkloadOptions;
  seconds: number;
  throughput: number;
  batches: number;
  meanBatch: number;
  batchFill: number;
  busyRetries: number;
  failed: number;
  restarts: number;
  priorities: Record<Priority, LatencySummary>;
}

const HANDLERS = new URL('./workloads.ts', import.meta.url).pathname;

function newHistogram() {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/** Deterministic priority sequence following the mix (no randomness, so runs compare). */
function priorityOf(i: number, mix: [number, number, number]): Priority {
  const total = mix[0] + mix[1] + mix[2];
  const x = ((i * 0.6180339887) % 1) * total;
  return x < mix[0] ? 'interactive' : x < mix[0] + mix[1] ? 'normal' : 'background';
}

export async function runWorkload(opts: WorkloadOptions): Promise<WorkloadReport> {
  const waits = PRIORITIES.map(newHistogram);
  const e2e = PRIORITIES.map(newHistogram);
  const scheduler = createScheduler({
    handlers: HANDLERS,
    workers: opts.workers,
    maxBatch: opts.batch,
    maxWaitUs: opts.maxWaitUs,
    capacity: 1 << Math.ceil(Math.log2(Math.max(64, opts.concurrency * 2))),
    onSettled: (priority, waitUs) => waits[PRIORITIES.indexOf(priority)].recordValue(Math.max(0, waitUs)),
  });
  await scheduler.ready();
  await scheduler.submit('checksum', 'warm-up');
  const before = scheduler.stats();
  let next = 0;
  let busyRetries = 0;
  const started = performance.now();
  const one = async (): Promise<void> => {
    while (next < opts.requests) {
      const i = next++;
      const priority = priorityOf(i, opts.mix);
      const payload = `${opts.perJobUs}|${opts.perBatchUs}|request ${i}`;
      const t0 = performance.now();
      for (;;) {
        try {
          await scheduler.submit('infer', payload, priority);
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== 'scheduler_busy') throw err;
          busyRetries++;
          await Bun.sleep(1);
        }
      }
      e2e[PRIORITIES.indexOf(priority)].recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.requests) }, one));
  const seconds = (performance.now() - started) / 1000;
  const after = scheduler.stats();
  await scheduler.close();
  const batches = after.batches - before.batches;
  const jobs = after.completed + after.failed - before.completed - before.failed;
  return {
    options: opts,
    seconds,
    throughput: opts.requests / seconds,
    batches,
    meanBatch: batches ? jobs / batches : 0,
    batchFill: batches ? jobs / batches / opts.batch : 0,
    busyRetries,
    failed: after.failed - before.failed,
    restarts: after.restarts,
    priorities: Object.fromEntries(PRIORITIES.map((p, i) => [p, summarise(waits[i], e2e[i])])) as WorkloadReport['priorities'],
  };
}

function summarise(wait: hdr.Histogram, e2e: hdr.Histogram): LatencySummary {
  const pick = (h: hdr.Histogram, scale: number) => ({
    p50: h.getValueAtPercentile(50) / scale,
    p95: h.getValueAtPercentile(95) / scale,
    p99: h.getValueAtPercentile(99) / scale,
    max: h.maxValue / scale,
  });
  return { count: e2e.totalCount, waitUs: pick(wait, 1), endToEndMs: pick(e2e, 1000) };
}
