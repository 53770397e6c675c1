import type { DoneMessage, WorkerInit, WorkerMessage } from './protocol';

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;

export interface PoolEvents {
  onReady(index: number): void;
  onDone(message: DoneMessage): void;
  /** A worker ended; `wasReady` tells a crash at work from a failure to start. */
  onExit(index: number, wasReady: boolean, error: string | undefined): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  error?: string;
}

/**
 * The Bun Workers behind the scheduler, one per fixed index (an index owns its sleep word and
 * in-flight record in the control block, so a replacement takes over the same slot).
 */
export class Pool {
  private readonly slots: Array<Slot | undefined>;
  private exitWaiters: Array<() => void> = [];

  constructor(
    readonly size: number,
    private readonly initFor: (index: number) => WorkerInit,
    private readonly events: PoolEvents,
  ) {
    this.slots = new Array(size).fill(undefined);
  }

  start(): void {
    for (let i = 0; i < this.size; i++) this.spawn(i);
  }

  spawn(index: number): void {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, ready: false };
    this.slots[index] = slot;
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.t === 'done') this.events.onDone(message);
      else {
        slot.ready = true;
        this.events.onReady(index);
      }
    };
    worker.addEventListener('error', (event) => {
      slot.error = (event as ErrorEvent).message;
    });
    worker.addEventListener('close', () => {
      if (this.slots[index] !== slot) return;
      this.slots[index] = undefined;
      this.events.onExit(index, slot.ready, slot.error);
      if (this.alive() === 0) for (const wake of this.exitWaiters.splice(0)) wake();
    });
    worker.postMessage(this.initFor(index));
  }

  alive(): number {
    let n = 0;
    for (const slot of this.slots) if (slot) n++;
    return n;
  }

  /** Resolves once every worker has exited. */
  allExited(): Promise<void> {
    if (this.alive() === 0) return Promise.resolve();
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  terminate(): void {
    for (const slot of this.slots) slot?.worker.terminate();
  }
}
