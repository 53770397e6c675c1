import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../src/lib/metrics';

/**
 * The scheduler's Prometheus metrics, on the process registry. The hot path updates them once
 * per batch; queue depth is read from the rings only when scraped.
 */

export const PRIORITIES = ['interactive', 'normal', 'background'] as const;

type DepthSource = () => readonly number[];
const depthSources = new Set<DepthSource>();

// Registered for its collect hook: the registry reads the depth at scrape time.
new Gauge({
  name: 'confab_scheduler_queue_depth',
  help: 'Jobs waiting in the scheduler queue, by priority',
  labelNames: ['priority'],
  registers: [registry],
  collect() {
    const totals = [0, 0, 0];
    for (const source of depthSources) for (const [i, n] of source().entries()) totals[i] += n;
    for (const [i, priority] of PRIORITIES.entries()) this.set({ priority }, totals[i]);
  },
});

export const batchSize = new Histogram({
  name: 'confab_scheduler_batch_size',
  help: 'Jobs per batch a worker ran',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  registers: [registry],
});

export const queueWait = new Histogram({
  name: 'confab_scheduler_queue_wait_seconds',
  help: 'Time from submit until a worker started the batch, observed once per batch and priority for its oldest job',
  labelNames: ['priority'],
  buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const jobsTotal = new Counter({
  name: 'confab_scheduler_jobs_total',
  help: 'Jobs settled by the scheduler, by kind and outcome (ok, error, crashed, busy, closed)',
  labelNames: ['kind', 'outcome'],
  registers: [registry],
});

export const workerRestarts = new Counter({
  name: 'confab_scheduler_worker_restarts_total',
  help: 'Scheduler workers replaced after they died',
  registers: [registry],
});

/** Adds a scheduler's per-priority queue sizes to the depth gauge; returns the undo. */
export function trackDepth(source: DepthSource): () => void {
  depthSources.add(source);
  return () => depthSources.delete(source);
}
