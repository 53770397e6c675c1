import { availableParallelism } from 'node:os';
import { AppError, badRequest } from '../src/lib/errors';
import { log } from '../src/lib/logger';
import { clockUs, wallMs } from './clock';
import type { Priority, Scheduler, SchedulerOptions, SchedulerStats } from './contract';
import { Control, type HeldJob, MAX_KINDS } from './control';
import { busy, closed } from './errors';
import { type Group, JobTable } from './job-table';
import { Lane } from './lane';
import { batchSize, jobsTotal, PRIORITIES, queueWait, trackDepth, workerRestarts } from './metrics';
import { Pool } from './pool';
import type { DoneMessage } from './protocol';
import { MAX_GROUP } from './ring';
import { countDown, failGroup, type SettleTotals, settleBatch } from './settle';

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
  private readonly totals: SettleTotals = { tally: new Int32Array(2 * MAX_KINDS), oldest: [-1, -1, -1] };
  /** Jobs published and not yet settled. */
  private pending = 0;
  private stampUs = 0;
  private stampUses = 0;
  private stampQueued = false;
  /** Whether the pool has been asked to start its workers. */
  private started = false;

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
      adaptiveSpinUs: Math.max(0, Math.floor(opts.adaptiveSpinUs ?? 2000)),
      agingUs: Math.round(Math.min(Math.max(opts.agingMs ?? 500, 0), 600_000) * 1000),
      epochMs: this.epochMs,
    };
    this.pool = new Pool(workers, (index) => ({ ...init, index }), {
      onReady: (index) => this.workerReady(index),
      onDone: (message) => this.settleBatch(message),
      onExit: (index, wasReady, error) => this.workerExited(index, wasReady, error),
    });
    this.untrack = trackDepth(() => this.lanes.map((lane) => lane.size()));
    if (!opts.onDemand) this.start();
  }

  private start(): void {
    this.started = true;
    this.pool.start();
  }

  submit<T = unknown>(kind: string, payload: string, priority: Priority = 'normal'): Promise<T> {
    const refused = this.refusal(priority, payload.length);
    if (refused) return Promise.reject(refused);
    if (!this.started) this.start();
    const lane = LANE_OF[priority];
    const k = this.control.kindId(kind);
    return new Promise<T>((resolve, reject) => {
      const group = this.group(k, lane, payload, null, false, resolve, reject);
      const h = this.table.add(group);
      if (h < 0 || !this.lanes[lane].offer(h, this.table.gen[h], k, payload, group.enqueuedUs)) {
        if (h >= 0) this.table.free(h);
        this.busy(kind).catch(reject);
        return;
      }
      this.pending++;
      this.control.wakeOne();
    });
  }

  submitMany<T = unknown>(kind: string, payloads: readonly string[], priority: Priority = 'normal'): Promise<T[]> {
    return this.publishGroup(kind, payloads, priority, new Array<T>(payloads.length), false);
  }

  submitNumbers(kind: string, payloads: readonly string[], priority: Priority = 'normal'): Promise<Float64Array> {
    return this.publishGroup(kind, payloads, priority, new Float64Array(payloads.length), true);
  }

  /** Publishes a whole group with one handle and a run of reservations; all or "busy". */
  private publishGroup<R extends unknown[] | Float64Array>(
    kind: string,
    payloads: readonly string[],
    priority: Priority,
    results: R,
    numeric: boolean,
  ): Promise<R> {
    let longest = 0;
    for (let i = 0; i < payloads.length; i++) if (payloads[i].length > longest) longest = payloads[i].length;
    const refused = this.refusal(priority, longest);
    if (refused) return Promise.reject(refused);
    const n = payloads.length;
    if (n === 0) return Promise.resolve(results);
    if (!this.started) this.start();
    const lane = LANE_OF[priority];
    const ring = this.lanes[lane].ring;
    if (n > MAX_GROUP || ring.capacity - ring.size() < n) return this.busy(kind);
    const k = this.control.kindId(kind);
    const own = payloads.slice();
    return new Promise<R>((resolve, reject) => {
      const group = this.group(k, lane, own, results as unknown[] | Float64Array, numeric, resolve, reject);
      group.seen = new Uint8Array(n);
      const h = this.table.add(group);
      const sent = h < 0 ? 0 : this.lanes[lane].offerMany(h, this.table.gen[h], k, own, 0, n, group.enqueuedUs);
      this.pending += sent;
      if (sent > 0) this.control.wakeOne();
      if (sent === n) return;
      group.left = sent;
      failGroup(group, busy());
      jobsTotal.inc({ kind, outcome: 'busy' });
      if (sent === 0 && h >= 0) this.table.free(h);
    });
  }

  private group(
    kind: number,
    lane: number,
    payloads: string | readonly string[],
    results: unknown[] | Float64Array | null,
    numeric: boolean,
    resolve: (v: never) => void,
    reject: (e: unknown) => void,
  ): Group {
    const left = typeof payloads === 'string' ? 1 : payloads.length;
    return {
      kind,
      lane,
      enqueuedUs: this.stamp(),
      payloads,
      left,
      results,
      numeric,
      seen: null,
      requeued: null,
      failed: false,
      resolve,
      reject,
    };
  }

  /** Why a submit is refused before touching the queue, if it is. */
  private refusal(priority: Priority, chars: number): AppError | undefined {
    if (this.closing) return closed();
    if (this.unavailable) return this.unavailable;
    if (LANE_OF[priority] === undefined) return badRequest(`unknown priority "${priority}"`);
    if (chars > this.maxChars) return new AppError('payload_too_large', { message: `payload over ${this.maxChars} characters` });
    return undefined;
  }

  private busy<T>(kind: string): Promise<T> {
    jobsTotal.inc({ kind, outcome: 'busy' });
    return Promise.reject(busy());
  }

  /**
   * Enqueue time for a submit. A burst of submits in one task shares a reading for up to
   * STAMP_REUSE calls (a clock read costs about as much as the rest of a submit); a later task
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
    if (!this.started || this.readyWorkers.size === this.pool.size) return Promise.resolve();
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
      inFlight: Math.max(0, this.pending - queued),
      workers: this.pool.alive(),
      ...this.counts,
    };
  }

  async close(opts: { drain?: boolean } = {}): Promise<void> {
    if (this.closing) return this.pool.allExited();
    this.closing = true;
    if (opts.drain ?? true) {
      if (this.pending > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.control.stop();
    } else {
      this.pool.terminate();
      this.failAll(closed(), 'closed');
    }
    await this.pool.allExited();
    this.untrack();
  }

  private settleBatch(message: DoneMessage): void {
    const { totals } = this;
    const settled = settleBatch(this.table, message, totals, this.onSettled);
    this.pending -= settled;
    this.counts.batches++;
    batchSize.observe(message.n);
    const oldest = totals.oldest;
    for (let lane = 0; lane < oldest.length; lane++) {
      if (oldest[lane] >= 0) queueWait.observe({ priority: PRIORITIES[lane] }, oldest[lane] / 1e6);
      oldest[lane] = -1;
    }
    if (settled > 0) this.flushTally();
  }

  /** Moves per-kind outcome counts gathered while settling into the counters and stats. */
  private flushTally(): void {
    const tally = this.totals.tally;
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
    if (this.closing && this.pending === 0) return;
    log.warn('scheduler worker exited', { index, wasReady, error, jobsHeld: held.length });
    for (const job of held) this.recover(job);
    this.startFailures = wasReady ? 0 : this.startFailures + 1;
    if (this.startFailures >= MAX_START_FAILURES) {
      this.unavailable = new AppError('scheduler_unavailable', { internal: `scheduler workers cannot start: ${error ?? 'exited'}` });
      for (const w of this.readyWaiters.splice(0)) w.reject(this.unavailable);
      if (this.pool.alive() === 0) this.failAll(this.unavailable, 'crashed');
      return;
    }
    this.counts.restarts++;
    workerRestarts.inc();
    this.pool.spawn(index);
  }

  /** A job whose worker died: run it again once, or fail it with a clear error. */
  private recover({ handle: h, gen, index }: HeldJob): void {
    const group = this.table.get(h, gen);
    if (group === undefined || group.seen?.[index] === 1) return;
    const requeued = (group.requeued ??= new Uint8Array(group.seen?.length ?? 1));
    const payload = typeof group.payloads === 'string' ? group.payloads : group.payloads[index];
    if (
      !group.failed &&
      requeued[index] < MAX_ATTEMPTS - 1 &&
      this.lanes[group.lane].offer(h, gen, group.kind, payload, group.enqueuedUs, index)
    ) {
      requeued[index]++;
      this.control.wakeOne();
      return;
    }
    if (group.seen) group.seen[index] = 1;
    const kind = this.control.kindName(group.kind);
    failGroup(group, new AppError('worker_crashed', { internal: `a worker died while running this "${kind}" job` }));
    jobsTotal.inc({ kind, outcome: 'crashed' });
    this.counts.failed++;
    this.pending--;
    countDown(this.table, h, group);
    this.checkDrained();
  }

  private failAll(reason: AppError, outcome: string): void {
    for (const h of this.table.liveHandles()) {
      const group = this.table.groups[h]!;
      jobsTotal.inc({ kind: this.control.kindName(group.kind), outcome }, group.left);
      this.counts.failed += group.left;
      this.pending -= group.left;
      this.table.free(h);
      failGroup(group, reason);
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.drained && this.pending === 0) {
      const resolve = this.drained;
      this.drained = undefined;
      resolve();
    }
  }
}
