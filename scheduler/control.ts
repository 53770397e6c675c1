/**
 * The pool's shared control block: a run state, one sleep word per worker (each on its own
 * cache line, so the producer can wake exactly the workers that sleep), one in-flight record per
 * worker (so jobs held by a worker that dies can be recovered), and the table of job kind names
 * (so descriptors carry a small integer, and workers never need a message to learn a new kind).
 */

export const RUNNING = 0;
export const STOPPING = 1;
/** Word holding 1 + the index of the worker allowed to keep polling while idle, or 0. */
const SPINNER = 1;

const LINE = 16; // Int32 words per 64-byte cache line
export const MAX_KINDS = 256;
const KIND_BYTES = 64;

/** An in-flight record: a count, then (handle, generation, index) per job, padded to whole lines. */
const inflightWords = (maxBatch: number) => Math.ceil((1 + 3 * maxBatch) / LINE) * LINE;

/** A job a dead worker held: its group handle, generation and index in the group. */
export interface HeldJob {
  handle: number;
  gen: number;
  index: number;
}

export interface ControlLayout {
  workers: number;
  maxBatch: number;
}

export class Control {
  readonly words: Int32Array;
  private readonly kindBytes: Uint8Array;
  private readonly inflightBase: number;
  private readonly inflightWords: number;
  private readonly kindBase: number;
  private readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly layout: ControlLayout,
  ) {
    this.inflightBase = LINE * (1 + layout.workers);
    this.inflightWords = inflightWords(layout.maxBatch);
    this.kindBase = this.inflightBase + this.inflightWords * layout.workers;
    this.words = new Int32Array(buffer, 0, this.kindBase + MAX_KINDS);
    this.kindBytes = new Uint8Array(buffer, (this.kindBase + MAX_KINDS) * 4, MAX_KINDS * KIND_BYTES);
  }

  static create(layout: ControlLayout): Control {
    const words = LINE * (1 + layout.workers) + inflightWords(layout.maxBatch) * layout.workers + MAX_KINDS;
    return new Control(new SharedArrayBuffer(words * 4 + MAX_KINDS * KIND_BYTES), layout);
  }

  state(): number {
    return Atomics.load(this.words, 0);
  }

  stop(): void {
    Atomics.store(this.words, 0, STOPPING);
    for (let w = 0; w < this.layout.workers; w++) this.wake(w);
  }

  /** Worker side: become the one worker that polls through an idle gap; false if another is. */
  claimSpin(worker: number): boolean {
    const held = Atomics.compareExchange(this.words, SPINNER, 0, worker + 1);
    return held === 0 || held === worker + 1;
  }

  releaseSpin(worker: number): void {
    Atomics.compareExchange(this.words, SPINNER, worker + 1, 0);
  }

  /** Worker side: announce sleep. The caller must re-check for work before calling `sleep`. */
  prepareSleep(worker: number): void {
    Atomics.store(this.words, LINE * (1 + worker), 1);
  }

  /** Worker side: block until woken or `timeoutMs` passes; never returns early while still flagged. */
  sleep(worker: number, timeoutMs: number): void {
    const at = LINE * (1 + worker);
    Atomics.wait(this.words, at, 1, timeoutMs);
    Atomics.store(this.words, at, 0);
  }

  /** Producer side: wake one sleeping worker, if any; a notify is only issued to a sleeper. */
  wakeOne(): void {
    for (let w = 0; w < this.layout.workers; w++) {
      if (Atomics.load(this.words, LINE * (1 + w)) === 1 && this.wake(w)) return;
    }
  }

  private wake(worker: number): boolean {
    const at = LINE * (1 + worker);
    if (Atomics.compareExchange(this.words, at, 1, 0) !== 1) return false;
    Atomics.notify(this.words, at, 1);
    return true;
  }

  /** Worker side: record the jobs it now holds, before running any of them. */
  setInflight(worker: number, held: { handles: Int32Array; gens: Int32Array; indices: Int32Array }, n: number): void {
    const base = this.inflightBase + worker * this.inflightWords;
    for (let i = 0; i < n; i++) {
      this.words[base + 1 + 3 * i] = held.handles[i];
      this.words[base + 2 + 3 * i] = held.gens[i];
      this.words[base + 3 + 3 * i] = held.indices[i];
    }
    Atomics.store(this.words, base, n);
  }

  clearInflight(worker: number): void {
    Atomics.store(this.words, this.inflightBase + worker * this.inflightWords, 0);
  }

  /** Main side, after a worker died: the jobs it held. */
  takeInflight(worker: number): HeldJob[] {
    const base = this.inflightBase + worker * this.inflightWords;
    const n = Atomics.exchange(this.words, base, 0);
    const out: HeldJob[] = [];
    for (let i = 0; i < n; i++) {
      const at = base + 1 + 3 * i;
      out.push({ handle: this.words[at], gen: this.words[at + 1], index: this.words[at + 2] });
    }
    return out;
  }

  /** Main side: the id of a kind name, registering it on first use. */
  kindId(name: string): number {
    const known = this.ids.get(name);
    if (known !== undefined) return known;
    const id = this.names.length;
    if (id >= MAX_KINDS) throw new RangeError(`at most ${MAX_KINDS} job kinds`);
    const encoded = new TextEncoder().encode(name);
    if (encoded.length > KIND_BYTES) throw new RangeError(`job kind name longer than ${KIND_BYTES} bytes`);
    this.kindBytes.set(encoded, id * KIND_BYTES);
    Atomics.store(this.words, this.kindBase + id, encoded.length + 1);
    this.names.push(name);
    this.ids.set(name, id);
    return id;
  }

  /** Kinds registered so far (main side). */
  kinds(): number {
    return this.names.length;
  }

  /** Worker side: the name of kind `id` (registered before any job of that kind was published). */
  kindName(id: number): string {
    const cached = this.names[id];
    if (cached !== undefined) return cached;
    const len = Atomics.load(this.words, this.kindBase + id) - 1;
    if (len < 0) throw new RangeError(`unknown job kind ${id}`);
    const name = new TextDecoder().decode(this.kindBytes.slice(id * KIND_BYTES, id * KIND_BYTES + len));
    this.names[id] = name;
    return name;
  }
}
