import { availableParallelism } from 'node:os';
import { AppError, badRequest } from '../src/lib/errors.ts';
import { busy, closed } from './errors.ts';
import { log } from '../src/lib/logger.ts';
import { clockUs, wallMs } from './clock.ts';
import { Control, MAX_KINDS } from './control.ts';
import { type JobGroup, JobTable } from './job-table.ts';
import { Lane } from './lane.ts';
import { batchSize, jobsTotal, PRIORITIES, queueWait, trackDepth, workerRestarts } from './metrics.ts';
import type { Priority, Scheduler, SchedulerOptions, SchedulerStats } from './contract.ts';
import { Pool } from './pool.ts';
import { type DoneMessage, unpackDone } from './protocol.ts';

const LANE_OF: Record<string, number> = { interactive: 0, normal: 1, background: 2 };
/** A job survives one crash of the worker running it; a second crash fails it (it may be the cause). */
const MAX_ATTEMPTS = 2;
/** Workers that die before loading the handler module this many times in a row stop the pool. */
const MAX_START_FAILURES = 3;
const STAMP_REUSE = 15;

export function createScheduler(opts: SchedulerOptions): Scheduler {
  return new WorkScheduler(opts);
}

class WorkScheduler implements Scheduler {
  private readonly lanes: Lane[];
  private readonly control: Control;
  private readonly table: JobTable;
  private readonly pool: Pool;
  private readonly epochMs = wallMs();
  private readonly maxChars: number;
  private readonly untrack: () => void;
  private readonly onSettled: SchedulerOptions['onSettled'];
  private counts = { restarts: 0, completed: 0, failed: 0, batches: 0 };
  private closing = false;
  private unavailable: AppError | undefined;
  private startFailures = 0;
  private drained: (() => void) | undefined;
  private readonly readyWorkers = new Set<number>();
  private readyWaiters: Array<{ resolve: () => void; reject: (err: AppError) => void }> = [];
  private readonly tally = new Int32Array(2 * MAX_KINDS);
  private stampUs = 0;
  private stampUses = 0;
  private stampQueued = false;

