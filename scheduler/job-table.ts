/**
 * Main-thread bookkeeping for jobs not yet settled, indexed by a small integer handle that rides
 * in the descriptor. A generation number per handle makes late answers harmless: a result for a
 * handle that was since re-queued or reused carries an old generation and is ignored.
 * Parallel arrays and a free-list stack keep submit and settle allocation-free.
 */

/** Jobs submitted together that settle as one promise (all results, or the first failure). */
export interface JobGroup {
  results: unknown[];
  left: number;
  done: boolean;
  resolve: (results: unknown[]) => void;
  reject: (reason: unknown) => void;
}

export class JobTable {
  readonly gen: Int32Array;
  readonly enqueuedUs: Int32Array;
  readonly lane: Uint8Array;
  readonly kind: Int32Array;
  readonly attempts: Uint8Array;
  readonly live: Uint8Array;
  readonly slot: Int32Array;
  readonly payload: Array<string | undefined>;
  readonly resolve: Array<((value: unknown) => void) | undefined>;
  readonly reject: Array<((reason: unknown) => void) | undefined>;
  readonly group: Array<JobGroup | undefined>;
  private readonly freeList: Int32Array;
  private top: number;

  constructor(readonly size: number) {
    this.gen = new Int32Array(size);
    this.enqueuedUs = new Int32Array(size);
    this.lane = new Uint8Array(size);
    this.kind = new Int32Array(size);
    this.attempts = new Uint8Array(size);
    this.live = new Uint8Array(size);
    this.slot = new Int32Array(size);
    this.payload = new Array(size).fill(undefined);
    this.resolve = new Array(size).fill(undefined);
    this.reject = new Array(size).fill(undefined);
    this.group = new Array(size).fill(undefined);
    this.freeList = new Int32Array(size);
    for (let i = 0; i < size; i++) this.freeList[i] = size - 1 - i;
    this.top = size;
  }

  /** Jobs submitted and not yet settled. */
  get count(): number {
    return this.size - this.top;
  }

  /** Handles still free. */
  get available(): number {
    return this.top;
  }

  /** A free handle, or -1 when the table is full. */
  alloc(): number {
    return this.top === 0 ? -1 : this.freeList[--this.top];
  }

  /** Gives a handle back (also after a failed publish); its generation moves on. */
  free(h: number): void {
    this.gen[h] = (this.gen[h] + 1) | 0;
    this.live[h] = 0;
    this.payload[h] = undefined;
    this.resolve[h] = undefined;
    this.reject[h] = undefined;
    this.group[h] = undefined;
    this.freeList[this.top++] = h;
  }

  /** True when handle `h` is held by a job at generation `g`. */
  holds(h: number, g: number): boolean {
    return this.gen[h] === g && this.live[h] === 1;
  }

  fulfil(h: number, value: unknown): void {
    const group = this.group[h];
    if (group === undefined) this.resolve[h]!(value);
    else {
      group.results[this.slot[h]] = value;
      if (--group.left === 0 && !group.done) {
        group.done = true;
        group.resolve(group.results);
      }
    }
    this.free(h);
  }

  fail(h: number, reason: unknown): void {
    const group = this.group[h];
    if (group === undefined) this.reject[h]!(reason);
    else {
      group.left--;
      if (!group.done) {
        group.done = true;
        group.reject(reason);
      }
    }
    this.free(h);
  }

  /** Every live handle (for failing them all at shutdown or when the pool cannot run). */
  liveHandles(): number[] {
    const out: number[] = [];
    for (let h = 0; h < this.size; h++) if (this.live[h] === 1) out.push(h);
    return out;
  }
}
