import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppError } from '../src/lib/errors';
import { registry } from '../src/lib/metrics';
import { createScheduler, type Scheduler, type SchedulerOptions } from './index';

const HANDLERS = new URL('./__fixtures__/handlers.ts', import.meta.url).pathname;
const open: Scheduler[] = [];

function scheduler(opts: Partial<SchedulerOptions> = {}): Scheduler {
  const s = createScheduler({ handlers: HANDLERS, workers: 1, ...opts });
  open.push(s);
  return s;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ drain: false })));
});

describe('scheduler', () => {
  test('runs-a-job-on-a-worker-and-returns-its-result', async () => {
    const s = scheduler({ workers: 2 });
    await s.ready();
    expect(s.stats().workers).toBe(2);
    expect(await s.submit('upper', 'héllo')).toBe('HÉLLO');
    expect(await s.submitMany('upper', ['a', 'b', 'c'])).toEqual(['A', 'B', 'C']);
    expect(s.stats()).toMatchObject({ completed: 4, failed: 0, queued: 0, inFlight: 0, workers: 2 });
  });

  test('settles-every-job-exactly-once-with-its-own-result-under-mixed-priority-stress', async () => {
    const s = scheduler({ workers: 2, capacity: 1024, maxBatch: 16 });
    const priorities = ['interactive', 'normal', 'background'] as const;
    const ids = Array.from({ length: 20_000 }, (_, i) => i);
    const results: string[] = [];
    for (let from = 0; from < ids.length; from += 2000) {
      const chunk = ids.slice(from, from + 2000);
      results.push(...(await Promise.all(chunk.map((i) => s.submit<string>('echo', `id-${i}`, priorities[i % 3])))));
    }
    expect(results).toEqual(ids.map((i) => `id-${i}`));
    expect(s.stats()).toMatchObject({ completed: 20_000, failed: 0 });
  });

  test('hands-a-handler-only-one-kind-of-job-per-call-and-never-more-than-maxbatch', async () => {
    const s = scheduler({ maxBatch: 4 });
    await s.submit('slow', '30');
    const batches = await Promise.all(Array.from({ length: 10 }, (_, i) => s.submit<string[]>(i % 2 ? 'batch' : 'echo', `${i}`)));
    const seenTogether = batches.filter((_b, i) => i % 2 === 1) as string[][];
    for (const batch of seenTogether) {
      expect(batch.length).toBeLessThanOrEqual(4);
      for (const payload of batch) expect(Number(payload) % 2).toBe(1);
    }
  });

  test('waits-up-to-maxwaitus-for-a-partial-batch-to-fill', async () => {
    const s = scheduler({ maxBatch: 3, maxWaitUs: 5_000_000 });
    const first = s.submit<string[]>('batch', 'a');
    await Bun.sleep(30);
    const second = s.submit<string[]>('batch', 'b');
    await Bun.sleep(30);
    const third = s.submit<string[]>('batch', 'c');
    expect(await first).toEqual(['a', 'b', 'c']);
    expect(await second).toEqual(['a', 'b', 'c']);
    expect(await third).toEqual(['a', 'b', 'c']);
  });

  test('runs-a-lone-job-at-once-when-maxwaitus-is-zero', async () => {
    const s = scheduler({ maxBatch: 8, maxWaitUs: 0 });
    await s.ready();
    const first = s.submit<string[]>('batch', 'a');
    await Bun.sleep(50);
    const second = s.submit<string[]>('batch', 'b');
    expect(await first).toEqual(['a']);
    expect(await second).toEqual(['b']);
  });

  test('serves-waiting-interactive-jobs-before-earlier-background-jobs', async () => {
    const order: string[] = [];
    const s = scheduler({ maxBatch: 1, agingMs: 60_000 });
    const blocker = s.submit('slow', '50');
    await Bun.sleep(10);
    const jobs = [
      ...['b1', 'b2', 'b3'].map((p) => s.submit('echo', p, 'background').then(() => order.push(p))),
      ...['n1'].map((p) => s.submit('echo', p, 'normal').then(() => order.push(p))),
      ...['i1', 'i2'].map((p) => s.submit('echo', p, 'interactive').then(() => order.push(p))),
    ];
    await Promise.all([blocker, ...jobs]);
    expect(order).toEqual(['i1', 'i2', 'n1', 'b1', 'b2', 'b3']);
  });

  test('lets-long-waiting-background-work-overtake-newer-interactive-work', async () => {
    const order: string[] = [];
    const s = scheduler({ maxBatch: 1, agingMs: 5 });
    const blocker = s.submit('slow', '60');
    await Bun.sleep(5);
    const old = s.submit('echo', 'old-background', 'background').then(() => order.push('old-background'));
    await Bun.sleep(30);
    const fresh = s.submit('echo', 'fresh-interactive', 'interactive').then(() => order.push('fresh-interactive'));
    await Promise.all([blocker, old, fresh]);
    expect(order).toEqual(['old-background', 'fresh-interactive']);
  });

  test('refuses-work-with-a-retryable-busy-error-when-the-queue-is-full', async () => {
    const s = scheduler({ capacity: 4, maxBatch: 1 });
    const accepted: Promise<unknown>[] = [];
    const refused: Promise<AppError>[] = [];
    for (let i = 0; i < 30; i++) {
      const p = s.submit('slow', '20');
      accepted.push(p.catch(() => undefined));
      refused.push(rejection(p).catch(() => null as unknown as AppError));
    }
    const errors = (await Promise.all(refused)).filter(Boolean);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ code: 'scheduler_busy', status: 503, retryable: true });
    await Promise.all(accepted);
    expect(await s.submit('echo', 'after')).toBe('after');
  });

  test('fails-only-the-jobs-of-a-handler-that-throws-with-its-message', async () => {
    const s = scheduler({ maxBatch: 8 });
    const [bad, good] = await Promise.allSettled([s.submit('fail', 'x'), s.submit('echo', 'fine')]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toMatchObject({ code: 'job_failed', message: 'refused 1' });
    expect(good).toEqual({ status: 'fulfilled', value: 'fine' });
    expect((await rejection(s.submit('short', 'x'))).message).toContain('one result per payload');
    expect((await rejection(s.submit('nope', 'x'))).message).toContain('no handler');
  });

  test('replaces-a-worker-that-exits-mid-batch-and-re-runs-the-jobs-it-held', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'sched-')), 'died-once');
    const s = scheduler();
    expect(await s.submit('exitOnce', marker)).toBe(marker);
    expect(s.stats()).toMatchObject({ restarts: 1, workers: 1 });
    expect(await s.submit('echo', 'still working')).toBe('still working');
  });

  test('fails-a-job-that-kills-its-worker-on-every-attempt-instead-of-dropping-it', async () => {
    const s = scheduler();
    const err = await rejection(s.submit('exit', 'die'));
    expect(err).toMatchObject({ code: 'worker_crashed', retryable: true });
    expect(s.stats().restarts).toBe(2);
    expect(await s.submit('exit', 'spare me')).toBe('spare me');
  });

  test('drains-queued-jobs-before-closing', async () => {
    const s = scheduler({ maxBatch: 1 });
    const jobs = Array.from({ length: 5 }, (_, i) => s.submit('slow', `${5 + i}`));
    await s.close();
    expect(await Promise.all(jobs)).toEqual(['5', '6', '7', '8', '9']);
    expect(s.stats().workers).toBe(0);
    expect(await rejection(s.submit('echo', 'late'))).toMatchObject({ code: 'scheduler_closed' });
  });

  test('closing-without-drain-rejects-queued-jobs-instead-of-losing-them', async () => {
    const s = scheduler({ maxBatch: 1 });
    const jobs = Array.from({ length: 5 }, () => s.submit('slow', '50').catch((e: AppError) => e.code));
    await s.close({ drain: false });
    expect(await Promise.all(jobs)).toEqual(Array(5).fill('scheduler_closed'));
  });

  test('stops-restarting-and-fails-work-when-the-handler-module-cannot-load', async () => {
    const s = scheduler({ handlers: '/nonexistent/handlers.ts' });
    expect(await rejection(s.ready())).toMatchObject({ code: 'scheduler_unavailable' });
    const err = await rejection(s.submit('echo', 'x'));
    expect(err).toMatchObject({ code: 'scheduler_unavailable', status: 503 });
  });

  test('a-worker-turns-its-event-loop-before-it-sleeps-so-what-a-job-left-there-runs', async () => {
    const s = scheduler();
    expect(await s.submit('tick', 'a')).toBe('a');
    await Bun.sleep(50);
    expect(await s.submit('ticks', '?')).toBe(1);
  });

  test('on-demand-starts-no-worker-until-the-first-job-and-then-runs-it', async () => {
    const s = scheduler({ workers: 2, onDemand: true });
    await s.ready();
    await Bun.sleep(50);
    expect(s.stats().workers).toBe(0);
    // Queued before any worker exists; the workers take it once they have loaded.
    expect(await s.submitMany('upper', ['a', 'b', 'c'])).toEqual(['A', 'B', 'C']);
    expect(s.stats().workers).toBe(2);
    await s.ready();
    expect(await s.submit('upper', 'd')).toBe('D');
    expect(s.stats()).toMatchObject({ completed: 4, failed: 0, queued: 0, inFlight: 0 });
  });

  test('on-demand-closes-at-once-when-no-job-ever-came-and-reports-a-module-that-cannot-load-to-the-first-job', async () => {
    const idle = scheduler({ onDemand: true });
    await idle.close();
    expect(await rejection(idle.submit('echo', 'late'))).toMatchObject({ code: 'scheduler_closed' });
    const broken = scheduler({ handlers: '/nonexistent/handlers.ts', onDemand: true });
    await broken.ready();
    expect(await rejection(broken.submit('echo', 'x'))).toMatchObject({ code: 'scheduler_unavailable', status: 503 });
    expect(await rejection(broken.ready())).toMatchObject({ code: 'scheduler_unavailable' });
  });

  test('returns-numeric-results-of-a-group-as-one-float64array-in-submission-order', async () => {
    const s = scheduler({ maxBatch: 7 });
    const payloads = Array.from({ length: 100 }, (_, i) => 'x'.repeat(i));
    const lengths = await s.submitNumbers('len', payloads, 'background');
    expect(lengths).toBeInstanceOf(Float64Array);
    expect([...lengths]).toEqual(payloads.map((p) => p.length));
    expect(s.stats()).toMatchObject({ completed: 100, queued: 0, inFlight: 0 });
  });

  test('fails-submitnumbers-when-the-handler-returns-something-other-than-numbers', async () => {
    const s = scheduler();
    expect(await rejection(s.submitNumbers('echo', ['a', 'b']))).toMatchObject({ code: 'job_failed' });
    expect(s.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  test('re-runs-the-jobs-of-a-group-held-by-a-worker-that-died-and-delivers-each-result-once', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'sched-')), 'died-once');
    const s = scheduler({ maxBatch: 4 });
    // The handler dies once on a batch that starts with the marker; every batch of 4 does.
    const payloads = Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? marker : `job-${i}`));
    expect(await s.submitMany('exitOnce', payloads)).toEqual(payloads);
    expect(s.stats()).toMatchObject({ restarts: 1, completed: 12, failed: 0, inFlight: 0 });
  });

  test('exports-its-metrics-on-the-shared-registry', async () => {
    const s = scheduler();
    await s.submitMany('echo', ['a', 'b']);
    const text = await registry.metrics();
    expect(text).toContain('confab_scheduler_queue_depth{priority="interactive"}');
    expect(text).toMatch(/confab_scheduler_batch_size_count \d+/);
    expect(text).toContain('confab_scheduler_queue_wait_seconds_bucket');
    expect(text).toMatch(/confab_scheduler_jobs_total\{kind="echo",outcome="ok"\} \d+/);
    expect(text).toContain('confab_scheduler_worker_restarts_total');
  });
});