  constructor(opts: SchedulerOptions) {
    const workers = Math.max(1, Math.floor(opts.workers ?? availableParallelism() - 1));
    const capacity = opts.capacity ?? 4096;
    const maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 32));
    const arenaBytes = opts.arenaBytes ?? 8 << 20;
    this.lanes = PRIORITIES.map(() => Lane.create(capacity, arenaBytes));
    this.control = Control.create({ workers, maxBatch });
    this.table = new JobTable(PRIORITIES.length * capacity + 2 * workers * maxBatch);
    this.maxChars = Lane.maxChars(arenaBytes);
    this.onSettled = opts.onSettled;
    const init = {
      handlers: opts.handlers,
      control: this.control.buffer,
      layout: this.control.layout,
      lanes: this.lanes.map((lane) => lane.buffers),
      maxBatch,
      maxWaitUs: Math.max(0, Math.floor(opts.maxWaitUs ?? 0)),
      idleSpinUs: Math.max(0, Math.floor(opts.idleSpinUs ?? 50)),
      agingUs: Math.round(Math.min(Math.max(opts.agingMs ?? 500, 0), 600_000) * 1000),
      epochMs: this.epochMs,
    };
    this.pool = new Pool(workers, (index) => ({ ...init, index }), {
      onReady: (index) => this.workerReady(index),
      onDone: (message) => this.settleBatch(message),
      onExit: (index, wasReady, error) => this.workerExited(index, wasReady, error),
    });
    this.untrack = trackDepth(() => this.lanes.map((lane) => lane.size()));
    this.pool.start();
  }

  submit<T = unknown>(kind: string, payload: string, priority: Priority = 'normal'): Promise<T> {
    const refused = this.refusal(priority, payload.length);
    if (refused) return Promise.reject(refused);
    const k = this.control.kindId(kind);
    const h = this.enqueue(k, LANE_OF[priority], payload);
    if (h < 0) return this.busy(kind);
    this.control.wakeOne();
    const table = this.table;
    return new Promise<T>((resolve, reject) => {
      table.resolve[h] = resolve as (value: unknown) => void;
      table.reject[h] = reject;
    });
  }

  submitMany<T = unknown>(kind: string, payloads: readonly string[], priority: Priority = 'normal'): Promise<T[]> {
    let longest = 0;
    for (const p of payloads) if (p.length > longest) longest = p.length;
    const refused = this.refusal(priority, longest);
    if (refused) return Promise.reject(refused);
    const lane = LANE_OF[priority];
    const n = payloads.length;
    if (n === 0) return Promise.resolve([]);
    if (this.table.available < n || this.lanes[lane].ring.capacity - this.lanes[lane].size() < n) return this.busy(kind);
    const k = this.control.kindId(kind);
    return new Promise<T[]>((resolve, reject) => {
      const group: JobGroup = { results: new Array(n), left: n, done: false, resolve: resolve as (r: unknown[]) => void, reject };
      for (let i = 0; i < n; i++) {
        const h = this.enqueue(k, lane, payloads[i]);
        if (h < 0) {
          group.done = true;
          this.busy(kind).catch(reject);
          break;
        }
        this.table.group[h] = group;
        this.table.slot[h] = i;
      }
      this.control.wakeOne();
    });
  }

  /** Why a submit is refused before touching the queue, if it is. */
  private refusal(priority: Priority, chars: number): AppError | undefined {
    if (this.closing) return closed();
    if (this.unavailable) return this.unavailable;
    if (LANE_OF[priority] === undefined) return badRequest(`unknown priority "${priority}"`);
    if (chars > this.maxChars) return new AppError('payload_too_large', `payload over ${this.maxChars} characters`, 413);
    return undefined;
  }

  /** Publishes one job; its handle, or -1 when the queue is full. */
  private enqueue(k: number, lane: number, payload: string): number {
    const table = this.table;
    const h = table.alloc();
    if (h < 0) return -1;
    const enqueuedUs = this.stamp();
    if (!this.lanes[lane].offer(h, table.gen[h], k, payload, enqueuedUs)) {
      table.free(h);
      return -1;
    }
    table.live[h] = 1;
    table.enqueuedUs[h] = enqueuedUs;
    table.lane[h] = lane;
    table.kind[h] = k;
    table.attempts[h] = 1;
    table.payload[h] = payload;
    return h;
  }

  private busy<T>(kind: string): Promise<T> {
    jobsTotal.inc({ kind, outcome: 'busy' });
    return Promise.reject(busy());
  }

  /**
   * Enqueue time for a submit. A burst of submits in one task shares a reading for up to
   * STAMP_REUSE jobs (a clock read costs about as much as the rest of a submit); a later task
   * always reads afresh, so an isolated job is stamped exactly and a burst at most a few µs early.
   */
  private stamp(): number {
    if (this.stampUses > 0) {
      this.stampUses--;
      return this.stampUs;
    }
    if (!this.stampQueued) {
      this.stampQueued = true;
      queueMicrotask(this.expireStamp);
    }
    this.stampUses = STAMP_REUSE;
    return (this.stampUs = clockUs(this.epochMs));
  }

  private readonly expireStamp = () => {
    this.stampQueued = false;
    this.stampUses = 0;
  };

  ready(): Promise<void> {
    if (this.unavailable) return Promise.reject(this.unavailable);
    if (this.readyWorkers.size === this.pool.size) return Promise.resolve();
    return new Promise((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
  }

  private workerReady(index: number): void {
    this.startFailures = 0;
    this.readyWorkers.add(index);
    if (this.readyWorkers.size === this.pool.size) for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  stats(): SchedulerStats {
    const queued = this.lanes.reduce((sum, lane) => sum + lane.size(), 0);
    return {
      queued,
      inFlight: Math.max(0, this.table.count - queued),
      workers: this.pool.alive(),
      ...this.counts,
    };
  }

  async close(opts: { drain?: boolean } = {}): Promise<void> {
    if (this.closing) return this.pool.allExited();
    this.closing = true;
    if (opts.drain ?? true) {
      if (this.table.count > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.control.stop();
    } else {
      this.pool.terminate();
      this.failAll(closed(), 'closed');
    }
    await this.pool.allExited();
    this.untrack();
  }

  private settleBatch(message: DoneMessage): void {
    const { errors, startedUs } = message;
    const { handles, gens, values: results } = unpackDone(message);
    const { table, tally, onSettled } = this;
    const oldest = [-1, -1, -1];
    let settled = 0;
    for (let i = 0; i < handles.length; i++) {
      const h = handles[i];
      if (!table.holds(h, gens[i])) continue;
      const lane = table.lane[h];
      const wait = (startedUs - table.enqueuedUs[h]) | 0;
      if (wait > oldest[lane]) oldest[lane] = wait;
      const error = errors === null ? null : errors[i];
      const k = table.kind[h];
      tally[2 * k + (error === null ? 0 : 1)]++;
      if (onSettled) onSettled(PRIORITIES[lane], wait, error === null);
      if (error === null) table.fulfil(h, results[i]);
      else table.fail(h, new AppError('job_failed', error, 500));
      settled++;
    }
    this.counts.batches++;
    batchSize.observe(handles.length);
    for (let lane = 0; lane < oldest.length; lane++) {
      if (oldest[lane] >= 0) queueWait.observe({ priority: PRIORITIES[lane] }, oldest[lane] / 1e6);
    }
    if (settled > 0) this.flushTally();
  }

  /** Moves per-kind outcome counts gathered while settling into the counters and stats. */
  private flushTally(): void {
    const tally = this.tally;
    for (let k = 0; k < tally.length / 2; k++) {
      const ok = tally[2 * k];
      const failed = tally[2 * k + 1];
      if (ok === 0 && failed === 0) continue;
      const kind = this.control.kindName(k);
      if (ok) jobsTotal.inc({ kind, outcome: 'ok' }, ok);
      if (failed) jobsTotal.inc({ kind, outcome: 'error' }, failed);
      this.counts.completed += ok;
      this.counts.failed += failed;
      tally[2 * k] = tally[2 * k + 1] = 0;
      if (k + 1 >= this.control.kinds()) break;
    }
    this.checkDrained();
  }

  private workerExited(index: number, wasReady: boolean, error: string | undefined): void {
    const held = this.control.takeInflight(index);
    if (this.closing && this.table.count === 0) return;
    log.warn('scheduler worker exited', { index, wasReady, error, jobsHeld: held.length });
    for (const [h, g] of held) if (this.table.holds(h, g)) this.recover(h);
    this.startFailures = wasReady ? 0 : this.startFailures + 1;
    if (this.startFailures >= MAX_START_FAILURES) {
      this.unavailable = new AppError('scheduler_unavailable', `scheduler workers cannot start: ${error ?? 'exited'}`, 503);
      for (const w of this.readyWaiters.splice(0)) w.reject(this.unavailable);
      if (this.pool.alive() === 0) this.failAll(this.unavailable, 'crashed');
      return;
    }
    this.counts.restarts++;
    workerRestarts.inc();
    this.pool.spawn(index);
  }

  /** A job whose worker died: run it again once, or fail it with a clear error. */
  private recover(h: number): void {
    const table = this.table;
    const kind = this.control.kindName(table.kind[h]);
    if (table.attempts[h] < MAX_ATTEMPTS) {
      const gen = (table.gen[h] + 1) | 0;
      const lane = this.lanes[table.lane[h]];
      if (lane.offer(h, gen, table.kind[h], table.payload[h]!, table.enqueuedUs[h])) {
        table.gen[h] = gen;
        table.attempts[h]++;
        this.control.wakeOne();
        return;
      }
    }
    const err = new AppError('worker_crashed', `a worker died while running this "${kind}" job`, 500, { retryable: true });
    table.fail(h, err);
    this.counts.failed++;
    jobsTotal.inc({ kind, outcome: 'crashed' });
    this.checkDrained();
  }

  private failAll(reason: AppError, outcome: string): void {
    for (const h of this.table.liveHandles()) {
      jobsTotal.inc({ kind: this.control.kindName(this.table.kind[h]), outcome });
      this.table.fail(h, reason);
      this.counts.failed++;
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained && this.table.count === 0) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }
}
