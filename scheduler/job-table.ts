/**
 * Main-thread bookkeeping for submitted work, by group: the jobs of one `submit`, `submitMany` or
 * `submitNumbers` call share one handle, one promise and one entry here, and each descriptor
 * carries the group handle plus the job's index in it. Publishing and settling a job therefore
 * touch no per-job object. A generation number per handle makes late answers harmless: a result
 * for a handle whose group has settled, or been reused since, carries an old generation.
 */

export interface Group {
  kind: number;
  lane: number;
  enqueuedUs: number;
  /** The payload of a single job, or the group's payloads (kept to re-queue after a crash). */
  payloads: string | readonly string[];
  /** Jobs published and not yet settled. */
  left: number;
  /** Where results go, by index; null for a single job, whose value resolves the promise. */
  results: unknown[] | Float64Array | null;
  /** Results must be numbers (`submitNumbers`). */
  numeric: boolean;
  /** Per job: settled already. A job re-run after a crash may answer twice; one answer counts. */
  seen: Uint8Array | null;
  /** Per job: times re-queued after its worker died; allocated on the first crash. */
  requeued: Uint8Array | null;
  /** The promise was rejected (first failure); remaining jobs only count down. */
  failed: boolean;
  resolve: (value: never) => void;
  reject: (reason: unknown) => void;
}

export class JobTable {
  readonly gen: Int32Array;
  readonly groups: Array<Group | undefined>;
  private readonly freeList: Int32Array;
  private top: number;

  constructor(readonly size: number) {
    this.gen = new Int32Array(size);
    this.groups = new Array(size).fill(undefined);
    this.freeList = new Int32Array(size);
    for (let i = 0; i < size; i++) this.freeList[i] = size - 1 - i;
    this.top = size;
  }

  /** Groups not yet settled. */
  get count(): number {
    return this.size - this.top;
  }

  /** A handle for `group`, or -1 when the table is full. */
  add(group: Group): number {
    if (this.top === 0) return -1;
    const h = this.freeList[--this.top];
    this.groups[h] = group;
    return h;
  }

  /** Gives a handle back; its generation moves on so answers still in flight are ignored. */
  free(h: number): void {
    this.gen[h] = (this.gen[h] + 1) | 0;
    this.groups[h] = undefined;
    this.freeList[this.top++] = h;
  }

  /** The live group at handle `h` and generation `g`, if any. */
  get(h: number, g: number): Group | undefined {
    return this.gen[h] === g ? this.groups[h] : undefined;
  }

  /** Every live handle (for failing them all at shutdown or when the pool cannot run). */
  liveHandles(): number[] {
    const out: number[] = [];
    for (let h = 0; h < this.size; h++) if (this.groups[h] !== undefined) out.push(h);
    return out;
  }
}
