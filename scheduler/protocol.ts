import type { ControlLayout } from './control';
import type { LaneBuffers } from './lane';

/** The one message a worker receives: where the shared memory is and how to batch. */
export interface WorkerInit {
  index: number;
  handlers: string;
  control: SharedArrayBuffer;
  layout: ControlLayout;
  lanes: LaneBuffers[];
  maxBatch: number;
  maxWaitUs: number;
  idleSpinUs: number;
  adaptiveSpinUs: number;
  agingUs: number;
  epochMs: number;
}

/** Sent once the handler module has loaded. */
export interface ReadyMessage {
  t: 'ready';
}

/**
 * One message per finished batch. `ids` is one transferred buffer (no copy) holding the batch's
 * group handles, generations and indices within their groups as Int32, followed, when every
 * result is a number, by the results as Float64; otherwise `results` carries them as an array.
 * `errors` is null when every job succeeded; otherwise `errors[i]` is job i's failure, or null.
 */
export interface DoneMessage {
  t: 'done';
  n: number;
  ids: ArrayBuffer;
  results: unknown[] | null;
  errors: Array<string | null> | null;
  startedUs: number;
}

/** The claimed jobs a batch answers for, as parallel arrays. */
export interface BatchIds {
  handles: Int32Array;
  gens: Int32Array;
  indices: Int32Array;
}

const valuesAt = (n: number) => Math.ceil((12 * n) / 8) * 8;

/** Packs a batch's ids and (if all numeric) results into one transferable buffer. */
export function packDone(batch: BatchIds, results: unknown[], n: number): { ids: ArrayBuffer; numeric: boolean } {
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) numeric = typeof results[i] === 'number';
  const ids = new ArrayBuffer(numeric ? valuesAt(n) + n * 8 : 12 * n);
  const words = new Int32Array(ids, 0, 3 * n);
  words.set(batch.handles.subarray(0, n));
  words.set(batch.gens.subarray(0, n), n);
  words.set(batch.indices.subarray(0, n), 2 * n);
  if (numeric) {
    const values = new Float64Array(ids, valuesAt(n), n);
    for (let i = 0; i < n; i++) values[i] = results[i] as number;
  }
  return { ids, numeric };
}

/** The views `packDone` wrote: ids and results (a Float64Array when sent that way). */
export function unpackDone(m: DoneMessage): BatchIds & { values: ArrayLike<unknown> } {
  return {
    handles: new Int32Array(m.ids, 0, m.n),
    gens: new Int32Array(m.ids, m.n * 4, m.n),
    indices: new Int32Array(m.ids, m.n * 8, m.n),
    values: m.results ?? new Float64Array(m.ids, valuesAt(m.n), m.n),
  };
}

export type WorkerMessage = ReadyMessage | DoneMessage;

/** The module a worker imports: one batch function per job kind. */
export type Handler = (payloads: string[]) => unknown[] | Promise<unknown[]>;
export type HandlerMap = Record<string, Handler>;
