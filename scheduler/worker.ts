/// <reference lib="webworker" />
import { clockUs } from './clock.ts';
import { Control, STOPPING } from './control.ts';
import { createBatch, Lane, type JobBatch } from './lane.ts';
import { pickLane } from './pick.ts';
import { type DoneMessage, type HandlerMap, packDone, type WorkerInit } from './protocol.ts';
import { runBatch } from './run-batch.ts';

/**
 * A pool worker: claims batches from the priority lanes, runs them through the handler module
 * and posts one message per batch back. It blocks in `Atomics.wait` only when every lane has
 * stayed empty for `idleSpinUs`, and announces that sleep so the producer knows to notify it.
 */

/** The shortest batch-fill wait worth a sleep rather than a poll. */
const FILL_SPIN_US = 30;

declare const self: DedicatedWorkerGlobalScope;

class Server {
  private readonly control: Control;
  private readonly lanes: Lane[];
  private readonly batch: JobBatch;
  private readonly scratch: Array<number | undefined> = [];
  private readonly kindName: (id: number) => string;

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
    while (this.fill()) {
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
    }
  }

  /**
   * Fills the batch from the lanes in priority order; once it holds anything, it waits at most
   * maxWaitUs for more. False when the pool is stopping and there is nothing left to take.
   */
  private fill(): boolean {
    const { batch, init } = this;
    batch.n = 0;
    let deadline = 0;
    let idleSince = 0;
    for (;;) {
      const lane = pickLane(this.lanes, init.agingUs, this.scratch);
      if (lane >= 0) {
        this.lanes[lane].take(init.maxBatch - batch.n, batch);
        if (batch.n === init.maxBatch) return true;
        continue;
      }
      const now = clockUs(init.epochMs);
      if (batch.n > 0) {
        if (deadline === 0) deadline = (now + init.maxWaitUs) | 0;
        const left = (deadline - now) | 0;
        if (left <= 0) return true;
        if (left > FILL_SPIN_US) this.sleep(left / 1000);
        continue;
      }
      if (this.control.state() === STOPPING) return false;
      if (idleSince === 0) idleSince = now;
      else if (((now - idleSince) | 0) > init.idleSpinUs) {
        this.sleep(Infinity);
        idleSince = 0;
      }
    }
  }

  /** Sleeps until a producer wakes this worker or `timeoutMs` passes, unless work is already there. */
  private sleep(timeoutMs: number): void {
    const { control, init } = this;
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
