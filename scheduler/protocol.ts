import type { ControlLayout } from './control.ts';
import type { LaneBuffers } from './lane.ts';

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
  agingUs: number;
  epochMs: number;
}

/** Sent once the handler module has loaded. */
export interface ReadyMessage {
  t: 'ready';
}

/**
 * One message per finished batch. `ids` is one transferred buffer (no copy) holding the batch's
 * handles then generations as Int32, followed, when every result is a number, by the results as
 * Float64; otherwise `results` carries them as an array. `errors` is null when every job
 * succeeded; otherwise `errors[i]` is the failure message of job i, or null.
 */
export interface DoneMessage {
  t: 'done';
  n: number;
  ids: ArrayBuffer;
  results: unknown[] | null;
  errors: Array<string | null> | null;
  startedUs: number;
}

/** Packs a batch's handles, generations and (if all numeric) results into one transferable buffer. */
export function packDone(handles: Int32Array, gens: Int32Array, results: unknown[], n: number): { ids: ArrayBuffer; numeric: boolean } {
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) numeric = typeof results[i] === 'number';
  const ids = new ArrayBuffer(n * 8 + (numeric ? n * 8 : 0));
  const words = new Int32Array(ids, 0, 2 * n);
  words.set(handles.subarray(0, n));
  words.set(gens.subarray(0, n), n);
  if (numeric) {
    const values = new Float64Array(ids, n * 8, n);
    for (let i = 0; i < n; i++) values[i] = results[i] as number;
  }
  return { ids, numeric };
}

/** The views `packDone` wrote: handles, generations and numeric results (if sent that way). */
export function unpackDone(m: DoneMessage): { handles: Int32Array; gens: Int32Array; values: ArrayLike<unknown> } {
  return {
    handles: new Int32Array(m.ids, 0, m.n),
    gens: new Int32Array(m.ids, m.n * 4, m.n),
    values: m.results ?? new Float64Array(m.ids, m.n * 8, m.n),
  };
}

export type WorkerMessage = ReadyMessage | DoneMessage;

/** The module a worker imports: one batch function per job kind. */
export type Handler = (payloads: string[]) => unknown[] | Promise<unknown[]>;
export type HandlerMap = Record<string, Handler>;
