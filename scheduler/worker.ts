/// <reference lib="webworker" />
import { clockUs } from './clock.ts';
import { Control, STOPPING } from './control.ts';
import { createBatch, Lane, type JobBatch } from './lane.ts';
import { pickLane } from './pick.ts';
import type { DoneMessage, HandlerMap, WorkerInit } from './protocol.ts';
import { runBatch } from './run-batch.ts';

/**
 * A pool worker: claims batches from the priority lanes, runs them through the handler module
 * and posts one message per batch back. It blocks in `Atomics.wait` only when every lane is
 * empty, after a short spin, and announces that sleep so the producer knows to notify it.
 */

const IDLE_SPIN_US = 30;

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
      control.setInflight(init.index, batch.handles, batch.gens, n);
      const startedUs = clockUs(init.epochMs);
      const ran = runBatch(this.handlers, batch.kinds, batch.payloads, n, this.kindName);
      const outcome = ran instanceof Promise ? await ran : ran;
      const done: DoneMessage = {
        t: 'done',
        handles: batch.handles.slice(0, n),
        gens: batch.gens.slice(0, n),
        results: packNumbers(outcome.results, n),
        errors: outcome.errors,
        startedUs,
      };
      self.postMessage(done);
      control.clearInflight(init.index);
    }
  }

  /** Fills the batch; false when the pool is stopping and there is nothing left to take. */
  private fill(): boolean {
    const { batch, init } = this;
    batch.n = 0;
    let deadline = 0;
    let idleSince = 0;
    for (;;) {
      const lane = pickLane(this.lanes, init.agingUs, this.scratch);
      if (lane >= 0) {
        this.lanes[lane].take(init.maxBatch - batch.n, batch);
        if (batch.n === init.maxBatch || (batch.n > 0 && init.maxWaitUs === 0)) return true;
        if (deadline === 0 && batch.n > 0) deadline = clockUs(init.epochMs) + init.maxWaitUs;
        continue;
      }
      const now = clockUs(init.epochMs);
      if (batch.n > 0) {
        if (((deadline - now) | 0) <= 0) return true;
        continue;
      }
      if (this.control.state() === STOPPING) return false;
      if (idleSince === 0) idleSince = now;
      else if (((now - idleSince) | 0) > IDLE_SPIN_US) {
        this.sleep();
        idleSince = 0;
      }
    }
  }

  private sleep(): void {
    const { control, init } = this;
    control.prepareSleep(init.index);
    const empty = this.lanes.every((lane) => lane.size() === 0);
    if (empty && control.state() !== STOPPING) control.sleep(init.index, Infinity);
    else control.sleep(init.index, 0);
  }
}

/** The results as a Float64Array when they are all numbers (the common scoring/embedding-norm case). */
function packNumbers(results: unknown[], n: number): unknown[] | Float64Array {
  for (let i = 0; i < n; i++) if (typeof results[i] !== 'number') return results;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = results[i] as number;
  return packed;
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
