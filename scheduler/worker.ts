/// <reference lib="webworker" />
import { clockUs } from './clock';
import { Control, STOPPING } from './control';
import { createBatch, type JobBatch, Lane } from './lane';
import { pickLane } from './pick';
import { type DoneMessage, type HandlerMap, packDone, type WorkerInit } from './protocol';
import { runBatch } from './run-batch';

/**
 * A pool worker: claims batches from the priority lanes, runs them through the handler module
 * and posts one message per batch back. When the lanes run empty it polls for `idleSpinUs`, or,
 * while jobs have been arriving every few hundred µs, for up to twice the recent gap between
 * arrivals (at most `adaptiveSpinUs`, and only one worker of the pool at a time), so the next job
 * is taken without the cost of a wake-up. Then it announces its sleep and blocks in
 * `Atomics.wait`, so a truly idle pool uses no CPU.
 *
 * Claiming and sleeping are synchronous, so the worker's own event loop turns only when it yields:
 * after the batches that precede a sleep, and every TURN_EVERY_US under sustained load. Without
 * those turns the work the runtime defers to it (sweeping the heap, freeing what messages
 * carried) never ran: the embedded server held 355–373 MiB after 100–200 uploads, 246–260 with them.
 */

/** The shortest batch-fill wait worth a sleep rather than a poll. */
const FILL_SPIN_US = 30;
/**
 * A poll loop that sees this long pass between two polls was descheduled: the cores are
 * oversubscribed, a polling thread only loses its turn (a sleeper is woken with priority), so
 * adaptive polling pauses for BACK_OFF_US.
 */
const PREEMPTED_US = 200;
const BACK_OFF_US = 1_000_000;
/** Under sustained load, the event loop gets a turn at least this often (µs). */
const TURN_EVERY_US = 20_000;
/** What `fill` found: a batch, nothing left to do (stopping), or a turn of the event loop owed before sleeping. */
const BATCH = 1;
const STOP = 0;
const TURN = 2;

const eventLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

declare const self: DedicatedWorkerGlobalScope;

class Server {
  private readonly control: Control;
  private readonly lanes: Lane[];
  private readonly batch: JobBatch;
  private readonly scratch: Array<number | undefined> = [];
  private readonly kindName: (id: number) => string;
  /** When this worker last started a batch, and the smoothed gap between batch starts (µs). */
  private arrivedUs: number | undefined;
  private gapUs = 0;
  private backOffUntilUs: number | undefined;
  /** Whether a batch ran since the event loop last turned, and when it last did. */
  private turnOwed = false;
  private turnedUs = 0;

  constructor(
    private readonly init: WorkerInit,
    private readonly handlers: HandlerMap,
  ) {
    this.control = new Control(init.control, init.layout);
    this.lanes = init.lanes.map((buffers) => new Lane(buffers));
    this.batch = createBatch(init.maxBatch);
    this.kindName = (id) => this.control.kindName(id);
  }

  async serve(): Promise<void> {
    const { control, batch, init } = this;
    for (;;) {
      const found = this.fill();
      if (found === STOP) return;
      if (found === TURN) {
        await this.turn();
        continue;
      }
      const n = batch.n;
      control.setInflight(init.index, batch, n);
      const startedUs = clockUs(init.epochMs);
      const ran = runBatch(this.handlers, batch.kinds, batch.payloads, n, this.kindName);
      const outcome = ran instanceof Promise ? await ran : ran;
      const { ids, numeric } = packDone(batch, outcome.results, n);
      const done: DoneMessage = {
        t: 'done',
        n,
        ids,
        results: numeric ? null : outcome.results,
        errors: outcome.errors,
        startedUs,
      };
      self.postMessage(done, [ids]);
      control.clearInflight(init.index);
      this.turnOwed = true;
      if (((clockUs(init.epochMs) - this.turnedUs) | 0) >= TURN_EVERY_US) await this.turn();
    }
  }

  private async turn(): Promise<void> {
    await eventLoopTurn();
    this.turnOwed = false;
    this.turnedUs = clockUs(this.init.epochMs);
  }

  /**
   * Fills the batch from the lanes in priority order; once it holds anything, it waits at most
   * maxWaitUs for more. STOP when the pool is stopping and there is nothing left to take; TURN
   * when it would sleep with a turn of the event loop owed.
   */
  private fill(): number {
    const { batch, init } = this;
    batch.n = 0;
    let deadline = 0;
    let idleSince = 0;
    let spinUs = 0;
    let polledUs = 0;
    for (;;) {
      const lane = pickLane(this.lanes, init.agingUs, this.scratch);
      if (lane >= 0) {
        if (batch.n === 0) this.arrived();
        this.lanes[lane].take(init.maxBatch - batch.n, batch);
        if (batch.n === init.maxBatch) return BATCH;
        continue;
      }
      const now = clockUs(init.epochMs);
      if (batch.n > 0) {
        if (deadline === 0) deadline = (now + init.maxWaitUs) | 0;
        const left = (deadline - now) | 0;
        if (left <= 0) return BATCH;
        if (left > FILL_SPIN_US) this.sleep(left / 1000);
        continue;
      }
      if (this.control.state() === STOPPING) return STOP;
      if (idleSince === 0) {
        idleSince = now;
        spinUs = this.spinBudget(now);
      } else if (((now - idleSince) | 0) > spinUs) {
        if (this.turnOwed) return TURN;
        this.sleep(Infinity);
        idleSince = 0;
      } else if (spinUs > init.idleSpinUs && ((now - polledUs) | 0) > PREEMPTED_US) {
        this.backOffUntilUs = (now + BACK_OFF_US) | 0;
        spinUs = init.idleSpinUs;
      }
      polledUs = now;
    }
  }

  /** A batch starts: track the gap between batch starts and stop holding the spin. */
  private arrived(): void {
    const now = clockUs(this.init.epochMs);
    if (this.arrivedUs !== undefined) {
      const gap = Math.max(0, (now - this.arrivedUs) | 0);
      this.gapUs = this.gapUs === 0 ? gap : (3 * this.gapUs + gap) / 4;
    }
    this.arrivedUs = now;
    this.control.releaseSpin(this.init.index);
  }

  /** How long to poll before sleeping: twice the recent gap between batches, when that gap is short. */
  private spinBudget(now: number): number {
    const { idleSpinUs, adaptiveSpinUs, index } = this.init;
    if (this.backOffUntilUs !== undefined) {
      if (((now - this.backOffUntilUs) | 0) < 0) return idleSpinUs;
      this.backOffUntilUs = undefined;
    }
    const want = Math.min(2 * this.gapUs, adaptiveSpinUs);
    if (want <= idleSpinUs || this.gapUs > adaptiveSpinUs) return idleSpinUs;
    return this.control.claimSpin(index) ? want : idleSpinUs;
  }

  /** Sleeps until a producer wakes this worker or `timeoutMs` passes, unless work is already there. */
  private sleep(timeoutMs: number): void {
    const { control, init } = this;
    control.releaseSpin(init.index);
    control.prepareSleep(init.index);
    const empty = this.lanes.every((lane) => lane.size() === 0);
    control.sleep(init.index, empty && control.state() !== STOPPING ? timeoutMs : 0);
  }
}

self.onmessage = async (event: MessageEvent<WorkerInit>) => {
  const init = event.data;
  const mod = (await import(init.handlers)) as { handlers?: HandlerMap };
  if (!mod.handlers || typeof mod.handlers !== 'object') {
    throw new Error(`${init.handlers} does not export "handlers"`);
  }
  self.postMessage({ t: 'ready' });
  await new Server(init, mod.handlers).serve();
  self.close();
};
